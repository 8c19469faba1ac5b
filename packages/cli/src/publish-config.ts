import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { stringList } from './command-input.ts';
import { UsageError } from './errors.ts';

// What one artifact of a publish is: its files, where it goes, its labels, records and lineage.
const artifactFields = {
  to: z.string().min(1).optional(),
  files: z.array(z.string().min(1)).optional(),
  artifactType: z.string().min(1).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  stac: z.array(z.string().min(1)).optional(),
  dcat: z.array(z.string().min(1)).optional(),
  out: z.string().min(1).optional(),
  derivedFrom: z.array(z.string().min(1)).optional(),
  parameters: z.record(z.string(), z.string()).optional(),
};

const ArtifactSchema = z.strictObject({
  ...artifactFields,
  /** Names the artifact in the output and its evidence folder (`out`/NAME). */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a name is letters, digits and . _ -'),
  to: z.string().min(1),
  files: z.array(z.string().min(1)).min(1),
});

// sealpack.yaml: what `sealpack publish` is told on its command line, kept in the repository; one
// artifact (files, to, … at the top) or several (`artifacts:`, each with its own), sharing the key,
// the policy and the environment.
const PublishConfigSchema = z
  .strictObject({
    apiVersion: z.literal('sealpack.dev/publish/v1'),
    kind: z.literal('Publish'),
    ...artifactFields,
    key: z.string().min(1).optional(),
    tlogUpload: z.boolean().optional(),
    policy: z.string().min(1).optional(),
    env: z.string().min(1).optional(),
    artifacts: z.array(ArtifactSchema).min(1).optional(),
  })
  .superRefine((config, ctx) => {
    if (config.artifacts === undefined) return;
    for (const field of ['to', 'files'] as const) {
      if (config[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${field} belongs to each of artifacts:, not beside it` });
    }
    const names = new Set<string>();
    config.artifacts.forEach((artifact, i) => {
      if (names.has(artifact.name)) ctx.addIssue({ code: 'custom', path: ['artifacts', i, 'name'], message: `the name ${artifact.name} is used twice` });
      names.add(artifact.name);
    });
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

/** One artifact to publish: the values and FILE operands its pipeline runs with. */
export interface PublishJob {
  name?: string;
  values: Record<string, unknown>;
  positionals: string[];
}

/**
 * The artifacts a publish makes: the command line's one (over the config's settings, if any), or
 * each of the config's `artifacts:` over its shared settings (their evidence in `out`/NAME). With
 * `artifacts:`, FILE operands and `--to` could mean any of them, so they are refused.
 */
export function publishJobs(values: Record<string, unknown>, positionals: string[], config: PublishConfig | undefined): PublishJob[] {
  if (config === undefined) return [{ values, positionals }];
  if (config.artifacts === undefined) return [withConfig(values, positionals, config)];
  if (positionals.length > 0 || values.to !== undefined) throw new UsageError('the config lists artifacts:, each with its files and to: FILE operands and --to would be ambiguous');
  const { artifacts, ...shared } = config;
  const base = typeof values.out === 'string' ? values.out : (shared.out ?? 'publish-evidence');
  return artifacts.map(({ name, ...artifact }) => ({
    name,
    ...withConfig({ ...values, out: artifact.out ?? `${base}/${name}` }, [], {
      ...shared,
      ...artifact,
      annotations: { ...shared.annotations, ...artifact.annotations },
    }),
  }));
}

/**
 * The command line over the config: a flag given wins; a list flag (annotations, catalogs) adds to
 * the config's. Paths in the config are taken from the working directory, as flags are.
 */
function withConfig(values: Record<string, unknown>, positionals: string[], config: PublishConfig): { values: Record<string, unknown>; positionals: string[] } {
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
    const given = stringList(values, flag);
    if (more !== undefined || given.length > 0) merged[flag] = [...(more ?? []), ...given];
  };
  list('annotation', config.annotations === undefined ? undefined : Object.entries(config.annotations).map(([k, v]) => `${k}=${v}`));
  list('stac', config.stac);
  list('dcat', config.dcat);
  list('derived-from', config.derivedFrom);
  list('param', config.parameters === undefined ? undefined : Object.entries(config.parameters).map(([k, v]) => `${k}=${v}`));
  return { values: merged, positionals: positionals.length > 0 ? positionals : (config.files ?? []) };
}
