import { DSSEBundleBuilder } from '@sigstore/sign';
import { bundleToJSON } from '@sigstore/bundle';
import type { Descriptor, Target } from '@sealpack/oci-client';
import { attachBundle } from './bundle-referrer.ts';
import { fromSigstoreSigningError } from './errors.ts';
import type { Witness } from './keyless.ts';
import type { Signer } from './signer.ts';
import { buildStatement, COSIGN_SIGN_PREDICATE_TYPE, IN_TOTO_PAYLOAD_TYPE } from './statement.ts';

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
}

export interface SignResult {
  /** The referrer manifest that carries the bundle. */
  referrer: Descriptor;
  /** The Sigstore bundle v0.3 as JSON. */
  bundle: unknown;
}

/**
 * Signs a manifest as cosign v3 does: an in-toto statement naming its digest, in a DSSE envelope
 * signed by `signer`, wrapped as a Sigstore bundle v0.3 and attached to it as a referrer. With a key
 * and no witnesses, nothing leaves the machine (no transparency log, no timestamp authority).
 */
export async function signManifest(target: Target, subject: Descriptor, options: SignOptions): Promise<SignResult> {
  const predicateType = options.predicateType ?? COSIGN_SIGN_PREDICATE_TYPE;
  const statement = buildStatement(options.subjectName, subject.digest, predicateType, options.predicate ?? {});
  const builder = new DSSEBundleBuilder({ signer: options.signer, witnesses: options.witnesses ?? [] });
  const bundle = await builder.create({ data: Buffer.from(JSON.stringify(statement)), type: IN_TOTO_PAYLOAD_TYPE }).catch((error: unknown) => {
    throw fromSigstoreSigningError(error);
  });
  const json = bundleToJSON(bundle);
  const referrer = await attachBundle(target, subject, new TextEncoder().encode(JSON.stringify(json)), { predicateType, created: (options.now ?? (() => new Date()))() });
  return { referrer, bundle: json };
}
