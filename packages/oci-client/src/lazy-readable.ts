import { Readable } from 'node:stream';

/** Hands one chunk to the stream's reader; resolves when the reader wants more. */
export type ChunkWriter = (chunk: Buffer) => Promise<void>;

/** Thrown into a producer whose reader destroyed the stream, so it can stop and release its source. */
export class ReaderGoneError extends Error {
  constructor() {
    super('the reader of this stream went away');
    this.name = 'ReaderGoneError';
  }
}

/**
 * A Readable whose producer starts on the first read, not when the stream is made.
 *
 * Functions like `Target.fetch` hand a stream to a caller that attaches its consumer later, often
 * after an await of its own (opening a temp file, say). A stream that starts work at once can fail
 * in that gap, and a stream 'error' with no listener is an uncaught exception in Node. Starting on
 * the first `_read` means any failure surfaces while someone is reading, and a stream nobody reads
 * costs no request at all.
 *
 * Backpressure: the writer's promise resolves once the reader asks for more. When the reader
 * destroys the stream, pending and later writes reject with `ReaderGoneError`, and the producer's
 * `readerGone` signal aborts.
 */
export function lazyReadable(produce: (write: ChunkWriter, readerGone: AbortSignal) => Promise<void>, options: { highWaterMark?: number; mapError?: (error: unknown) => Error } = {}): Readable {
  let started = false;
  // Lets a producer waiting on its source (not on a write) stop too: a request in flight, say.
  const gone = new AbortController();
  let wanted: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const release = (readerLeft: boolean) => {
    const waiter = wanted;
    wanted = undefined;
    if (waiter === undefined) return;
    if (readerLeft) waiter.reject(new ReaderGoneError());
    else waiter.resolve();
  };
  const write: ChunkWriter = (chunk) => {
    if (stream.destroyed) return Promise.reject(new ReaderGoneError());
    if (stream.push(chunk)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      wanted = { resolve, reject };
    });
  };
  const stream = new Readable({
    ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
    read() {
      if (started) {
        release(false);
        return;
      }
      started = true;
      produce(write, gone.signal).then(
        () => {
          if (!stream.destroyed) stream.push(null);
        },
        (error: unknown) => {
          if (error instanceof ReaderGoneError) return;
          stream.destroy(options.mapError === undefined ? toError(error) : options.mapError(error));
        },
      );
    },
    destroy(error, callback) {
      gone.abort(new ReaderGoneError());
      release(true);
      callback(error);
    },
  });
  return stream;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
