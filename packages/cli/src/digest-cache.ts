import { defaultDigestCachePath, FileDigestCache, type DigestCache } from '@sealpack/oci-client/cache';
import type { CliIo } from './io.ts';
import type { Output } from './output.ts';

/**
 * Runs work that hashes local files with the user's file-digest cache (unless turned off), and
 * saves what it learned afterwards. The cache is a shortcut only: failing to save it is a debug
 * line, never a failed command.
 */
export async function withDigestCache<T>(io: CliIo, out: Output, disabled: boolean, work: (cache: DigestCache | undefined) => Promise<T>): Promise<T> {
  if (disabled) return work(undefined);
  const cache = await FileDigestCache.open(defaultDigestCachePath(io.env));
  try {
    return await work(cache);
  } finally {
    await cache.save().catch((error: unknown) => out.debug(`cannot save the digest cache ${cache.path}: ${(error as Error).message}`));
  }
}
