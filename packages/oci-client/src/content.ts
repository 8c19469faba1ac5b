import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { digestAlgorithm, type Digest } from './digest.ts';
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
    // 1 MiB reads: fewer syscalls and event-loop turns than the 64 KiB default on multi-GiB files.
    open: (start = 0) => createReadStream(path, { start, highWaterMark: 1 << 20 }),
  };
}

/** Hashes a file while streaming it: the descriptor a push needs, in one pass and constant memory. */
export async function describeFile(path: string, mediaType: string, annotations?: Record<string, string>): Promise<Descriptor> {
  const { size } = await stat(path);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  const digest: Digest = `sha256:${hash.digest('hex')}`;
  return { mediaType, digest, size, ...(annotations === undefined ? {} : { annotations }) };
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
