import { Transform, type TransformCallback } from 'node:stream';
import { createDigester } from './content.ts';
import { OciError } from './errors.ts';
import type { Descriptor } from './schemas.ts';

/**
 * A pass-through that hashes and counts what flows through it and fails the stream when the
 * content does not match the descriptor (image-spec descriptor.md: "the content SHOULD be
 * verified against this digest"). Oversize content fails as soon as it crosses the size, so an
 * endless body never fills the disk; a short or wrong body fails at the end, before the consumer
 * sees a clean finish.
 */
export class VerifyingStream extends Transform {
  private readonly hash;
  private seen: number;
  private readonly descriptor: Descriptor;

  private readonly onProgress: ((bytes: number) => void) | undefined;

  /** `onProgress` is called from inside the transform: a 'data' listener would steal chunks from an async-iterating consumer. */
  constructor(descriptor: Descriptor, onProgress?: (bytes: number) => void) {
    super({ highWaterMark: 1 << 20 });
    this.descriptor = descriptor;
    this.hash = createDigester(descriptor.digest);
    this.seen = 0;
    this.onProgress = onProgress;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.byteLength;
    if (this.seen > this.descriptor.size) {
      callback(new OciError('SIZE_MISMATCH', `content of ${this.descriptor.digest} is larger than its descriptor's ${this.descriptor.size} bytes`));
      return;
    }
    this.hash.update(chunk);
    this.onProgress?.(this.seen);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.seen !== this.descriptor.size) {
      callback(new OciError('SIZE_MISMATCH', `content of ${this.descriptor.digest} is ${this.seen} bytes, its descriptor says ${this.descriptor.size}`));
      return;
    }
    const actual = `${this.descriptor.digest.slice(0, this.descriptor.digest.indexOf(':'))}:${this.hash.digest('hex')}`;
    if (actual !== this.descriptor.digest) {
      callback(new OciError('DIGEST_MISMATCH', `content digest ${actual} does not match the expected ${this.descriptor.digest}`));
      return;
    }
    callback();
  }
}

/** Verifies bytes held in memory against a descriptor. */
export function verifyBytes(bytes: Uint8Array, descriptor: Descriptor): void {
  if (bytes.byteLength !== descriptor.size) {
    throw new OciError('SIZE_MISMATCH', `content of ${descriptor.digest} is ${bytes.byteLength} bytes, its descriptor says ${descriptor.size}`);
  }
  const hash = createDigester(descriptor.digest).update(bytes).digest('hex');
  const actual = `${descriptor.digest.slice(0, descriptor.digest.indexOf(':'))}:${hash}`;
  if (actual !== descriptor.digest) {
    throw new OciError('DIGEST_MISMATCH', `content digest ${actual} does not match the expected ${descriptor.digest}`);
  }
}
