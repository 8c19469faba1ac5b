import { resolve } from 'node:path';
import { openTarget, parseReference, type OpenTargetOptions, type Reference, type Target } from '@sealpack/oci-client';
import { z } from 'zod';
import { UsageError } from './errors.ts';
import type { CliIo } from './io.ts';
import type { OutputOptions } from './output.ts';

/** Options every command takes (CLI.md "Global conventions", auth and TLS). */
export const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  username: { type: 'string', short: 'u' },
  'password-stdin': { type: 'boolean' },
  'plain-http': { type: 'boolean' },
  insecure: { type: 'boolean' },
  'ca-file': { type: 'string' },
  'distribution-spec': { type: 'string' },
} as const;

export const GlobalValuesSchema = z.object({
  json: z.boolean().optional(),
  quiet: z.boolean().optional(),
  debug: z.boolean().optional(),
  help: z.boolean().optional(),
  username: z.string().min(1, '--username must not be empty').optional(),
  'password-stdin': z.boolean().optional(),
  'plain-http': z.boolean().optional(),
  insecure: z.boolean().optional(),
  'ca-file': z.string().min(1).optional(),
  // oras's spelling for forcing how referrers are found and recorded.
  'distribution-spec': z.enum(['v1.1-referrers-api', 'v1.1-referrers-tag'], { error: '--distribution-spec is v1.1-referrers-api or v1.1-referrers-tag' }).optional(),
});
export type GlobalValues = z.infer<typeof GlobalValuesSchema>;

export function outputOptions(values: GlobalValues): OutputOptions {
  return { json: values.json === true, quiet: values.quiet === true, debug: values.debug === true };
}

export function parseRef(input: string | undefined, what = 'REF'): Reference {
  if (input === undefined) throw new UsageError(`missing ${what}`);
  return parseReference(input);
}

/** Layout paths are relative to the command's working directory. */
export function openRefTarget(ref: Reference, options: OpenTargetOptions, io: CliIo): Target {
  if (ref.kind === 'layout') return openTarget({ ...ref, path: resolve(io.cwd, ref.path) }, options);
  return openTarget(ref, options);
}
