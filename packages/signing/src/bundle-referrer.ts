import { bytesSource, parseManifest, pushPacked, sha256Of, type Descriptor, type ImageManifest, type PackedArtifact, type ReadOnlyTarget, type Target } from '@sealpack/oci-client';
import { SigningError } from './errors.ts';

// cosign's layout for a Sigstore bundle attached to an image (cosign specs/BUNDLE_SPEC.md, and
// pkg/oci/remote/write.go WriteAttestationNewBundleFormat): one referrer manifest per bundle.
export const MEDIA_TYPE_SIGSTORE_BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const ANNOTATION_BUNDLE_CONTENT = 'dev.sigstore.bundle.content';
/** The referrer manifest's (unsigned) note of its bundle's predicate type, for choosing bundles without reading them. */
export const ANNOTATION_BUNDLE_PREDICATE_TYPE = 'dev.sigstore.bundle.predicateType';
const MEDIA_TYPE_EMPTY_JSON = 'application/vnd.oci.empty.v1+json';
const MEDIA_TYPE_IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY_JSON = new TextEncoder().encode('{}');
/** A bundle is a few KiB; anything near this is not one (and is not read into memory). */
const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;

/** RFC 3339 in UTC without fractional seconds, as cosign writes `org.opencontainers.image.created`. */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Pushes a Sigstore bundle as a referrer of `subject` the way cosign v3 does: `artifactType` the
 * bundle media type (on the manifest and on its empty config), one layer holding the bundle JSON,
 * the content and predicate-type annotations, pushed by digest. A registry without the referrers
 * API gets the subject's tag-schema index written by the transport.
 */
/** A predicate too large for the statement, kept as a second layer of the referrer (see attest.ts). */
export interface DetachedPredicate {
  bytes: Uint8Array;
  mediaType: string;
}

export async function attachBundle(target: Target, subject: Descriptor, bundleJson: Uint8Array, options: { predicateType: string; created: Date; detached?: DetachedPredicate }): Promise<Descriptor> {
  const config: Descriptor = { mediaType: MEDIA_TYPE_EMPTY_JSON, artifactType: MEDIA_TYPE_SIGSTORE_BUNDLE_V03, digest: sha256Of(EMPTY_JSON), size: EMPTY_JSON.byteLength };
  const layer: Descriptor = { mediaType: MEDIA_TYPE_SIGSTORE_BUNDLE_V03, digest: sha256Of(bundleJson), size: bundleJson.byteLength };
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
    artifactType: MEDIA_TYPE_SIGSTORE_BUNDLE_V03,
    config,
    layers: options.detached === undefined ? [layer] : [layer, { mediaType: options.detached.mediaType, digest: sha256Of(options.detached.bytes), size: options.detached.bytes.byteLength }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: {
      'org.opencontainers.image.created': rfc3339(options.created),
      [ANNOTATION_BUNDLE_CONTENT]: 'dsse-envelope',
      [ANNOTATION_BUNDLE_PREDICATE_TYPE]: options.predicateType,
    },
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  const descriptor: Descriptor = { mediaType: MEDIA_TYPE_IMAGE_MANIFEST, digest: sha256Of(manifestBytes), size: manifestBytes.byteLength, artifactType: MEDIA_TYPE_SIGSTORE_BUNDLE_V03 };
  const layers = [{ descriptor: layer, source: bytesSource(bundleJson) }];
  if (options.detached !== undefined) layers.push({ descriptor: manifest.layers[1] as Descriptor, source: bytesSource(options.detached.bytes) });
  const artifact: PackedArtifact = { manifest, manifestBytes, descriptor, config: { descriptor: config, source: bytesSource(EMPTY_JSON) }, layers };
  await pushPacked(target, artifact);
  return descriptor;
}

export interface AttachedBundle {
  /** The referrer manifest that carries the bundle. */
  referrer: Descriptor;
  predicateType: string | undefined;
  bytes: Uint8Array;
  /** The referrer's other layers (a detached predicate), to be fetched only when needed. */
  others: Descriptor[];
}

/**
 * Every Sigstore bundle attached to a subject in cosign's v3 layout, read and size-checked. Which
 * referrers hold one is read from each referrer manifest itself (a layer of the bundle media type),
 * not from the `artifactType` of its referrers-index entry: a fallback index is written by clients
 * and signed by nobody, so it may not hide a bundle (a revocation, say) from the verifier.
 */
export async function attachedBundles(target: ReadOnlyTarget, subject: Descriptor): Promise<AttachedBundle[]> {
  const found: AttachedBundle[] = [];
  for (const referrer of await target.referrers(subject)) {
    if (referrer.mediaType !== MEDIA_TYPE_IMAGE_MANIFEST) continue;
    const parsed = parseManifest(await target.fetchManifest(referrer), referrer.mediaType);
    if (parsed.kind !== 'manifest') continue;
    const manifest = parsed.manifest;
    const layer = manifest.layers.find((l) => l.mediaType === MEDIA_TYPE_SIGSTORE_BUNDLE_V03);
    if (layer === undefined) continue;
    if (layer.size > MAX_BUNDLE_BYTES) throw new SigningError('INVALID_BUNDLE', `referrer ${referrer.digest} holds no Sigstore bundle layer of a sane size`);
    found.push({ referrer, predicateType: manifest.annotations?.[ANNOTATION_BUNDLE_PREDICATE_TYPE], bytes: await fetchBytes(target, layer), others: manifest.layers.filter((l) => l !== layer) });
  }
  return found;
}

/** A blob read whole (bundles and predicates are small, and fetch verifies size and digest). */
export async function fetchBytes(target: ReadOnlyTarget, descriptor: Descriptor): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await target.fetch(descriptor)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
