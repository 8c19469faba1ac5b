import { open } from 'node:fs/promises';
import { OciError } from '../errors.ts';

/**
 * A layout file read whole, but never past `limit`: index.json and manifests in a folder (or an
 * unpacked backup) are as untrusted as a registry's answers, and a 300 MB index.json read whole
 * costs gigabytes. The size is checked before reading, and the read stops at the bound should the
 * file grow meanwhile.
 */
export async function readBoundedFile(path: string, limit: number, what: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > limit) throw new OciError('MANIFEST_TOO_LARGE', `${what} is ${size} bytes, over the ${limit}-byte limit`);
    const buffer = Buffer.alloc(size + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled > size) throw new OciError('MANIFEST_TOO_LARGE', `${what} grew past ${size} bytes while it was read`);
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
