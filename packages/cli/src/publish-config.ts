import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from './errors.ts';

// sealpack.yaml: what `sealpack publish` is told on its command line, kept in the repository.
const PublishConfigSchema = z.strictObject({
  apiVersion: z.literal('sealpack.dev/publish/v1'),
  kind: z.literal('Publish'),
  to: z.string().min(1).optional(),
  files: z.array(z.string().min(1)).optional(),
  artifactType: z.string().min(1).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  key: z.string().min(1).optional(),
  tlogUpload: z.boolean().optional(),
  policy: z.string().min(1).optional(),
  env: z.string().min(1).optional(),
  stac: z.array(z.string().min(1)).optional(),
  dcat: z.array(z.string().min(1)).optional(),
  out: z.string().min(1).optional(),
  derivedFrom: z.array(z.string().min(1)).optional(),
  parameters: z.record(z.string(), z.string()).optional(),
});

export type PublishConfig = z.infer<typeof PublishConfigSchema>;

/** Reads sealpack.yaml; a fault is an input error (exit 2) naming `file:line:column`. */
export async function readPublishConfig(cwd: string, file: string): Promise<PublishConfig> {
  const text = await readFile(resolve(cwd, file), 'utf8').catch(() => {
    throw new UsageError(`cannot read --config ${file}`);
  });
  const { parseYamlFile } = await import('@sealpack/lifecycle');
  return parseYamlFile(PublishConfigSchema, text, file);
}

/**
 * The command line over the config: a flag given wins; a list flag (annotations, catalogs) adds to
 * the config's. Paths in the config are taken from the working directory, as flags are.
 */
export function withConfig(values: Record<string, unknown>, positionals: string[], config: PublishConfig): { values: Record<string, unknown>; positionals: string[] } {
  const merged: Record<string, unknown> = { ...values };
  const single = (flag: string, value: unknown) => {
    if (merged[flag] === undefined && value !== undefined) merged[flag] = value;
  };
  single('to', config.to);
  single('artifact-type', config.artifactType);
  single('key', config.key);
  single('tlog-upload', config.tlogUpload);
  single('policy', config.policy);
  single('env', config.env);
  single('out', config.out);
  const list = (flag: string, more: string[] | undefined) => {
    const given = Array.isArray(values[flag]) ? (values[flag] as string[]) : [];
    if (more !== undefined || given.length > 0) merged[flag] = [...(more ?? []), ...given];
  };
  list('annotation', config.annotations === undefined ? undefined : Object.entries(config.annotations).map(([k, v]) => `${k}=${v}`));
  list('stac', config.stac);
  list('dcat', config.dcat);
  list('derived-from', config.derivedFrom);
  list('param', config.parameters === undefined ? undefined : Object.entries(config.parameters).map(([k, v]) => `${k}=${v}`));
  return { values: merged, positionals: positionals.length > 0 ? positionals : (config.files ?? []) };
}
