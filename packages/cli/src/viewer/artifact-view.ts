import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { type Descriptor, discoverReferrers, parseManifest, pinnedReference, type Reference, type ReferrerNode, referenceSelector } from '@sealpack/oci-client';
import type { Decision } from '@sealpack/policy';
import type { LineageGraph } from '@sealpack/provenance';
import type { BundleVerdict, VerifyPolicy } from '@sealpack/signing/verify';
import type { CommandContext } from '../command.ts';
import { inputSensitivityReader } from '../input-sensitivity.ts';
import { attestedProvReader } from '../commands/lineage.ts';
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
  /** The policy to evaluate, compiled; none: no verdict shown. */
  gate?: { module: typeof import('@sealpack/policy'); compiled: ReturnType<typeof import('@sealpack/policy').compilePolicy> };
  /** Catalog records and distribution.oci.json files; each is shown for the artifact whose digest it names. */
  catalogFiles: string[];
}

export async function artifactView(ref: Reference, sources: ViewSources): Promise<ArtifactView> {
  const target = await sources.open(ref);
  const subject = await target.resolve(referenceSelector(ref) ?? 'latest');
  const pinned = pinnedReference(ref, subject.digest);
  const tree = await discoverReferrers(target, subject, { depth: 4 });
  // Each bundle judged under its own predicate type, so that every referrer in the graph has its verdict.
  const predicateTypes = new Set<string | undefined>([sources.verifying.COSIGN_SIGN_PREDICATE_TYPE]);
  const collect = (nodes: readonly ReferrerNode[]) => {
    for (const node of nodes) {
      predicateTypes.add(node.descriptor.annotations?.[sources.verifying.ANNOTATION_BUNDLE_PREDICATE_TYPE]);
      collect(node.referrers);
    }
  };
  collect(tree.referrers);
  const verdicts = new Map<string, BundleVerdict>();
  const byType = await sources.verifying.verifyAttachedByType(
    target,
    subject,
    sources.verifyPolicy,
    [...predicateTypes].filter((t): t is string => t !== undefined),
  );
  // A bundle judged under several types (it named none) keeps the verdict that verified, if any.
  for (const verdict of [...byType.values()].flat()) if (verdicts.get(verdict.referrer.digest)?.valid !== true) verdicts.set(verdict.referrer.digest, verdict);
  const evidence =
    sources.gate === undefined
      ? undefined
      : await sources.gate.module.collectEvidence(target, subject, { reference: pinned, pinned: true, verifyPolicy: sources.verifyPolicy, inputSensitivity: inputSensitivityReader(sources) });
  const { walkLineage, PREDICATE } = await import('@sealpack/provenance');
  const lineage = await walkLineage(pinned, attestedProvReader(sources, sources.verifying, { ...sources.verifyPolicy, predicateType: PREDICATE.prov }, PREDICATE.prov), { maxDepth: 6 });
  const manifest = await manifestFacts(target, subject);
  return {
    reference: pinned,
    digest: subject.digest,
    ...(manifest.artifactType === undefined ? {} : { artifactType: manifest.artifactType }),
    annotations: manifest.annotations,
    files: manifest.files,
    referrers: tree.referrers.map((node) => referrerView(node, verdicts, sources.verifying.ANNOTATION_BUNDLE_PREDICATE_TYPE)),
    ...(evidence === undefined || sources.gate === undefined ? {} : { decision: sources.gate.compiled.evaluate(evidence) }),
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
