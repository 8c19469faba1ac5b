import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OciError } from '../errors.ts';
import { makeDirectory, streamToFileAtomic, writeFileAtomicWith } from '../fs-atomic.ts';
import { Readable } from 'node:stream';

// POSIX ustar (pax-compatible subset): 512-byte headers, contents padded to 512, two zero blocks.
const BLOCK = 512;
// Only what an OCI image layout holds may come out of an archive: nothing else is ever written.
const LAYOUT_ENTRY = /^(?:\.\/)?(oci-layout|index\.json|blobs\/sha256\/[a-f0-9]{64})$/;
const LAYOUT_DIRECTORY = /^(?:\.\/)?(?:blobs\/|blobs\/sha256\/|\.\/)?$/;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, mtime: number): Buffer {
  const block = Buffer.alloc(BLOCK, 0);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(0o644, 8), 100, 8, 'ascii');
  block.write(octal(0, 8), 108, 8, 'ascii');
  block.write(octal(0, 8), 116, 8, 'ascii');
  block.write(octal(size, 12), 124, 12, 'ascii');
  block.write(octal(mtime, 12), 136, 12, 'ascii');
  block.write('        ', 148, 8, 'ascii');
  block.write('0', 156, 1, 'ascii');
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

/** Writes an OCI layout directory as a tar archive, streamed file by file (air-gap transfer). */
export async function archiveLayout(layoutDir: string, tarPath: string): Promise<void> {
  const blobs = (await readdir(join(layoutDir, 'blobs', 'sha256')).catch(() => [])).filter((n) => /^[a-f0-9]{64}$/.test(n)).sort();
  const names = ['oci-layout', 'index.json', ...blobs.map((b) => `blobs/sha256/${b}`)];
  await writeFileAtomicWith(tarPath, async (writer) => {
    for (const name of names) {
      const path = join(layoutDir, name);
      const info = await stat(path);
      await writer.write(header(name, info.size, 0));
      for await (const chunk of createReadStream(path)) await writer.write(chunk as Buffer);
      const pad = (BLOCK - (info.size % BLOCK)) % BLOCK;
      if (pad > 0) await writer.write(Buffer.alloc(pad));
    }
    await writer.write(Buffer.alloc(BLOCK * 2));
  });
}

/** Reads exactly `n` bytes from an async byte source, or throws on a truncated archive. */
class ByteReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private buffered: Buffer = Buffer.alloc(0);

  constructor(source: AsyncIterable<Buffer>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  async take(n: number): Promise<Buffer | undefined> {
    while (this.buffered.byteLength < n) {
      const next = await this.iterator.next();
      if (next.done === true) {
        if (this.buffered.byteLength === 0) return undefined;
        throw new OciError('INVALID_INPUT', 'the archive is truncated');
      }
      this.buffered = this.buffered.byteLength === 0 ? next.value : Buffer.concat([this.buffered, next.value]);
    }
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }
}

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

/**
 * Unpacks a tar made by `archiveLayout` (or any tar of an OCI layout) into a fresh directory.
 * Only `oci-layout`, `index.json` and `blobs/sha256/<hex>` are accepted; any other name, a link,
 * or a bad checksum fails the whole restore before it is used. Returns the directory.
 */
export async function extractLayoutArchive(tarPath: string, into?: string): Promise<string> {
  const dir = into ?? (await mkdtemp(join(dirname(tarPath), '.sealpack-restore-')));
  const reader = new ByteReader(createReadStream(tarPath) as AsyncIterable<Buffer>);
  try {
    for (;;) {
      const block = await reader.take(BLOCK);
      if (block === undefined || block.every((b) => b === 0)) break;
      const stored = Number.parseInt(field(block, 148, 8).trim(), 8);
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
      if (stored !== sum) throw new OciError('INVALID_INPUT', `${tarPath} is not a tar archive (bad header checksum)`);
      const prefix = field(block, 345, 155);
      const name = prefix.length > 0 ? `${prefix}/${field(block, 0, 100)}` : field(block, 0, 100);
      const size = Number.parseInt(field(block, 124, 12).trim() || '0', 8);
      const type = String.fromCharCode(block[156] as number);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (type === '5' && LAYOUT_DIRECTORY.test(name)) continue;
      if (type === 'x' || type === 'g') {
        await reader.take(padded);
        continue;
      }
      const entry = LAYOUT_ENTRY.exec(name);
      if ((type !== '0' && type !== '\0') || entry === null) {
        throw new OciError('PATH_TRAVERSAL', `refusing archive entry '${name}': not part of an OCI image layout`);
      }
      const target = join(dir, entry[1] as string);
      await makeDirectory(dirname(target));
      let remaining = size;
      const chunks = async function* () {
        while (remaining > 0) {
          const piece = await reader.take(Math.min(remaining, 1 << 20));
          if (piece === undefined) throw new OciError('INVALID_INPUT', 'the archive is truncated');
          remaining -= piece.byteLength;
          yield piece;
        }
      };
      await streamToFileAtomic(Readable.from(chunks()), target);
      if (padded > size) await reader.take(padded - size);
    }
  } catch (error) {
    if (into === undefined) await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
}
