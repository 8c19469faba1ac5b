import type { KeyObject } from 'node:crypto';
import { bundleFromJSON, isBundleWithDsseEnvelope } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import type { Descriptor, ReadOnlyTarget } from '@sealpack/oci-client';
import { z } from 'zod';
import { DETACHED_PREDICATE_KEY } from './attest.ts';
import { attachedBundles, fetchBytes } from './bundle-referrer.ts';
import { SigningError } from './errors.ts';
import { keyId } from './keys/key-files.ts';
import { COSIGN_SIGN_PREDICATE_TYPE, IN_TOTO_PAYLOAD_TYPE, parseStatement, statementNames } from './statement.ts';

export interface KeyPolicy {
  /** The public key the signature must verify with (cosign.pub). */
  publicKey: KeyObject;
  /**
   * cosign requires a transparency-log entry for key signatures unless told otherwise
   * (`--insecure-ignore-tlog`); signatures made offline have none, so say so explicitly.
   */
  ignoreTlog?: boolean;
  /** The statement's predicate type to accept; default cosign v3's signature predicate. */
  predicateType?: string;
}

export interface BundleVerdict {
  referrer: Descriptor;
  valid: boolean;
  /** Why not, when not valid. */
  reason?: string;
  keyId?: string;
  predicateType?: string;
  /** The verified statement's predicate (a detached one fetched and checked against its digest). */
  predicate?: unknown;
}

const DetachedSchema = z.object({ digest: z.object({ sha256: z.string().regex(/^[a-f0-9]{64}$/) }), size: z.number().int().nonnegative() });

const EMPTY_TRUSTED_ROOT = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
} as unknown as Parameters<typeof toTrustMaterial>[0];

/** Verifies one bundle against a key policy and the subject it must be about; throws with the reason. */
export function verifyBundleWithKey(bytes: Uint8Array, subject: Descriptor, policy: KeyPolicy): { keyId: string; predicateType: string; predicate: unknown } {
  let bundle: ReturnType<typeof bundleFromJSON>;
  try {
    bundle = bundleFromJSON(JSON.parse(new TextDecoder().decode(bytes)));
  } catch (cause) {
    throw new SigningError('INVALID_BUNDLE', `not a Sigstore bundle: ${(cause as Error).message}`, { cause });
  }
  if (!isBundleWithDsseEnvelope(bundle)) throw new SigningError('INVALID_BUNDLE', 'the bundle holds a message signature, not the DSSE envelope a signed manifest needs');
  if (bundle.mediaType !== 'application/vnd.dev.sigstore.bundle.v0.3+json') throw new SigningError('INVALID_BUNDLE', `bundle ${bundle.mediaType} where v0.3 is required`);
  const trust = toTrustMaterial(EMPTY_TRUSTED_ROOT, () => ({ publicKey: policy.publicKey, validFor: () => true }));
  const thresholds = policy.ignoreTlog === true ? { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 } : { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 };
  try {
    new Verifier(trust, thresholds).verify(toSignedEntity(bundle));
  } catch (cause) {
    throw new SigningError('SIGNATURE_INVALID', `the signature does not verify: ${(cause as Error).message}`, { cause });
  }
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new SigningError('INVALID_BUNDLE', `the envelope carries ${envelope.payloadType}, not an in-toto statement`);
  const statement = parseStatement(envelope.payload);
  if (!statementNames(statement, subject.digest)) throw new SigningError('SUBJECT_MISMATCH', `the signed statement is about another artifact, not ${subject.digest}`);
  const wanted = policy.predicateType ?? COSIGN_SIGN_PREDICATE_TYPE;
  if (statement.predicateType !== wanted) throw new SigningError('SUBJECT_MISMATCH', `the statement's predicate is ${statement.predicateType}, not ${wanted}`);
  return { keyId: keyId(policy.publicKey), predicateType: statement.predicateType, predicate: statement.predicate };
}

/**
 * Every bundle attached to a subject, each judged on its own: the caller decides how many valid
 * ones it needs. A bundle that fails says exactly why.
 */
export async function verifyAttachedWithKey(target: ReadOnlyTarget, subject: Descriptor, policy: KeyPolicy): Promise<BundleVerdict[]> {
  const verdicts: BundleVerdict[] = [];
  const wanted = policy.predicateType ?? COSIGN_SIGN_PREDICATE_TYPE;
  // The annotation is unsigned, so it only chooses which bundles to look at; the signed statement decides.
  const relevant = (await attachedBundles(target, subject)).filter((a) => a.predicateType === undefined || a.predicateType === wanted);
  for (const attached of relevant) {
    try {
      const { keyId: id, predicateType, predicate } = verifyBundleWithKey(attached.bytes, subject, policy);
      verdicts.push({ referrer: attached.referrer, valid: true, keyId: id, predicateType, predicate: await resolveDetached(target, attached.others, predicate) });
    } catch (error) {
      if (!(error instanceof SigningError)) throw error;
      verdicts.push({
        referrer: attached.referrer,
        valid: false,
        reason: `${error.message} [${error.code}]`,
        ...(attached.predicateType === undefined ? {} : { predicateType: attached.predicateType }),
      });
    }
  }
  return verdicts;
}

/**
 * A predicate the statement names by digest (attest.ts, for large predicates) comes from the
 * referrer's own layer of that digest and size; the transport verifies the bytes against it.
 */
async function resolveDetached(target: ReadOnlyTarget, layers: Descriptor[], predicate: unknown): Promise<unknown> {
  const ref = (predicate as Record<string, unknown> | undefined)?.[DETACHED_PREDICATE_KEY];
  if (ref === undefined) return predicate;
  const parsed = DetachedSchema.safeParse(ref);
  if (!parsed.success) throw new SigningError('INVALID_BUNDLE', 'the statement names a detached predicate it does not describe');
  const layer = layers.find((l) => l.digest === `sha256:${parsed.data.digest.sha256}` && l.size === parsed.data.size);
  if (layer === undefined) throw new SigningError('INVALID_BUNDLE', 'the detached predicate the statement names is not in its referrer');
  return JSON.parse((await fetchBytes(target, layer)).toString('utf8')) as unknown;
}
