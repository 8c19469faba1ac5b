import { createHash } from 'node:crypto';
import {
  bytesSource,
  isOciError,
  MEDIA_TYPE_IMAGE_MANIFEST,
  parseManifest,
  pushPacked,
  sha256Of,
  type Descriptor,
  type ImageManifest,
  type PackedArtifact,
  type ReadOnlyTarget,
  type Target,
} from '@sealpack/oci-client';
import { z } from 'zod';
import { fetchBytes } from './bundle-referrer.ts';
import { SigningError } from './errors.ts';

// cosign's layout before bundles (cosign specs/SIGNATURE_SPEC.md and ATTESTATION_SPEC.md): all
// signatures of an image are layers of one manifest tagged `sha256-<hex>.sig` in its repository,
// all attestations layers of one tagged `sha256-<hex>.att`; the signature and its evidence ride in
// layer annotations. cosign v2 reads and writes it; v3 still reads it.
export const MEDIA_TYPE_SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const MEDIA_TYPE_DSSE_ENVELOPE = 'application/vnd.dsse.envelope.v1+json';
const MEDIA_TYPE_IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
const ANNOTATION_SIGNATURE = 'dev.cosignproject.cosign/signature';
const ANNOTATION_CERTIFICATE = 'dev.sigstore.cosign/certificate';
const ANNOTATION_CHAIN = 'dev.sigstore.cosign/chain';
const ANNOTATION_BUNDLE = 'dev.sigstore.cosign/bundle';
const ANNOTATION_RFC3161 = 'dev.sigstore.cosign/rfc3161timestamp';
const ANNOTATION_PREDICATE_TYPE = 'predicateType';
/** A signature layer is a small JSON payload; anything near this is not one. */
const MAX_LAYER_BYTES = 4 * 1024 * 1024;

export type LegacyKind = 'sig' | 'att';

/** The tag cosign gives a subject's signatures (`sig`) or attestations (`att`). */
export function legacyTag(subject: Descriptor, kind: LegacyKind): string {
  return `${subject.digest.replace(':', '-')}.${kind}`;
}

/** One signature (a simple-signing payload) or attestation (a DSSE envelope) under a legacy tag. */
export interface LegacySignature {
  /** The tagged manifest that holds it, and its tag. */
  manifest: Descriptor;
  tag: string;
  kind: LegacyKind;
  /** The layer's bytes: the signed payload (`sig`) or the envelope JSON (`att`). */
  payload: Buffer;
  /** What its layer annotation says the attestation's predicate is (unsigned: it only chooses). */
  predicateType?: string;
  annotations: Readonly<Record<string, string>>;
}

/** Every signature or attestation under a subject's legacy tag; none when the tag does not exist. */
export async function legacySignatures(target: ReadOnlyTarget, subject: Descriptor, kind: LegacyKind): Promise<LegacySignature[]> {
  const tag = legacyTag(subject, kind);
  let manifest: Descriptor;
  try {
    manifest = await target.resolve(tag);
  } catch (error) {
    if (isOciError(error, 'NOT_FOUND')) return [];
    throw error;
  }
  const parsed = parseManifest(await target.fetchManifest(manifest), manifest.mediaType);
  if (parsed.kind !== 'manifest') return [];
  const wanted = kind === 'sig' ? MEDIA_TYPE_SIMPLE_SIGNING : MEDIA_TYPE_DSSE_ENVELOPE;
  const found: LegacySignature[] = [];
  for (const layer of parsed.manifest.layers.filter((l) => l.mediaType === wanted)) {
    if (layer.size > MAX_LAYER_BYTES) throw new SigningError('INVALID_BUNDLE', `${tag} holds a ${layer.size}-byte signature layer: not a signature`);
    const annotations = layer.annotations ?? {};
    found.push({
      manifest,
      tag,
      kind,
      payload: await fetchBytes(target, layer),
      ...(annotations[ANNOTATION_PREDICATE_TYPE] === undefined ? {} : { predicateType: annotations[ANNOTATION_PREDICATE_TYPE] }),
      annotations,
    });
  }
  return found;
}

// cosign pkg/cosign/bundle: the log's promise of inclusion, as the bundle annotation carries it.
const RekorBundleAnnotation = z.object({
  SignedEntryTimestamp: z.string(),
  Payload: z.object({ body: z.string(), integratedTime: z.number().int(), logIndex: z.number().int(), logID: z.string().regex(/^[a-f0-9]+$/) }),
});
const Rfc3161Annotation = z.object({ SignedRFC3161Timestamp: z.string() });
const EnvelopeJSON = z.object({ payloadType: z.string(), payload: z.string(), signatures: z.array(z.object({ keyid: z.string().optional(), sig: z.string() })).min(1) });
const BodyKind = z.object({ kind: z.string(), apiVersion: z.string() });

/**
 * The Sigstore bundle (v0.1: a log's signed entry timestamp, certificate chain allowed) that says
 * what a legacy layer says, so that sigstore-js verifies it exactly as it verifies any bundle.
 */
export function legacyToBundle(signature: LegacySignature): unknown {
  const a = signature.annotations;
  const parse = <T>(schema: z.ZodType<T>, name: string): T | undefined => {
    if (a[name] === undefined) return undefined;
    try {
      return schema.parse(JSON.parse(a[name]));
    } catch {
      throw new SigningError('INVALID_BUNDLE', `${signature.tag}: the ${name} annotation is malformed`);
    }
  };
  const certificates = [a[ANNOTATION_CERTIFICATE], a[ANNOTATION_CHAIN]].filter((pem): pem is string => pem !== undefined && pem !== '').flatMap(pemBlocks);
  const rekor = parse(RekorBundleAnnotation, ANNOTATION_BUNDLE);
  const rfc3161 = parse(Rfc3161Annotation, ANNOTATION_RFC3161);
  const tlogEntries =
    rekor === undefined
      ? []
      : [
          {
            logIndex: String(rekor.Payload.logIndex),
            logId: { keyId: Buffer.from(rekor.Payload.logID, 'hex').toString('base64') },
            kindVersion: kindVersionOf(rekor.Payload.body, signature.tag),
            integratedTime: String(rekor.Payload.integratedTime),
            inclusionPromise: { signedEntryTimestamp: rekor.SignedEntryTimestamp },
            canonicalizedBody: rekor.Payload.body,
          },
        ];
  const verificationMaterial = {
    ...(certificates.length === 0 ? { publicKey: { hint: '' } } : { x509CertificateChain: { certificates: certificates.map((rawBytes) => ({ rawBytes })) } }),
    tlogEntries,
    ...(rfc3161 === undefined ? {} : { timestampVerificationData: { rfc3161Timestamps: [{ signedTimestamp: rfc3161.SignedRFC3161Timestamp }] } }),
  };
  const mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.1';
  if (signature.kind === 'sig') {
    const digest = createHash('sha256').update(signature.payload).digest('base64');
    return { mediaType, verificationMaterial, messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest }, signature: a[ANNOTATION_SIGNATURE] ?? '' } };
  }
  let envelope: z.infer<typeof EnvelopeJSON>;
  try {
    envelope = EnvelopeJSON.parse(JSON.parse(signature.payload.toString('utf8')));
  } catch {
    throw new SigningError('INVALID_BUNDLE', `${signature.tag}: a layer is not a DSSE envelope`);
  }
  return { mediaType, verificationMaterial, dsseEnvelope: { ...envelope, signatures: envelope.signatures.map((s) => ({ keyid: s.keyid ?? '', sig: s.sig })) } };
}

function kindVersionOf(body: string, tag: string): { kind: string; version: string } {
  try {
    const parsed = BodyKind.parse(JSON.parse(Buffer.from(body, 'base64').toString('utf8')));
    return { kind: parsed.kind, version: parsed.apiVersion };
  } catch {
    throw new SigningError('INVALID_BUNDLE', `${tag}: the log entry's body is not a Rekor entry`);
  }
}

/** The base64 DER of each certificate in a PEM text. */
function pemBlocks(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => (m[1] ?? '').replace(/\s+/g, ''));
}

// The other way: a bundle's evidence written as the annotations cosign v2 reads.
const BundleForLegacy = z.object({
  verificationMaterial: z.object({
    certificate: z.object({ rawBytes: z.string() }).optional(),
    x509CertificateChain: z.object({ certificates: z.array(z.object({ rawBytes: z.string() })) }).optional(),
    tlogEntries: z
      .array(
        z.object({
          logIndex: z.string(),
          logId: z.object({ keyId: z.string() }),
          integratedTime: z.string(),
          inclusionPromise: z.object({ signedEntryTimestamp: z.string() }).optional(),
          canonicalizedBody: z.string(),
        }),
      )
      // bundleToJSON leaves out empty lists
      .default([]),
    timestampVerificationData: z.object({ rfc3161Timestamps: z.array(z.object({ signedTimestamp: z.string() })).default([]) }).optional(),
  }),
  messageSignature: z.object({ signature: z.string() }).optional(),
  dsseEnvelope: z.unknown().optional(),
});

/**
 * A legacy layer for a bundle made over `payload` (a simple-signing payload for `sig`; for `att`
 * the bundle's envelope is the layer). Only a log entry with a signed entry timestamp (Rekor v1)
 * fits the `bundle` annotation: cosign v2 knows no inclusion proofs.
 */
export function bundleToLegacyLayer(bundleJson: unknown, kind: LegacyKind, payload: Buffer, predicateType?: string): { bytes: Buffer; annotations: Record<string, string> } {
  const bundle = BundleForLegacy.parse(bundleJson);
  const material = bundle.verificationMaterial;
  const certificates = material.certificate !== undefined ? [material.certificate] : (material.x509CertificateChain?.certificates ?? []);
  const pem = (raw: string) => `-----BEGIN CERTIFICATE-----\n${(raw.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
  const entry = material.tlogEntries[0];
  if (entry !== undefined && entry.inclusionPromise === undefined)
    throw new SigningError('INVALID_BUNDLE', 'cosign v2 tags carry a Rekor v1 entry (signed entry timestamp), and this one has none: sign for --legacy-tags with a v1 log');
  const stamp = material.timestampVerificationData?.rfc3161Timestamps[0];
  const annotations: Record<string, string> = {
    [ANNOTATION_SIGNATURE]: kind === 'sig' ? (bundle.messageSignature?.signature ?? '') : '',
    ...(certificates[0] === undefined ? {} : { [ANNOTATION_CERTIFICATE]: pem(certificates[0].rawBytes) }),
    ...(certificates.length > 1
      ? {
          [ANNOTATION_CHAIN]: certificates
            .slice(1)
            .map((c) => pem(c.rawBytes))
            .join(''),
        }
      : {}),
    ...(entry?.inclusionPromise === undefined
      ? {}
      : {
          [ANNOTATION_BUNDLE]: JSON.stringify({
            SignedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp,
            Payload: { body: entry.canonicalizedBody, integratedTime: Number(entry.integratedTime), logIndex: Number(entry.logIndex), logID: Buffer.from(entry.logId.keyId, 'base64').toString('hex') },
          }),
        }),
    ...(stamp === undefined ? {} : { [ANNOTATION_RFC3161]: JSON.stringify({ SignedRFC3161Timestamp: stamp.signedTimestamp }) }),
    ...(predicateType === undefined ? {} : { [ANNOTATION_PREDICATE_TYPE]: predicateType }),
  };
  const bytes = kind === 'sig' ? payload : Buffer.from(JSON.stringify(bundle.dsseEnvelope));
  return { bytes, annotations };
}

/**
 * Adds a layer to a subject's legacy tag as cosign v2 does: the existing manifest's layers are
 * kept and the new one appended, the image config's diff_ids following. Two writers at once can
 * each append to the same old manifest and one signature is lost, as with cosign itself; the
 * bundle referrers of the v3 layout have no such race.
 */
export async function appendLegacyLayer(target: Target, subject: Descriptor, kind: LegacyKind, layer: { bytes: Buffer; annotations: Record<string, string> }): Promise<Descriptor> {
  const tag = legacyTag(subject, kind);
  const mediaType = kind === 'sig' ? MEDIA_TYPE_SIMPLE_SIGNING : MEDIA_TYPE_DSSE_ENVELOPE;
  const existing: Array<{ descriptor: Descriptor; bytes: Buffer }> = [];
  try {
    const current = await target.resolve(tag);
    const parsed = parseManifest(await target.fetchManifest(current), current.mediaType);
    if (parsed.kind === 'manifest') for (const l of parsed.manifest.layers) existing.push({ descriptor: l, bytes: await fetchBytes(target, l) });
  } catch (error) {
    if (!isOciError(error, 'NOT_FOUND')) throw error;
  }
  const added: Descriptor = { mediaType, digest: sha256Of(layer.bytes), size: layer.bytes.byteLength, annotations: layer.annotations };
  const layers = [...existing, { descriptor: added, bytes: layer.bytes }];
  // The image config cosign writes (an empty image, one history entry, the layers' diff_ids).
  const zeroTime = '0001-01-01T00:00:00Z';
  const configBytes = Buffer.from(
    JSON.stringify({ architecture: '', created: zeroTime, history: [{ created: zeroTime }], os: '', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.descriptor.digest) }, config: {} }),
  );
  const config: Descriptor = { mediaType: MEDIA_TYPE_IMAGE_CONFIG, digest: sha256Of(configBytes), size: configBytes.byteLength };
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_MANIFEST, config, layers: layers.map((l) => l.descriptor) };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  const descriptor: Descriptor = { mediaType: MEDIA_TYPE_IMAGE_MANIFEST, digest: sha256Of(manifestBytes), size: manifestBytes.byteLength };
  const artifact: PackedArtifact = {
    manifest,
    manifestBytes,
    descriptor,
    config: { descriptor: config, source: bytesSource(configBytes) },
    layers: layers.map((l) => ({ descriptor: l.descriptor, source: bytesSource(l.bytes) })),
  };
  await pushPacked(target, artifact, { tag });
  return descriptor;
}

/** The simple-signing payload cosign signs for an image (SIGNATURE_SPEC.md "Payload"). */
export function simpleSigningPayload(subjectName: string, subject: Descriptor): Buffer {
  return Buffer.from(
    JSON.stringify({ critical: { identity: { 'docker-reference': subjectName }, image: { 'docker-manifest-digest': subject.digest }, type: 'cosign container image signature' }, optional: null }),
  );
}

const SimpleSigning = z.object({
  critical: z.object({
    identity: z.object({ 'docker-reference': z.string() }).optional(),
    image: z.object({ 'docker-manifest-digest': z.string() }),
    type: z.literal('cosign container image signature'),
  }),
});

/** The manifest digest a verified simple-signing payload names. */
export function simpleSigningDigest(payload: Buffer): string {
  try {
    return SimpleSigning.parse(JSON.parse(payload.toString('utf8'))).critical.image['docker-manifest-digest'];
  } catch {
    throw new SigningError('INVALID_BUNDLE', 'the signed payload is not a cosign simple-signing payload');
  }
}
