import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { lazyReadable, ReaderGoneError } from './lazy-readable.ts';

describe('lazyReadable', () => {
  it('starts its producer on the first read, and a failure before that is no uncaught error', async () => {
    let started = 0;
    const stream = lazyReadable(async () => {
      started++;
      throw new Error('the source broke');
    });
    // Time for an eager producer to have failed with no listener (vitest reports that as an error).
    await sleep(20);
    expect(started).toBe(0);
    await expect(async () => {
      for await (const _ of stream) void _;
    }).rejects.toThrow('the source broke');
    expect(started).toBe(1);
  });

  it('delivers every chunk in order with backpressure, then ends', async () => {
    let inFlight = 0;
    let maxAhead = 0;
    const stream = lazyReadable(
      async (write) => {
        for (let i = 0; i < 50; i++) {
          inFlight++;
          maxAhead = Math.max(maxAhead, inFlight);
          await write(Buffer.from([i]));
        }
      },
      { highWaterMark: 4 },
    );
    const seen: number[] = [];
    for await (const chunk of stream) {
      // Paused-mode reads hand over everything buffered as one chunk: count bytes, not chunks.
      inFlight -= (chunk as Buffer).byteLength;
      seen.push(...(chunk as Buffer));
      await sleep(1);
    }
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // A producer that ignored backpressure would have all 50 written before the reader's first sleep ended.
    expect(maxAhead).toBeLessThan(10);
  });

  it('tells a waiting producer that its reader went away, and maps producer errors', async () => {
    let stoppedWith: unknown;
    const stream = lazyReadable(
      async (write) => {
        try {
          for (;;) await write(Buffer.alloc(1024));
        } catch (error) {
          stoppedWith = error;
          throw error;
        }
      },
      { highWaterMark: 1024 },
    );
    for await (const _ of stream) break;
    await sleep(5);
    expect(stoppedWith).toBeInstanceOf(ReaderGoneError);

    const mapped = lazyReadable(() => Promise.reject(new Error('raw')), { mapError: (error) => new Error(`mapped: ${(error as Error).message}`) });
    await expect(async () => {
      for await (const _ of mapped) void _;
    }).rejects.toThrow('mapped: raw');
  });

  it('aborts the readerGone signal of the producer when the reader destroys the stream mid-wait', async () => {
    let signalSeen: AbortSignal | undefined;
    const stream = lazyReadable(async (write, readerGone) => {
      signalSeen = readerGone;
      await write(Buffer.from('first'));
      // Waiting on the source, not on a write: only the signal can tell it to stop.
      await new Promise<void>((_resolve, reject) => readerGone.addEventListener('abort', () => reject(readerGone.reason as Error)));
    });
    for await (const _ of stream) break;
    expect(signalSeen?.aborted).toBe(true);
    expect(signalSeen?.reason).toBeInstanceOf(ReaderGoneError);
  });
});
