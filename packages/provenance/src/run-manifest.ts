import { arch, platform, release } from 'node:os';
import { z } from 'zod';
import { ProvenanceError } from './errors.ts';
import { NonEmpty, Sha256Hex, UtcTimestamp } from './fields.ts';
import { canonicalDigest, canonicalize } from './jcs.ts';
import { parseStrictJson } from './strict-json.ts';
import { firstIssue } from './zod-issues.ts';

export const RUN_MANIFEST_SCHEMA = 'https://sealpack.dev/run-manifest/v1';

const Item = z.strictObject({
  /** A path relative to the run, an `oci://…@sha256:` ref, or a URL. */
  name: NonEmpty,
  sha256: Sha256Hex,
  size: z.number().int().nonnegative().optional(),
});

const Tool = z.strictObject({ name: NonEmpty, version: NonEmpty });

const RunManifestSchema = z.strictObject({
  schema: z.literal(RUN_MANIFEST_SCHEMA),
  runId: NonEmpty,
  startedAt: UtcTimestamp,
  endedAt: UtcTimestamp,
  inputs: z.array(Item),
  outputs: z.array(Item).min(1),
  parameters: z.record(z.string(), z.string()),
  toolchain: z.array(Tool),
  environment: z.strictObject({ os: NonEmpty, arch: NonEmpty, node: NonEmpty }),
});

export type RunManifest = z.infer<typeof RunManifestSchema>;
export type RunItem = z.infer<typeof Item>;

/** The facts about this machine a run manifest records: those that can change a result. */
export function currentEnvironment(): RunManifest['environment'] {
  return { os: `${platform()} ${release()}`, arch: arch(), node: process.version };
}

/**
 * A run manifest in its one canonical form: inputs, outputs and the toolchain sorted by name, so
 * that the same run described in any order gives the same bytes and the same digest.
 */
export function buildRunManifest(run: Omit<RunManifest, 'schema'>): RunManifest {
  const byName = <T extends { name: string }>(items: readonly T[]) => [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return validate({ ...run, schema: RUN_MANIFEST_SCHEMA, inputs: byName(run.inputs), outputs: byName(run.outputs), toolchain: byName(run.toolchain) });
}

/** The bytes of `run_manifest.json`: its RFC 8785 form, so `sha256sum` of the file is its canonical digest. */
export function serializeRunManifest(manifest: RunManifest): string {
  return canonicalize(validate(manifest));
}

/** The run's canonical digest: sha256 over the RFC 8785 form. */
export function runManifestDigest(manifest: RunManifest): `sha256:${string}` {
  return canonicalDigest(validate(manifest));
}

/** Reads a `run_manifest.json` (strict JSON, then the schema); the error names the field. */
export function parseRunManifest(text: string): RunManifest {
  return validate(parseStrictJson(text));
}

function validate(value: unknown): RunManifest {
  const parsed = RunManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error);
    throw new ProvenanceError(issue.code, `the run manifest is invalid at ${issue.path}: ${issue.message}`, { path: issue.path });
  }
  if (Date.parse(parsed.data.endedAt) < Date.parse(parsed.data.startedAt)) {
    throw new ProvenanceError('INVALID_TIMESTAMP', 'the run manifest ends before it starts', { path: '$.endedAt' });
  }
  return parsed.data;
}
