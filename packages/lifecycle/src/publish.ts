import { basename } from 'node:path';
import {
  ANNOTATION_TITLE,
  type Descriptor,
  type ImageManifest,
  isOciError,
  MEDIA_TYPE_IMAGE_INDEX,
  type PackFile,
  parseManifest,
  pinnedReference,
  pushFiles,
  type Reference,
  repositoryName,
  type Target,
} from '@sealpack/oci-client';
import type { DistributionInput } from '@sealpack/catalog-stac-dcat';
import { checkDestination, defaultPolicy, type Decision, destinationVerdict, inputLabelReader, judgeArtifact, type OpenInput, type Policy, PolicyError } from '@sealpack/policy';
import { buildProvDocument, buildRunManifest, checkLicense, currentEnvironment, hashFile, PREDICATE, serializeRunManifest, spdxDocument } from '@sealpack/provenance';
import { attestManifest, signManifest, type Signer, type Witness } from '@sealpack/signing';
import { verifyAttachedByType, type VerifyPolicy } from '@sealpack/signing/verify';
import { LifecycleError } from './errors.ts';
import { fallbackIndexOf } from './gc.ts';
import { checkCatalogRecords, type CatalogRecord, type PatchedRecord, patchCatalogRecords } from './publish-catalogs.ts';

/** What a publish reports as it goes, for progress and logs (the CLI prints these). */
export type PublishEvent =
  | { stage: 'push'; sent: number; total: number }
  | { stage: 'pushed'; subject: Descriptor }
  | { stage: 'signed'; already: boolean }
  | { stage: 'attested'; what: 'PROV' | 'SBOM'; already: boolean }
  | { stage: 'judged'; allow: boolean }
  | { stage: 'tagged'; tag: string };

export interface PublishOptions {
  /** The repository to publish into, and where it is (`--to`): its tag is the release's name. */
  target: Target;
  reference: Reference;
  files: readonly PackFile[];
  artifactType: string;
  annotations: Readonly<Record<string, string>>;
  /** The time written into the manifest and evidence (SOURCE_DATE_EPOCH); none: a reproducible manifest, and now for the run. */
  created?: Date;
  signer: Signer;
  witnesses?: Witness[];
  /** The key or identity the judge verifies this run's signature and attestations (and earlier ones) under. */
  verifyPolicy: VerifyPolicy;
  /** The gate; without one, `defaultPolicy` (signed, and nothing above public leaves). */
  policy?: Policy;
  environment?: string;
  /** Artifacts the files were made from (PROV `used`), pinned by digest. */
  derivedFrom?: ReadonlyArray<{ ref: string; sha256: string; size: number }>;
  /** Parameters of the run that made the files (a `declassification` marks a declassifying activity). */
  parameters?: Readonly<Record<string, string>>;
  /** The tool that publishes, as PROV and the SBOM name it. */
  tool: { name: string; version: string };
  /** STAC and DCAT records to point at the release once the judge allows it. */
  catalogs?: readonly CatalogRecord[];
  /** How the judge reaches the inputs a verified PROV names (see `judgeArtifact`). */
  openInput?: OpenInput;
  onEvent?: (event: PublishEvent) => void;
  signal?: AbortSignal;
  now?: () => Date;
}

export interface PublishResult {
  subject: Descriptor;
  /** `oci://…@sha256:` (or `ocidir://…@sha256:`): the release, pinned. */
  pinned: string;
  allow: boolean;
  decision: Decision;
  /** One line per deny. */
  reasons: string[];
  /** Whether the tag now names the release (only on allow). */
  tagged: boolean;
  /** On a deny: the untagged manifest and its referrers, and whether they were deleted (else `gc` removes them). */
  untagged?: { subject: string; referrers: string[]; deleted: boolean };
  /** The attested predicates: this run's, or on a re-run the ones already attached (verified). */
  evidence: { prov: unknown; sbom: unknown; runManifest: string };
  /** The patched records and distribution.oci.json (only on allow). */
  catalogs: PatchedRecord[];
  /** Milliseconds per stage. */
  stages: Record<string, number>;
}

/**
 * Checks every local input of a publish before any byte leaves: the license expression, the
 * catalog records (readable, valid STAC 1.1 / DCAT 3), and whether the artifact's own label may go
 * to the destination at all. Called by `publish`; a caller that publishes several artifacts calls
 * it for each first, so that none is pushed while another would be refused.
 */
export function checkPublishInputs(options: Pick<PublishOptions, 'annotations' | 'catalogs' | 'policy' | 'reference'>): void {
  const license = options.annotations['org.opencontainers.image.licenses'];
  if (license !== undefined) checkLicense(license);
  checkCatalogRecords(options.catalogs ?? []);
  const policy = options.policy ?? defaultPolicy({ signatures: true });
  const label = options.annotations['dev.sealpack.sensitivity'];
  // The label is the publisher's to write, so one the lattice lacks (a typo, `constructor`) is a mistake to correct, not a verdict.
  if (label !== undefined && !policy.sensitivityLevels.includes(label)) {
    throw new LifecycleError('INVALID_LABEL', `dev.sealpack.sensitivity=${label} is not a sensitivity level of policy ${policy.metadata.name} (${policy.sensitivityLevels.join(' < ')})`);
  }
  checkDestination(policy, label, repositoryName(options.reference));
}

/**
 * Publishes files as a release, in the order that leaves nothing pullable by name unless the judge
 * allows it: local inputs checked → pushed by digest, untagged → signed → PROV and SBOM attested →
 * judged (the policy, revocation, the inputs' labels through the signed PROV, the destination) →
 * only on allow, tagged → then the catalog records patched. On deny the untagged manifest and its
 * referrers are deleted where no tag names the digest and the store allows it, else left to `gc`.
 * Resumable: a re-run skips the signature and attestations that already verify.
 */
export async function publish(options: PublishOptions): Promise<PublishResult> {
  checkPublishInputs(options);
  await checkDerivedFrom(options);
  const { target, reference } = options;
  const emit = options.onEvent ?? (() => undefined);
  const tag = reference.tag ?? 'latest';
  const subjectName = repositoryName(reference);
  const stages: Record<string, number> = {};
  let mark = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    stages[stage] = Math.round(now - mark);
    mark = now;
  };

  const pushed = await pushFiles(target, options.files, {
    artifactType: options.artifactType,
    annotations: { ...options.annotations },
    created: options.created ?? null,
    onProgress: (sent, total) => emit({ stage: 'push', sent, total }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const subject = pushed.descriptor;
  const pinned = pinnedReference(reference, subject.digest);
  emit({ stage: 'pushed', subject });
  lap('push');

  const signing = { signer: options.signer, subjectName, ...(options.witnesses === undefined ? {} : { witnesses: options.witnesses }) };
  const attached = await verifyAttachedByType(target, subject, options.verifyPolicy, [PREDICATE.cosignSign, PREDICATE.prov, PREDICATE.spdx]);
  const before = new Set((await target.referrers(subject)).map((r) => r.digest));
  // The referrers this release rests on, for the catalogs: the ones this run made or found verified.
  const relied: NonNullable<DistributionInput['referrers']> = {};
  const signedAlready = (attached.get(PREDICATE.cosignSign) ?? []).find((v) => v.valid)?.referrer;
  relied.signature = signedAlready?.digest ?? (await signManifest(target, subject, signing)).referrer.digest;
  emit({ stage: 'signed', already: signedAlready !== undefined });

  const hashed = await Promise.all(options.files.map((f) => hashFile(f.path, f.title ?? basename(f.path))));
  // The run's time: the given one, else now (a re-run skips the attestations that exist, so the time need not repeat).
  const when = (options.created ?? (options.now ?? (() => new Date()))()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const derivedFrom = options.derivedFrom ?? [];
  const runFacts = { runId: `publish-${subject.digest.slice(7, 23)}`, startedAt: when, endedAt: when, parameters: { ...options.parameters }, toolchain: [options.tool] };
  const prov = buildProvDocument({
    ...runFacts,
    inputs: [...hashed.map((h) => ({ file: h.name, sha256: h.sha256, size: h.size })), ...derivedFrom.map((d) => ({ ref: d.ref }))],
    outputs: [{ ref: pinned, mediaType: subject.mediaType, size: subject.size }],
  });
  const runManifest = serializeRunManifest(
    buildRunManifest({
      ...runFacts,
      inputs: [...hashed.map((h) => ({ name: h.name, sha256: h.sha256, size: h.size })), ...derivedFrom.map((d) => ({ name: d.ref, sha256: d.sha256, size: d.size }))],
      outputs: [{ name: pinned, sha256: subject.digest.slice(7), size: subject.size }],
      environment: currentEnvironment(),
    }),
  );
  const license = options.annotations['org.opencontainers.image.licenses'];
  const sbom = spdxDocument(hashed, { name: subjectName, created: when, tool: `${options.tool.name}@${options.tool.version}`, ...(license === undefined ? {} : { license }) });
  const evidence: PublishResult['evidence'] = { prov, sbom, runManifest };
  for (const [predicateType, predicate, what, relation] of [
    [PREDICATE.prov, prov, 'PROV', 'provenance'],
    [PREDICATE.spdx, sbom, 'SBOM', 'sbom'],
  ] as const) {
    // The subject's digest fixes the files (and so the SBOM) but not what the PROV says of the run:
    // one made from other inputs or parameters (a declassification added on a re-run) is attested anew.
    const existing = (attached.get(predicateType) ?? []).find((v) => v.valid && (predicateType !== PREDICATE.prov || sameActivity(v.predicate, prov)));
    if (existing === undefined) {
      relied[relation] = (await attestManifest(target, subject, { ...signing, predicateType, predicate: new TextEncoder().encode(JSON.stringify(predicate)) })).referrer.digest;
    } else {
      relied[relation] = existing.referrer.digest;
      if (what === 'PROV') evidence.prov = existing.predicate;
      else evidence.sbom = existing.predicate;
    }
    emit({ stage: 'attested', what, already: existing !== undefined });
  }
  lap('sign+attest');

  const judged = await judgeArtifact(target, subject, {
    reference: pinned,
    pinned: true,
    verifyPolicy: options.verifyPolicy,
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    ...(options.environment === undefined ? {} : { environment: options.environment }),
    destination: subjectName,
    ...(options.openInput === undefined ? {} : { openInput: options.openInput }),
    ...(options.now === undefined ? {} : { now: options.now() }),
  });
  emit({ stage: 'judged', allow: judged.allow });
  lap('gate');
  const result = { subject, pinned, allow: judged.allow, decision: judged.decision, reasons: judged.reasons, evidence, stages };
  if (!judged.allow) {
    const created = (await target.referrers(subject)).filter((r) => !before.has(r.digest)).map((r) => r.digest);
    const untagged = await withdrawUntagged(target, subject, created);
    lap('catalog');
    return { ...result, tagged: false, untagged: { subject: subject.digest, referrers: untagged.referrers, deleted: untagged.deleted }, catalogs: [] };
  }
  await target.tag(subject, tag);
  emit({ stage: 'tagged', tag });
  const catalogs = patchCatalogRecords(options.catalogs ?? [], distributionOf(reference, subject, pushed.artifact.manifest, relied, options));
  lap('catalog');
  return { ...result, tagged: true, catalogs };
}

/**
 * The labels of what the files were made from, read before any byte leaves: a derivative of
 * restricted data may not even be pushed untagged where restricted data may not go (its blobs
 * would be readable by digest there). Only a run that declares a declassification, under a policy
 * that trusts a declassifier, is left to the judge, which sees the signed PROV.
 */
async function checkDerivedFrom(options: PublishOptions): Promise<void> {
  const derived = options.derivedFrom ?? [];
  if (derived.length === 0) return;
  const policy = options.policy ?? defaultPolicy({ signatures: true });
  const declares = options.parameters !== undefined && Object.hasOwn(options.parameters, 'declassification');
  if (declares && policy.rules.some((r) => r.type === 'sensitivityInheritance' && r.declassifiers.length > 0)) return;
  const read = options.openInput === undefined ? undefined : inputLabelReader(options.openInput);
  const highest = policy.sensitivityLevels[policy.sensitivityLevels.length - 1];
  for (const input of derived) {
    const label = read === undefined ? { readable: false } : await read(input.ref);
    const verdict = destinationVerdict(policy, label.readable ? label.sensitivity : highest, repositoryName(options.reference));
    if (!verdict.passed) {
      const what = label.readable ? `is ${label.sensitivity ?? 'unlabelled'}` : `could not be read, so it counts as ${highest}`;
      throw new PolicyError('DESTINATION_DENIED', `--derived-from ${input.ref} ${what}: ${verdict.message}; nothing was pushed`);
    }
  }
}

/**
 * A denied release's manifest and the referrers this run attached, deleted when this run made all
 * of it: no tag names the digest and no referrer is older than the run (an earlier publish of the
 * same bytes, or a promotion record, keeps it), and the store allows deleting.
 */
async function withdrawUntagged(target: Target, subject: Descriptor, referrers: string[]): Promise<{ referrers: string[]; deleted: boolean }> {
  const attached = await target.referrers(subject);
  if (attached.some((r) => !referrers.includes(r.digest))) return { referrers, deleted: false };
  for (const tag of await target.tags()) {
    const tagged = await target.resolve(tag);
    if (tagged.digest === subject.digest || (await indexLists(target, tagged, subject))) return { referrers, deleted: false };
  }
  try {
    for (const referrer of attached) await target.delete(referrer);
    await target.delete(subject);
    // A registry without the referrers API keeps them in a tag-schema index, now empty: it goes too.
    const fallback = await fallbackIndexOf(target, subject);
    if (fallback !== undefined) await target.delete(fallback);
    return { referrers, deleted: true };
  } catch (error) {
    if (isOciError(error, 'UNSUPPORTED') || isOciError(error, 'ACCESS_DENIED') || isOciError(error, 'NOT_FOUND')) return { referrers, deleted: false };
    throw error;
  }
}

/** Whether a tagged index lists the subject (an index of an earlier release of the same bytes): then it stays. */
async function indexLists(target: Target, tagged: Descriptor, subject: Descriptor): Promise<boolean> {
  if (tagged.mediaType !== MEDIA_TYPE_IMAGE_INDEX && tagged.mediaType !== 'application/vnd.docker.distribution.manifest.list.v2+json') return false;
  const parsed = parseManifest(await target.fetchManifest(tagged), tagged.mediaType);
  return parsed.kind === 'index' && parsed.manifest.manifests.some((m) => m.digest === subject.digest);
}

/** The release as a catalog is told of it: where it lives, its files, and the evidence it rests on. */
function distributionOf(
  reference: Reference,
  subject: Descriptor,
  manifest: ImageManifest,
  referrers: NonNullable<DistributionInput['referrers']>,
  options: Pick<PublishOptions, 'annotations' | 'artifactType'>,
): DistributionInput {
  const files = manifest.layers.flatMap((layer) => {
    const title = layer.annotations?.[ANNOTATION_TITLE];
    return title === undefined ? [] : [{ name: title, mediaType: layer.mediaType, size: layer.size, digest: layer.digest }];
  });
  const place =
    reference.kind === 'layout'
      ? { location: 'local' as const, registry: reference.path, repository: '' }
      : { location: 'registry' as const, registry: reference.registry, repository: reference.repository };
  const license = options.annotations['org.opencontainers.image.licenses'];
  const sensitivity = options.annotations['dev.sealpack.sensitivity'];
  return {
    ...place,
    ...(reference.tag === undefined ? {} : { tag: reference.tag }),
    digest: subject.digest,
    artifactType: options.artifactType,
    files,
    referrers,
    ...(license === undefined ? {} : { license }),
    ...(sensitivity === undefined ? {} : { sensitivity: sensitivity as DistributionInput['sensitivity'] }),
  };
}

/** Whether two PROV documents record a run with the same inputs and parameters (its times may differ). */
function sameActivity(a: unknown, b: unknown): boolean {
  const activity = (doc: unknown) => {
    const graph = (doc as { '@graph'?: unknown } | undefined)?.['@graph'];
    const node = Array.isArray(graph) ? (graph.find((n) => (n as { '@type'?: unknown })['@type'] === 'Activity') as { used?: unknown; parameter?: unknown } | undefined) : undefined;
    return JSON.stringify([node?.used, node?.parameter]);
  };
  return activity(a) === activity(b);
}
