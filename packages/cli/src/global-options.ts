import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  dockerConfigCredentials,
  firstOf,
  openTarget,
  parseReference,
  type CredentialProvider,
  type OpenTargetOptions,
  type Reference,
  type Target,
} from '@sealpack/oci-client';
import { z } from 'zod';
import { UsageError } from './errors.ts';
import { readStdin, type CliIo } from './io.ts';
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

/**
 * Credentials in CLI.md's order: -u with --password-stdin, then SEALPACK_USERNAME/PASSWORD, then
 * docker's config.json (auths, credHelpers, credsStore).
 */
export async function credentialProvider(values: GlobalValues, io: CliIo): Promise<CredentialProvider> {
  const providers: CredentialProvider[] = [];
  if (values['password-stdin'] === true) {
    if (values.username === undefined) throw new UsageError('--password-stdin needs --username');
    const password = (await readStdin(io)).replace(/\r?\n$/, '');
    if (password.length === 0) throw new UsageError('no password on standard input');
    const username = values.username;
    providers.push(async () => ({ kind: 'basic', username, password }));
  } else if (values.username !== undefined) {
    throw new UsageError('--username needs --password-stdin (passwords are never taken as arguments)');
  }
  const envUser = io.env.SEALPACK_USERNAME;
  const envPassword = io.env.SEALPACK_PASSWORD;
  if (envUser !== undefined && envPassword !== undefined) providers.push(async () => ({ kind: 'basic', username: envUser, password: envPassword }));
  providers.push(dockerConfigCredentials({ env: io.env }));
  return firstOf(...providers);
}

export async function targetOptions(values: GlobalValues, io: CliIo, log: (line: string) => void): Promise<OpenTargetOptions> {
  let ca: Buffer | undefined;
  if (values['ca-file'] !== undefined) {
    try {
      ca = await readFile(resolve(io.cwd, values['ca-file']));
    } catch (error) {
      throw new UsageError(`cannot read --ca-file ${values['ca-file']}: ${(error as Error).message}`);
    }
  }
  return {
    credentials: await credentialProvider(values, io),
    log,
    ...(values['plain-http'] === true ? { plainHttp: true } : {}),
    ...(values.insecure === true ? { insecure: true } : {}),
    ...(ca === undefined ? {} : { ca }),
    ...(values['distribution-spec'] === undefined ? {} : { referrersMode: values['distribution-spec'] === 'v1.1-referrers-api' ? 'api' : 'tag-schema' }),
  };
}

/** Layout paths are relative to the command's working directory. */
export function openRefTarget(ref: Reference, options: OpenTargetOptions, io: CliIo): Target {
  if (ref.kind === 'layout') return openTarget({ ...ref, path: resolve(io.cwd, ref.path) }, options);
  return openTarget(ref, options);
}
