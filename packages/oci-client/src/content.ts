import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { digestAlgorithm, type Digest } from './digest.ts';
import { fileIdentity, sameIdentity, type DigestCache } from './digest-cache.ts';
import type { Descriptor } from './schemas.ts';

/**
 * Content that can be (re)opened from any offset: what a resumable upload needs. A plain stream
 * cannot be rewound, so pushes take a source instead.
 */
export interface ContentSource {
  readonly size: number;
  open(start?: number): Readable;
}

export function bytesSource(bytes: Uint8Array): ContentSource {
  return {
    size: bytes.byteLength,
    open: (start = 0) => Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.byteLength - start)], { objectMode: false }),
  };
}

export function fileSource(path: string, size: number): ContentSource {
  return {
    size,
    // 64 KiB reads (the default): larger ones measured no faster on upload and leave more garbage buffers for the GC.
    open: (start = 0) => createReadStream(path, { start }),
  };
}

export interface DescribeFileOptions {
  /** Answers for a file hashed before and unchanged since; learns the digests hashed now. */
  cache?: DigestCache;
}

/**
 * Hashes a file in one pass and constant memory: two reused 1 MiB buffers, one being read while the
 * other is hashed. (A read stream allocates a fresh buffer per read, and hundreds of MiB of them
 * waiting for the GC showed up as peak RSS.) A file that changes while it is read is an error, not
 * a digest of half of each version.
 */
export async function describeFile(path: string, mediaType: string, annotations?: Record<string, string>, options: DescribeFileOptions = {}): Promise<Descriptor> {
  const withAnnotations = (digest: Digest, size: number): Descriptor => ({ mediaType, digest, size, ...(annotations === undefined ? {} : { annotations }) });
  const handle = await open(path, 'r');
  try {
    const before = await handle.stat({ bigint: true });
    if (!before.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EISDIR' });
    const identity = fileIdentity(before);
    const known = options.cache?.lookup(path, identity);
    if (known !== undefined) return withAnnotations(known, identity.size);
    const hashStarted = Date.now();
    const size = identity.size;
    const hash = createHash('sha256');
    // No bigger than the file: a push of a thousand small files must not churn through 2 GiB.
    const chunk = Math.max(1, Math.min(1 << 20, size));
    const buffers = [Buffer.allocUnsafe(chunk), Buffer.allocUnsafe(chunk)];
    let position = 0;
    let which = 0;
    let reading = handle.read(buffers[0] as Buffer, 0, chunk, 0);
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) break;
      const current = buffers[which] as Buffer;
      position += bytesRead;
      which = 1 - which;
      reading = handle.read(buffers[which] as Buffer, 0, chunk, position);
      hash.update(current.subarray(0, bytesRead));
    }
    if (position !== size || !sameIdentity(identity, fileIdentity(await handle.stat({ bigint: true })))) {
      throw Object.assign(new Error(`${path} changed while it was read`), { code: 'ECHANGED' });
    }
    const digest: Digest = `sha256:${hash.digest('hex')}`;
    options.cache?.remember(path, identity, digest, hashStarted);
    return withAnnotations(digest, size);
  } finally {
    await handle.close();
  }
}

export function createDigester(digest: Digest) {
  return createHash(digestAlgorithm(digest));
}

export async function readAll(stream: AsyncIterable<Uint8Array>, limit = Number.POSITIVE_INFINITY): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.byteLength;
    if (total > limit) throw new RangeError(`content exceeds ${limit} bytes`);
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}
