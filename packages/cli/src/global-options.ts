import { resolve } from 'node:path';
import { openTarget, parseReference, type OpenTargetOptions, type Reference, type Target } from '@sealpack/oci-client';
import { z } from 'zod';
import { UsageError } from './errors.ts';
import type { CliIo } from './io.ts';
import type { OptionSpecs } from './command.ts';
import type { OutputOptions } from './output.ts';

/** Options every command takes (CLI.md "Global conventions", auth and TLS). */
export const GLOBAL_OPTIONS = {
  json: { type: 'boolean', description: 'one JSON document on stdout (also for a failure: {"error": {code, message, exitCode}})' },
  quiet: { type: 'boolean', short: 'q', description: 'only the essential result on stdout (the pinned reference or digest), nothing on stderr but errors' },
  debug: { type: 'boolean', description: 'requests and stack traces on stderr (never secrets)' },
  help: { type: 'boolean', short: 'h', description: "the command's usage and options" },
  username: { type: 'string', short: 'u', valueName: 'USER', description: 'registry user name, with --password-stdin (else SEALPACK_USERNAME/PASSWORD, then ~/.docker/config.json)' },
  'password-stdin': { type: 'boolean', description: 'read the password from standard input' },
  'plain-http': { type: 'boolean', description: 'HTTP instead of HTTPS; --plain-http=false forces TLS', defaultText: 'on for localhost and 127.0.0.1 unless a TLS option is given' },
  insecure: { type: 'boolean', description: 'skip TLS certificate verification (asks for TLS on loopback too)' },
  'ca-file': { type: 'string', valueName: 'FILE', description: 'trust this PEM CA bundle beside the system roots (asks for TLS on loopback too)' },
  'distribution-spec': {
    type: 'string',
    valueName: 'SPEC',
    defaultText: 'the API where the registry has it, else the tag schema',
    description: 'how referrers are found and recorded: v1.1-referrers-api or v1.1-referrers-tag',
  },
} as const satisfies OptionSpecs;

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

/** Layout paths are relative to the command's working directory: the reference with its path made absolute. */
export function withLayoutPath(ref: Reference, cwd: string): Reference {
  return ref.kind === 'layout' ? { ...ref, path: resolve(cwd, ref.path) } : ref;
}

export { repositoryName } from '@sealpack/oci-client';

export function openRefTarget(ref: Reference, options: OpenTargetOptions, io: CliIo): Target {
  return openTarget(withLayoutPath(ref, io.cwd), options);
}
