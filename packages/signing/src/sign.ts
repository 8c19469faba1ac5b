import { DSSEBundleBuilder, MessageSignatureBundleBuilder } from '@sigstore/sign';
import { bundleToJSON } from '@sigstore/bundle';
import type { Descriptor, Target } from '@sealpack/oci-client';
import { attachBundle } from './bundle-referrer.ts';
import { fromSigstoreSigningError, SigningError } from './errors.ts';
import { appendLegacyLayer, bundleToLegacyLayer, simpleSigningPayload } from './legacy.ts';
import type { Witness } from './keyless.ts';
import type { Signer } from './signer.ts';
import { IN_TOTO_PAYLOAD_TYPE, PREDICATE } from '@sealpack/provenance/statement';
import { manifestStatement } from './signed-statement.ts';

export interface SignOptions {
  signer: Signer;
  /** The statement subject's name: the repository the manifest lives in, as cosign names it. */
  subjectName: string;
  /** Default: cosign v3's signature predicate, `https://sigstore.dev/cosign/sign/v1` (empty predicate). */
  predicateType?: string;
  predicate?: unknown;
  /** `org.opencontainers.image.created` of the referrer; injected for reproducible tests. */
  now?: () => Date;
  /** Transparency log and timestamp witnesses (`witnessesFor`); none by default: nothing leaves the machine. */
  witnesses?: Witness[];
  /**
   * Also sign cosign v2's way, for consumers still on it: a simple-signing payload (a second
   * signature; keyless, a second certificate and log entry) added under `sha256-<hex>.sig`.
   */
  legacyTags?: boolean;
}

export interface SignResult {
  /** The referrer manifest that carries the bundle. */
  referrer: Descriptor;
  /** The Sigstore bundle v0.3 as JSON. */
  bundle: unknown;
  /** The manifest under the cosign v2 `.sig` tag, with `legacyTags`. */
  legacy?: Descriptor;
}

/**
 * Signs a manifest as cosign v3 does: an in-toto statement naming its digest, in a DSSE envelope
 * signed by `signer`, wrapped as a Sigstore bundle v0.3 and attached to it as a referrer. With a key
 * and no witnesses, nothing leaves the machine (no transparency log, no timestamp authority).
 */
export async function signManifest(target: Target, subject: Descriptor, options: SignOptions): Promise<SignResult> {
  const predicateType = options.predicateType ?? PREDICATE.cosignSign;
  if (options.legacyTags === true && predicateType !== PREDICATE.cosignSign) throw new SigningError('LEGACY_UNSUPPORTED', 'cosign v2 .sig tags hold signatures only: attest for an .att tag');
  const statement = manifestStatement(options.subjectName, subject.digest, predicateType, options.predicate ?? {});
  const builder = new DSSEBundleBuilder({ signer: options.signer, witnesses: options.witnesses ?? [] });
  const bundle = await builder.create({ data: Buffer.from(JSON.stringify(statement)), type: IN_TOTO_PAYLOAD_TYPE }).catch((error: unknown) => {
    throw fromSigstoreSigningError(error);
  });
  const json = bundleToJSON(bundle);
  const referrer = await attachBundle(target, subject, new TextEncoder().encode(JSON.stringify(json)), { predicateType, created: (options.now ?? (() => new Date()))() });
  if (options.legacyTags !== true) return { referrer, bundle: json };
  const payload = simpleSigningPayload(options.subjectName, subject);
  const message = await new MessageSignatureBundleBuilder({ signer: options.signer, witnesses: options.witnesses ?? [] }).create({ data: payload }).catch((error: unknown) => {
    throw fromSigstoreSigningError(error);
  });
  const legacy = await appendLegacyLayer(target, subject, 'sig', bundleToLegacyLayer(bundleToJSON(message), 'sig', payload));
  return { referrer, bundle: json, legacy };
}
