import { z } from 'zod';
import { ProvenanceError } from '../errors.ts';
import { NonEmpty, OciRef, Sha256Hex, UtcTimestamp } from '../fields.ts';
import { firstIssue } from '../zod-issues.ts';
import { PROV_CONTEXT } from './context.ts';

// What a run says about itself; the builder turns it into PROV-O terms.
const Output = z.union([
  z.strictObject({ ref: OciRef, mediaType: NonEmpty, size: z.number().int().nonnegative(), title: NonEmpty.optional() }),
  z.strictObject({ file: NonEmpty, sha256: Sha256Hex, size: z.number().int().nonnegative(), mediaType: NonEmpty.optional() }),
]);
const Input = z.union([z.strictObject({ file: NonEmpty, sha256: Sha256Hex, size: z.number().int().nonnegative().optional() }), z.strictObject({ ref: OciRef }), z.strictObject({ url: z.url() })]);
const SoftwareAgent = z.strictObject({ name: NonEmpty, version: NonEmpty });
const Responsible = z.strictObject({ kind: z.enum(['person', 'organization']), name: NonEmpty, id: z.url().optional() });

const ProvRunSchema = z.strictObject({
  runId: NonEmpty.regex(/^[A-Za-z0-9._:-]+$/, 'a run id is letters, digits and . _ : -'),
  startedAt: UtcTimestamp,
  endedAt: UtcTimestamp,
  command: z.string().optional(),
  parameters: z.record(z.string(), z.string()).default({}),
  inputs: z.array(Input).default([]),
  outputs: z.array(Output).min(1),
  toolchain: z.array(SoftwareAgent).min(1),
  responsible: Responsible.optional(),
});

export type ProvRun = z.input<typeof ProvRunSchema>;

/** A PROV-O JSON-LD document: the inline context and one graph. */
export interface ProvDocument {
  '@context': typeof PROV_CONTEXT;
  '@graph': Array<Record<string, unknown>>;
}

/**
 * The provenance of one run as PROV-O JSON-LD: the activity (its id, times, command,
 * parameters), the entities it used and generated (artifacts by `oci://…@sha256:` ref, files by
 * `urn:sha256:`), the software agents it was associated with
 * (every tool of the toolchain, by name and version) and the person or organisation responsible;
 * related by `used`, `wasGeneratedBy`, `wasAssociatedWith`, `wasDerivedFrom` and
 * `wasAttributedTo` (PROV-O 3.1, starting-point terms). Node order is fixed (activity, agents,
 * inputs, outputs; each by id), so equal runs give equal documents.
 */
export function buildProvDocument(run: ProvRun): ProvDocument {
  const parsed = ProvRunSchema.safeParse(run);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error);
    throw new ProvenanceError(issue.code, `the run is invalid at ${issue.path}: ${issue.message}`, { path: issue.path });
  }
  const r = parsed.data;
  if (Date.parse(r.endedAt) < Date.parse(r.startedAt)) throw new ProvenanceError('INVALID_TIMESTAMP', 'the run ends before it starts', { path: '$.endedAt' });
  const activityId = `urn:sealpack:run:${r.runId}`;
  const agents = r.toolchain.map((tool) => ({
    '@id': `urn:sealpack:agent:${encodeURIComponent(tool.name)}@${encodeURIComponent(tool.version)}`,
    '@type': 'SoftwareAgent',
    title: tool.name,
    version: tool.version,
  }));
  const responsible =
    r.responsible === undefined
      ? []
      : [
          {
            '@id': r.responsible.id ?? `urn:sealpack:agent:${encodeURIComponent(r.responsible.name)}`,
            '@type': r.responsible.kind === 'person' ? 'Person' : 'Organization',
            title: r.responsible.name,
          },
        ];
  const inputs = r.inputs.map((input) => {
    if ('file' in input) return { '@id': `urn:sha256:${input.sha256}`, '@type': 'Entity', title: input.file, checksum: input.sha256, ...(input.size === undefined ? {} : { byteSize: input.size }) };
    if ('ref' in input) return { '@id': input.ref, '@type': 'Entity', checksum: input.ref.slice(-64) };
    return { '@id': input.url, '@type': 'Entity' };
  });
  const inputIds = unique(inputs.map((i) => i['@id']));
  const outputs = r.outputs.map((output) => ({
    ...('ref' in output
      ? { '@id': output.ref, '@type': 'Entity', format: output.mediaType, byteSize: output.size, checksum: output.ref.slice(-64), ...(output.title === undefined ? {} : { title: output.title }) }
      : {
          '@id': `urn:sha256:${output.sha256}`,
          '@type': 'Entity',
          title: output.file,
          byteSize: output.size,
          checksum: output.sha256,
          ...(output.mediaType === undefined ? {} : { format: output.mediaType }),
        }),
    wasGeneratedBy: activityId,
    wasDerivedFrom: inputIds,
    wasAttributedTo: unique(responsible.map((a) => a['@id'])),
  }));
  const activity = {
    '@id': activityId,
    '@type': 'Activity',
    identifier: r.runId,
    startedAtTime: r.startedAt,
    endedAtTime: r.endedAt,
    ...(r.command === undefined ? {} : { command: r.command }),
    parameter: Object.keys(r.parameters)
      .sort()
      .map((key) => ({ '@type': 'Parameter', key, value: r.parameters[key] })),
    used: inputIds,
    wasAssociatedWith: unique([...agents, ...responsible].map((a) => a['@id'])),
  };
  const nodes = [...dedupe([...agents, ...responsible]), ...dedupe(inputs), ...dedupe(outputs)];
  return { '@context': PROV_CONTEXT, '@graph': [activity, ...nodes] };
}

const unique = (ids: string[]) => [...new Set(ids)].sort();

/** One node per id (two inputs naming the same content are one entity), sorted by id. */
function dedupe<T extends { '@id': string }>(nodes: T[]): T[] {
  const byId = new Map<string, T>();
  for (const node of nodes) if (!byId.has(node['@id'])) byId.set(node['@id'], node);
  return [...byId.values()].sort((a, b) => (a['@id'] < b['@id'] ? -1 : a['@id'] > b['@id'] ? 1 : 0));
}
