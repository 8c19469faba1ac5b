import type { KeyObject } from 'node:crypto';
import { bundleFromJSON, isBundleWithDsseEnvelope } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import type { Descriptor, ReadOnlyTarget } from '@sealpack/oci-client';
import { z } from 'zod';
import { DETACHED_PREDICATE_KEY } from './attest.ts';
import { attachedBundles, fetchBytes } from './bundle-referrer.ts';
import { SigningError } from './errors.ts';
import { exactly } from './identity.ts';
import { keyId } from './keys/key-files.ts';
import type { TrustMaterial } from './trust.ts';
import { COSIGN_SIGN_PREDICATE_TYPE, IN_TOTO_PAYLOAD_TYPE, parseStatement, statementNames } from './statement.ts';

interface PolicyCommon {
  /**
   * cosign requires a transparency-log entry unless told otherwise (`--insecure-ignore-tlog`);
   * signatures made offline have none, so say so explicitly.
   */
  ignoreTlog?: boolean;
  /** The statement's predicate type to accept; default cosign v3's signature predicate. */
  predicateType?: string;
}

/** Verify with a public key (cosign.pub). */
export interface KeyPolicy extends PolicyCommon {
  publicKey: KeyObject;
}

/**
 * Verify a keyless signature: a Fulcio certificate for this identity (matched exactly, or by a
 * RegExp as cosign's `--certificate-identity-regexp`) from this OIDC issuer, chaining to the
 * trusted root, logged and timestamped as cosign requires (a tlog entry, an SCT, a timestamp).
 */
export interface IdentityPolicy extends PolicyCommon {
  identity: string | RegExp;
  issuer: string;
  trustMaterial: TrustMaterial;
}

export type VerifyPolicy = KeyPolicy | IdentityPolicy;

export interface BundleVerdict {
  referrer: Descriptor;
  valid: boolean;
  /** Why not, when not valid. */
  reason?: string;
  keyId?: string;
  /** The certificate identity (SAN) and issuer of a keyless signature. */
  identity?: string;
  issuer?: string;
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
export function verifyBundle(bytes: Uint8Array, subject: Descriptor, policy: VerifyPolicy): { keyId?: string; identity?: string; issuer?: string; predicateType: string; predicate: unknown } {
  let bundle: ReturnType<typeof bundleFromJSON>;
  try {
    bundle = bundleFromJSON(JSON.parse(new TextDecoder().decode(bytes)));
  } catch (cause) {
    throw new SigningError('INVALID_BUNDLE', `not a Sigstore bundle: ${(cause as Error).message}`, { cause });
  }
  if (!isBundleWithDsseEnvelope(bundle)) throw new SigningError('INVALID_BUNDLE', 'the bundle holds a message signature, not the DSSE envelope a signed manifest needs');
  if (bundle.mediaType !== 'application/vnd.dev.sigstore.bundle.v0.3+json') throw new SigningError('INVALID_BUNDLE', `bundle ${bundle.mediaType} where v0.3 is required`);
  const keyed = 'publicKey' in policy;
  const trust = keyed ? toTrustMaterial(EMPTY_TRUSTED_ROOT, () => ({ publicKey: policy.publicKey, validFor: () => true })) : policy.trustMaterial;
  // What cosign requires by default: a key signature a tlog entry (its time); a certificate an SCT too.
  const thresholds =
    policy.ignoreTlog === true ? { tlogThreshold: 0, ctlogThreshold: keyed ? 0 : 1, timestampThreshold: keyed ? 0 : 1 } : { tlogThreshold: 1, ctlogThreshold: keyed ? 0 : 1, timestampThreshold: 1 };
  let signer: ReturnType<Verifier['verify']>;
  try {
    signer = new Verifier(trust, thresholds).verify(
      toSignedEntity(bundle),
      keyed ? undefined : { subjectAlternativeName: typeof policy.identity === 'string' ? exactly(policy.identity) : policy.identity, extensions: { issuer: policy.issuer } },
    );
  } catch (cause) {
    throw new SigningError('SIGNATURE_INVALID', `the signature does not verify: ${(cause as Error).message}`, { cause });
  }
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new SigningError('INVALID_BUNDLE', `the envelope carries ${envelope.payloadType}, not an in-toto statement`);
  const statement = parseStatement(envelope.payload);
  if (!statementNames(statement, subject.digest)) throw new SigningError('SUBJECT_MISMATCH', `the signed statement is about another artifact, not ${subject.digest}`);
  const wanted = policy.predicateType ?? COSIGN_SIGN_PREDICATE_TYPE;
  if (statement.predicateType !== wanted) throw new SigningError('SUBJECT_MISMATCH', `the statement's predicate is ${statement.predicateType}, not ${wanted}`);
  if (keyed) return { keyId: keyId(policy.publicKey), predicateType: statement.predicateType, predicate: statement.predicate };
  return {
    ...(signer.identity?.subjectAlternativeName === undefined ? {} : { identity: signer.identity.subjectAlternativeName }),
    issuer: policy.issuer,
    predicateType: statement.predicateType,
    predicate: statement.predicate,
  };
}

/**
 * Every bundle attached to a subject, each judged on its own: the caller decides how many valid
 * ones it needs. A bundle that fails says exactly why.
 */
export async function verifyAttached(target: ReadOnlyTarget, subject: Descriptor, policy: VerifyPolicy): Promise<BundleVerdict[]> {
  const verdicts: BundleVerdict[] = [];
  const wanted = policy.predicateType ?? COSIGN_SIGN_PREDICATE_TYPE;
  // The annotation is unsigned, so it only chooses which bundles to look at; the signed statement decides.
  const relevant = (await attachedBundles(target, subject)).filter((a) => a.predicateType === undefined || a.predicateType === wanted);
  for (const attached of relevant) {
    try {
      const { predicate, ...found } = verifyBundle(attached.bytes, subject, policy);
      verdicts.push({ referrer: attached.referrer, valid: true, ...found, predicate: await resolveDetached(target, attached.others, predicate) });
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
