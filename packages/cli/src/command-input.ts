import { resolve } from 'node:path';
import { parseFileArgument, type PackFile } from '@sealpack/oci-client';
import type { z } from 'zod';
import { UsageError } from './errors.ts';

/** Validates option values against a command's schema; the first problem becomes a usage error. */
export function parseOptions<T extends z.ZodType>(schema: T, values: unknown): z.infer<T> {
  const parsed = schema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? 'invalid options');
  return parsed.data;
}

/** `FILE[:MEDIATYPE]` arguments, paths taken relative to the command's working directory. */
export function fileArguments(args: readonly string[], cwd: string): PackFile[] {
  return args.map((arg) => {
    const file = parseFileArgument(arg);
    return { ...file, path: resolve(cwd, file.path) };
  });
}

/**
 * `org.opencontainers.image.created`: SOURCE_DATE_EPOCH (reproducible-builds.org) fixes it;
 * otherwise now, or left out (`null`) when the push asks to be reproducible.
 */
export function createdTime(env: NodeJS.ProcessEnv, reproducible: boolean): Date | null {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000);
  return reproducible ? null : new Date();
}
