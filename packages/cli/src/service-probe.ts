import { ServiceUnreachableError } from './errors.ts';

/**
 * Each service answers at all (any HTTP status will do: it is there), within `timeoutMs`. A
 * publish asks this before it pushes, so that a transparency log that cannot be reached fails the
 * run while nothing is written, not half-way with an untagged release to clean up.
 */
export async function requireReachable(urls: readonly string[], options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  for (const url of new Set(urls)) {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
    try {
      const answer = await fetch(url, { method: 'HEAD', signal, redirect: 'manual' });
      await answer.body?.cancel();
    } catch (error) {
      options.signal?.throwIfAborted();
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new ServiceUnreachableError(`${url} cannot be reached (${why}); nothing was written. Sign without a transparency log with --tlog-upload=false, or name another with --rekor-url`, {
        cause: error,
      });
    }
  }
}
