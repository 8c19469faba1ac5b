import { ANNOTATION_CREATED, ANNOTATION_TITLE, type Descriptor, parseManifest, type ReadOnlyTarget } from '@sealpack/oci-client';
import { canonicalDigest, PREDICATE } from '@sealpack/provenance';
import {
  ANNOTATION_BUNDLE_PREDICATE_TYPE as PREDICATE_ANNOTATION,
  type BundleVerdict,
  MEDIA_TYPE_SIGSTORE_BUNDLE_V03 as BUNDLE,
  verifyEveryAttached,
  type VerifyPolicy,
} from '@sealpack/signing/verify';
import { type AttestationEvidence, type Evidence, EvidenceSchema, type SignatureEvidence } from './evidence.ts';
import type { InputLabel } from './input-labels.ts';
import { namedInputs, PROVENANCE_TYPES } from './provenance-inputs.ts';

export interface CollectOptions {
  /** The reference as the user gave it, and whether it named the digest. */
  reference: string;
  pinned: boolean;
  /** The key or identity signatures and attestations must verify under; without one, none counts as valid. */
  verifyPolicy?: VerifyPolicy;
  /**
   * The label of an input artifact named by a verified PROV attestation (`oci://…@sha256:`):
   * `readable: false` when its manifest could not be read (unreachable, offline, gone).
   */
  inputLabel?: (id: string) => Promise<InputLabel>;
}

/**
 * Gathers the evidence of one subject for policy evaluation: its manifest, files and labels,
 * every signature and attestation judged under the caller's key or identity, and the sensitivity
 * of the inputs its verified provenance names. Evaluation then needs no I/O.
 */
export async function collectEvidence(target: ReadOnlyTarget, subject: Descriptor, options: CollectOptions): Promise<Evidence> {
  const parsed = parseManifest(await target.fetchManifest(subject), subject.mediaType);
  const manifest = parsed.kind === 'manifest' ? parsed.manifest : undefined;
  const annotations: Record<string, string> = (parsed.manifest.annotations as Record<string, string> | undefined) ?? {};
  const files = (manifest?.layers ?? []).flatMap((layer) => {
    const title = layer.annotations?.[ANNOTATION_TITLE];
    return title === undefined ? [] : [{ name: title, mediaType: layer.mediaType, size: layer.size, digest: layer.digest }];
  });
  // Every bundle verified once and filed under the predicate type its signed statement names: the
  // referrer's annotation is unsigned, so no verdict (a revocation least of all) may rest on it.
  const verdicts = options.verifyPolicy === undefined ? await unverifiable(target, subject) : await verifyEveryAttached(target, subject, options.verifyPolicy);
  const signatures = verdicts.filter((v) => v.predicateType === PREDICATE.cosignSign || (!v.valid && v.predicateType === undefined)).map(toSignature);
  const attestations: AttestationEvidence[] = verdicts
    .filter((v): v is BundleVerdict & { predicateType: string } => v.predicateType !== undefined && v.predicateType !== PREDICATE.cosignSign && v.predicateType !== PREDICATE.revocation)
    .map((v) => toAttestation(v, v.predicateType));
  // Only a revocation that verifies counts (anyone can attach one); one that does is always a deny.
  const revocations = verdicts.filter((v) => v.valid && v.predicateType === PREDICATE.revocation).map(toRevocation);

  const inputs: Array<{ id: string; sensitivity?: string; unreadable?: true }> = [];
  for (const verdict of verdicts.filter((v) => v.valid && v.predicateType !== undefined && PROVENANCE_TYPES.has(v.predicateType))) {
    const named = namedInputs(verdict, subject.digest);
    // A document that may name an input this reader cannot see counts as naming one it cannot read.
    if (named.uninterpreted.length > 0) inputs.push({ id: `a PROV document that uses ${named.uninterpreted.join(', ')}, which sealpack does not interpret`, unreadable: true });
    for (const id of named.ids) {
      if (inputs.some((i) => i.id === id)) continue;
      // Nobody to ask counts as unreadable: fail closed.
      const label = (await options.inputLabel?.(id)) ?? { readable: false };
      inputs.push({ id, ...(label.sensitivity === undefined ? {} : { sensitivity: label.sensitivity }), ...(label.readable ? {} : { unreadable: true as const }) });
    }
  }

  const care = annotations['dev.sealpack.care'];
  return EvidenceSchema.parse({
    schemaVersion: 1,
    subject: {
      reference: options.reference,
      pinned: options.pinned,
      digest: subject.digest,
      mediaType: subject.mediaType,
      ...(manifest?.artifactType === undefined ? {} : { artifactType: manifest.artifactType }),
      annotations,
      ...(annotations[ANNOTATION_CREATED] === undefined ? {} : { created: annotations[ANNOTATION_CREATED] }),
      files,
    },
    signatures,
    attestations,
    labels: {
      ...(annotations['org.opencontainers.image.licenses'] === undefined ? {} : { license: annotations['org.opencontainers.image.licenses'] }),
      ...(annotations['dev.sealpack.sensitivity'] === undefined ? {} : { sensitivity: annotations['dev.sealpack.sensitivity'] }),
      ...(care === undefined
        ? {}
        : {
            care: care
              .split(',')
              .map((c: string) => c.trim())
              .filter((c: string) => c !== ''),
          }),
      ...(annotations['dev.sealpack.rights-holder'] === undefined ? {} : { rightsHolder: annotations['dev.sealpack.rights-holder'] }),
    },
    revocations,
    lineage: { inputs },
  });
}

function toRevocation(v: BundleVerdict): { reason: string; revokedAt?: string; signer?: string } {
  const predicate = (v.predicate ?? {}) as { reason?: unknown; revokedAt?: unknown };
  const signer = v.keyId !== undefined ? `key ${v.keyId}` : v.identity;
  return {
    reason: typeof predicate.reason === 'string' ? predicate.reason : '(no reason given)',
    ...(typeof predicate.revokedAt === 'string' ? { revokedAt: predicate.revokedAt } : {}),
    ...(signer === undefined ? {} : { signer }),
  };
}

/**
 * Bundles nobody asked to verify: present, and not valid, with the reason. Their annotated type is
 * kept for the reader's sake only; nothing counts an invalid verdict.
 */
async function unverifiable(target: ReadOnlyTarget, subject: Descriptor): Promise<BundleVerdict[]> {
  const referrers = await target.referrers(subject, { artifactType: BUNDLE });
  return referrers
    .filter((r) => r.artifactType === BUNDLE)
    .map((referrer) => {
      const claimed = referrer.annotations?.[PREDICATE_ANNOTATION];
      return { referrer, valid: false, reason: 'not verified: no key or identity given', ...(claimed === undefined ? {} : { predicateType: claimed }) };
    });
}

function toSignature(v: BundleVerdict): SignatureEvidence {
  return {
    valid: v.valid,
    ...(v.reason === undefined ? {} : { reason: v.reason }),
    ...(v.keyId === undefined ? {} : { keyId: v.keyId }),
    ...(v.identity === undefined ? {} : { identity: v.identity }),
    ...(v.issuer === undefined ? {} : { issuer: v.issuer }),
    tlog: v.tlogIndex !== undefined,
    timestamp: v.signedAt !== undefined,
  };
}

function toAttestation(v: BundleVerdict, predicateType: string): AttestationEvidence {
  const keep = v.valid && predicateType === PREDICATE.prov;
  return {
    predicateType: v.predicateType ?? predicateType,
    valid: v.valid,
    ...(v.reason === undefined ? {} : { reason: v.reason }),
    ...(v.keyId === undefined ? {} : { keyId: v.keyId }),
    ...(v.identity === undefined ? {} : { identity: v.identity }),
    ...(v.issuer === undefined ? {} : { issuer: v.issuer }),
    ...(v.valid && v.predicate !== undefined ? { predicateDigest: canonicalDigest(v.predicate) } : {}),
    ...(keep ? { predicate: v.predicate } : {}),
  };
}
