import { describe, expect, it } from 'vitest';
import { lazyReadable, ReaderGoneError } from './lazy-readable.ts';

/** Lets the event loop go round: what a stream or a producer would do meanwhile has happened. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('lazyReadable', () => {
  it('starts its producer on the first read, and a failure before that is no uncaught error', async () => {
    let started = 0;
    const stream = lazyReadable(async () => {
      started++;
      throw new Error('the source broke');
    });
    // Turns of the event loop in which an eager producer would have started and failed with no listener.
    await turns(5);
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
      await turns(1);
    }
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // A producer that ignored backpressure would have all 50 written before the reader's first turn ended.
    expect(maxAhead).toBeLessThan(10);
  });

  it('tells a waiting producer that its reader went away, and maps producer errors', async () => {
    let stopped: (error: unknown) => void = () => undefined;
    const stoppedWith = new Promise<unknown>((resolve) => (stopped = resolve));
    const stream = lazyReadable(
      async (write) => {
        try {
          for (;;) await write(Buffer.alloc(1024));
        } catch (error) {
          stopped(error);
          throw error;
        }
      },
      { highWaterMark: 1024 },
    );
    for await (const _ of stream) break;
    expect(await stoppedWith).toBeInstanceOf(ReaderGoneError);

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
