import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { type Descriptor, discoverReferrers, parseManifest, pinnedReference, type Reference, type ReferrerNode, referenceSelector } from '@sealpack/oci-client';
import type { Decision } from '@sealpack/policy';
import type { LineageGraph } from '@sealpack/provenance';
import type { BundleVerdict, VerifyPolicy } from '@sealpack/signing/verify';
import type { CommandContext } from '../command.ts';
import { inputOpener } from '../input-sensitivity.ts';
import type { Verifying } from '../commands/signing-options.ts';
import { type VerdictWitness, witnessFields } from '../commands/signing.ts';

/** A referrer in the graph, with the verdict of its bundle when it is one. */
export interface ReferrerView {
  digest: string;
  artifactType: string;
  predicateType?: string;
  verdict?: Pick<BundleVerdict, 'valid' | 'reason'> & VerdictWitness;
  referrers: ReferrerView[];
}

/** What the evidence viewer shows of one artifact; gathered through the packages, never re-implemented. */
export interface ArtifactView {
  reference: string;
  digest: string;
  artifactType?: string;
  annotations: Record<string, string>;
  files: Array<{ name: string; mediaType: string; size: number; digest: string }>;
  referrers: ReferrerView[];
  decision?: Decision;
  lineage: LineageGraph;
  catalogs: Array<{ file: string; kind: 'STAC' | 'DCAT' | 'distribution'; text: string }>;
}

export interface ViewSources {
  open: CommandContext['open'];
  verifying: Verifying;
  verifyPolicy: VerifyPolicy;
  /** The policy the judge applies, and its environment; none: no verdict shown. */
  gate?: { module: typeof import('@sealpack/policy'); policy: import('@sealpack/policy').Policy; environment?: string };
  /** Catalog records and distribution.oci.json files; each is shown for the artifact whose digest it names. */
  catalogFiles: string[];
}

export async function artifactView(ref: Reference, sources: ViewSources): Promise<ArtifactView> {
  const target = await sources.open(ref);
  const subject = await target.resolve(referenceSelector(ref) ?? 'latest');
  const pinned = pinnedReference(ref, subject.digest);
  const tree = await discoverReferrers(target, subject, { depth: 4 });
  // Every bundle judged once, under the type its signed statement names, so each referrer in the graph has its verdict.
  const verdicts = new Map((await sources.verifying.verifyEveryAttached(target, subject, sources.verifyPolicy)).map((v) => [v.referrer.digest, v]));
  const gate = sources.gate;
  const judged =
    gate === undefined
      ? undefined
      : await gate.module.judgeArtifact(target, subject, {
          reference: pinned,
          pinned: true,
          verifyPolicy: sources.verifyPolicy,
          policy: gate.policy,
          ...(gate.environment === undefined ? {} : { environment: gate.environment }),
          openInput: inputOpener(sources),
        });
  const { walkLineage } = await import('@sealpack/provenance');
  const { attestedProvReader } = await import('@sealpack/policy');
  const lineage = await walkLineage(pinned, attestedProvReader(inputOpener(sources), sources.verifyPolicy), { maxDepth: 6 });
  const manifest = await manifestFacts(target, subject);
  return {
    reference: pinned,
    digest: subject.digest,
    ...(manifest.artifactType === undefined ? {} : { artifactType: manifest.artifactType }),
    annotations: manifest.annotations,
    files: manifest.files,
    referrers: tree.referrers.map((node) => referrerView(node, verdicts, sources.verifying.ANNOTATION_BUNDLE_PREDICATE_TYPE)),
    ...(judged === undefined ? {} : { decision: judged.decision }),
    lineage,
    catalogs: await catalogsNaming(subject.digest, sources.catalogFiles),
  };
}

function referrerView(node: ReferrerNode, verdicts: ReadonlyMap<string, BundleVerdict>, predicateAnnotation: string): ReferrerView {
  const verdict = verdicts.get(node.descriptor.digest);
  const predicateType = node.descriptor.annotations?.[predicateAnnotation];
  return {
    digest: node.descriptor.digest,
    artifactType: node.descriptor.artifactType ?? node.descriptor.mediaType,
    ...(predicateType === undefined ? {} : { predicateType }),
    ...(verdict === undefined
      ? {}
      : {
          verdict: { valid: verdict.valid, ...(verdict.reason === undefined ? {} : { reason: verdict.reason }), ...witnessFields(verdict) },
        }),
    referrers: node.referrers.map((child) => referrerView(child, verdicts, predicateAnnotation)),
  };
}

async function manifestFacts(target: Awaited<ReturnType<CommandContext['open']>>, subject: Descriptor): Promise<Pick<ArtifactView, 'artifactType' | 'annotations' | 'files'>> {
  const parsed = parseManifest(await target.fetchManifest(subject), subject.mediaType);
  if (parsed.kind !== 'manifest') return { annotations: parsed.manifest.annotations ?? {}, files: [] };
  const m = parsed.manifest;
  return {
    ...(m.artifactType === undefined ? {} : { artifactType: m.artifactType }),
    annotations: m.annotations ?? {},
    files: m.layers.map((layer) => ({ name: layer.annotations?.['org.opencontainers.image.title'] ?? layer.digest, mediaType: layer.mediaType, size: layer.size, digest: layer.digest })),
  };
}

/** The records among `files` that name this digest: a record of another artifact is never shown here. */
async function catalogsNaming(digest: string, files: readonly string[]): Promise<ArtifactView['catalogs']> {
  const found: ArtifactView['catalogs'] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined || !text.includes(digest)) continue;
    const name = basename(file);
    found.push({ file, kind: name === 'distribution.oci.json' ? 'distribution' : /dcat|jsonld$/i.test(name) ? 'DCAT' : 'STAC', text });
  }
  return found;
}
