import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder } from '@sigstore/sign';
import type { Descriptor, Target } from '@sealpack/oci-client';
import { sha256Of } from '@sealpack/oci-client';
import { attachBundle } from './bundle-referrer.ts';
import { appendLegacyLayer, bundleToLegacyLayer } from './legacy.ts';
import { fromSigstoreSigningError, SigningError } from './errors.ts';
import type { Witness } from './keyless.ts';
import type { Signer } from './signer.ts';
import { DETACHED_PREDICATE_KEY } from './predicate-types.ts';
import { IN_TOTO_PAYLOAD_TYPE } from '@sealpack/provenance/statement';
import { manifestStatement } from './signed-statement.ts';

export const DEFAULT_DETACH_THRESHOLD = 4 * 1024 * 1024;

export interface AttestOptions {
  signer: Signer;
  subjectName: string;
  predicateType: string;
  /** The predicate document as its bytes (JSON), exactly as it is to be kept. */
  predicate: Uint8Array;
  /**
   * A predicate larger than this travels as its own layer of the referrer, and the signed statement
   * carries its digest instead: a transparency log then never sees megabytes. Default 4 MiB.
   */
  detachThreshold?: number;
  now?: () => Date;
  /** Transparency log and timestamp witnesses (`witnessesFor`); none by default. */
  witnesses?: Witness[];
  /** Also add the attestation under the cosign v2 tag `sha256-<hex>.att`, for cosign v2 consumers. */
  legacyTags?: boolean;
}

/**
 * Attests a manifest: an in-toto statement with any predicate (PROV JSON-LD, SPDX, CycloneDX, SLSA,
 * custom), signed into a DSSE Sigstore bundle v0.3 and attached as a cosign v3 referrer. A large
 * predicate is stored beside the bundle and named by digest in the statement: no peer does this.
 */
export async function attestManifest(target: Target, subject: Descriptor, options: AttestOptions): Promise<{ referrer: Descriptor; detached: boolean; legacy?: Descriptor }> {
  const detached = options.predicate.byteLength > (options.detachThreshold ?? DEFAULT_DETACH_THRESHOLD);
  if (detached && options.legacyTags === true) {
    throw new SigningError(
      'LEGACY_UNSUPPORTED',
      'a predicate over the detach threshold cannot go under a cosign v2 .att tag (cosign v2 would not find it): raise the threshold or drop the legacy tags',
    );
  }
  const predicate: unknown = detached
    ? { [DETACHED_PREDICATE_KEY]: { digest: { sha256: sha256Of(options.predicate).slice(7) }, size: options.predicate.byteLength, mediaType: 'application/json' } }
    : JSON.parse(new TextDecoder().decode(options.predicate));
  const statement = manifestStatement(options.subjectName, subject.digest, options.predicateType, predicate);
  const bundle = await new DSSEBundleBuilder({ signer: options.signer, witnesses: options.witnesses ?? [] })
    .create({ data: Buffer.from(JSON.stringify(statement)), type: IN_TOTO_PAYLOAD_TYPE })
    .catch((error: unknown) => {
      throw fromSigstoreSigningError(error);
    });
  const json = bundleToJSON(bundle);
  const referrer = await attachBundle(target, subject, new TextEncoder().encode(JSON.stringify(json)), {
    predicateType: options.predicateType,
    created: (options.now ?? (() => new Date()))(),
    ...(detached ? { detached: { bytes: options.predicate, mediaType: 'application/json' } } : {}),
  });
  if (options.legacyTags !== true) return { referrer, detached };
  // The same envelope and evidence, as the layer and annotations cosign v2 reads.
  const legacy = await appendLegacyLayer(target, subject, 'att', bundleToLegacyLayer(json, 'att', Buffer.alloc(0), options.predicateType));
  return { referrer, detached, legacy };
}
