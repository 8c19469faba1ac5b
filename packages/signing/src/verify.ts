import type { KeyObject } from 'node:crypto';
import { bundleFromJSON, isBundleWithDsseEnvelope } from '@sigstore/bundle';
import { RFC3161Timestamp, X509Certificate } from '@sigstore/core';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import type { Descriptor, ReadOnlyTarget } from '@sealpack/oci-client';
import { z } from 'zod';
import { IN_TOTO_PAYLOAD_TYPE, PREDICATE, statementNames } from '@sealpack/provenance/statement';
import { DETACHED_PREDICATE_KEY } from './predicate-types.ts';
import { attachedBundles, fetchBytes } from './bundle-referrer.ts';
import { SigningError } from './errors.ts';
import { exactly } from './identity.ts';
import { keyId } from './keys/key-files.ts';
import { legacySignatures, legacyToBundle, simpleSigningDigest, type LegacySignature } from './legacy.ts';
import type { TrustMaterial } from './trust.ts';
import { signedStatement } from './signed-statement.ts';

/**
 * How many independent witnesses a signature needs: transparency-log entries, certificate
 * transparency SCTs (keyless only) and verified timestamps (a log's integrated time or an RFC 3161
 * timestamp). Unset ones default to what cosign requires in that mode (see `thresholdsFor`).
 */
export interface Thresholds {
  tlog?: number;
  sct?: number;
  timestamp?: number;
}

interface PolicyCommon {
  /**
   * cosign requires a transparency-log entry unless told otherwise (`--insecure-ignore-tlog`);
   * signatures made offline have none, so say so explicitly. Shorthand for `thresholds.tlog: 0`
   * (and, with a key, no timestamp either, as the log was the only source of one).
   */
  ignoreTlog?: boolean;
  thresholds?: Thresholds;
  /** The statement's predicate type to accept; default cosign v3's signature predicate. */
  predicateType?: string;
}

/** Verify with a public key (cosign.pub). */
export interface KeyPolicy extends PolicyCommon {
  publicKey: KeyObject;
}

/**
 * Verify a keyless signature: a Fulcio certificate for this identity from this OIDC issuer (each
 * matched exactly, or by a RegExp as cosign's `--certificate-identity-regexp` and
 * `--certificate-oidc-issuer-regexp`), chaining to the trusted root, logged and timestamped as
 * cosign requires (a tlog entry, an SCT, a timestamp).
 */
export interface IdentityPolicy extends PolicyCommon {
  identity: string | RegExp;
  issuer: string | RegExp;
  trustMaterial: TrustMaterial;
}

export type VerifyPolicy = KeyPolicy | IdentityPolicy;

export interface BundleVerdict {
  /** The manifest that carries it: a bundle referrer, or the manifest under a cosign v2 tag. */
  referrer: Descriptor;
  /** The cosign v2 tag (`sha256-<hex>.sig` or `.att`) it was found under, for the legacy layout. */
  legacyTag?: string;
  valid: boolean;
  /** Why not, when not valid. */
  reason?: string;
  keyId?: string;
  /** The certificate identity (SAN) and issuer of a keyless signature. */
  identity?: string;
  issuer?: string;
  predicateType?: string;
  /** The index of the signature's entry in the transparency log, when it was logged. */
  tlogIndex?: string;
  /** The earliest verified time the signature existed at (log integration or RFC 3161), RFC 3339. */
  signedAt?: string;
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

export interface VerifiedBundle {
  keyId?: string;
  identity?: string;
  issuer?: string;
  tlogIndex?: string;
  signedAt?: string;
  predicateType: string;
  predicate: unknown;
}

/**
 * cosign's requirements by mode: a key signature needs a tlog entry, whose integrated time is its
 * timestamp; a certificate also needs an SCT. A certificate is only valid at a time something
 * witnessed, so a keyless policy never goes below one timestamp: with none, an expired
 * certificate would say nothing about when it signed (sigstore-js would not check its chain).
 */
function thresholdsFor(policy: VerifyPolicy, keyed: boolean): { tlogThreshold: number; ctlogThreshold: number; timestampThreshold: number } {
  const noTlog = policy.ignoreTlog === true;
  const wanted = policy.thresholds ?? {};
  const tlog = wanted.tlog ?? (noTlog ? 0 : 1);
  const sct = wanted.sct ?? (keyed ? 0 : 1);
  const timestamp = wanted.timestamp ?? (keyed && noTlog ? 0 : 1);
  for (const [name, n] of [
    ['tlog', tlog],
    ['sct', sct],
    ['timestamp', timestamp],
  ] as const) {
    if (!Number.isInteger(n) || n < 0) throw new SigningError('INVALID_VERIFY_POLICY', `the ${name} threshold must be a whole number >= 0, not ${n}`);
  }
  if (!keyed && timestamp < 1) throw new SigningError('INVALID_VERIFY_POLICY', 'a certificate identity needs at least one timestamp: nothing else says the certificate was valid when it signed');
  return { tlogThreshold: tlog, ctlogThreshold: sct, timestampThreshold: timestamp };
}

type Bundle = ReturnType<typeof bundleFromJSON>;

/** Verifies one bundle against a key policy and the subject it must be about; throws with the reason. */
export function verifyBundle(bytes: Uint8Array, subject: Descriptor, policy: VerifyPolicy, anyPredicate = false): VerifiedBundle {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new SigningError('INVALID_BUNDLE', `not a Sigstore bundle: ${(cause as Error).message}`, { cause });
  }
  const bundle = parseBundle(json);
  if (!isBundleWithDsseEnvelope(bundle)) throw new SigningError('INVALID_BUNDLE', 'the bundle holds a message signature, not the DSSE envelope a signed manifest needs');
  if (bundle.mediaType !== 'application/vnd.dev.sigstore.bundle.v0.3+json') throw new SigningError('INVALID_BUNDLE', `bundle ${bundle.mediaType} where v0.3 is required`);
  return verifyStatementBundle(bundle, subject, policy, anyPredicate);
}

/**
 * Verifies a signature or attestation found under a cosign v2 `.sig`/`.att` tag: its layer and
 * annotations become the bundle they amount to, verified as any other; a signature's
 * simple-signing payload must name the subject's digest as a statement must.
 */
function verifyLegacySignature(legacy: LegacySignature, subject: Descriptor, policy: VerifyPolicy): VerifiedBundle {
  const bundle = parseBundle(legacyToBundle(legacy));
  if (legacy.kind === 'att') return verifyStatementBundle(bundle, subject, policy, true);
  const verified = verifySignatureOf(bundle, policy, legacy.payload);
  if (simpleSigningDigest(legacy.payload) !== subject.digest) throw new SigningError('SUBJECT_MISMATCH', `the signed payload is about another artifact, not ${subject.digest}`);
  return { ...verified, predicateType: PREDICATE.cosignSign, predicate: {} };
}

function parseBundle(json: unknown): Bundle {
  try {
    return bundleFromJSON(json);
  } catch (cause) {
    throw new SigningError('INVALID_BUNDLE', `not a Sigstore bundle: ${(cause as Error).message}`, { cause });
  }
}

/**
 * A DSSE bundle whose in-toto statement must name the subject, with the predicate the policy wants;
 * `anyPredicate`: whatever predicate it signs, which the verdict then reports (the signed type is
 * the only one a decision may rest on).
 */
function verifyStatementBundle(bundle: Bundle, subject: Descriptor, policy: VerifyPolicy, anyPredicate = false): VerifiedBundle {
  if (!isBundleWithDsseEnvelope(bundle)) throw new SigningError('INVALID_BUNDLE', 'the bundle holds a message signature, not the DSSE envelope a statement needs');
  const verified = verifySignatureOf(bundle, policy);
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new SigningError('INVALID_BUNDLE', `the envelope carries ${envelope.payloadType}, not an in-toto statement`);
  const statement = signedStatement(envelope.payload);
  if (!statementNames(statement, subject.digest)) throw new SigningError('SUBJECT_MISMATCH', `the signed statement is about another artifact, not ${subject.digest}`);
  const wanted = policy.predicateType ?? PREDICATE.cosignSign;
  if (!anyPredicate && statement.predicateType !== wanted) throw new SigningError('SUBJECT_MISMATCH', `the statement's predicate is ${statement.predicateType}, not ${wanted}`);
  return { ...verified, predicateType: statement.predicateType, predicate: statement.predicate };
}

/**
 * The signature and its witnesses, checked by sigstore-js against the policy's key or trusted
 * root and thresholds (`artifact`: the bytes a message signature is over); who signed and when.
 */
function verifySignatureOf(bundle: Bundle, policy: VerifyPolicy, artifact?: Buffer): Omit<VerifiedBundle, 'predicateType' | 'predicate'> {
  const keyed = 'publicKey' in policy;
  const trust = keyed ? toTrustMaterial(EMPTY_TRUSTED_ROOT, () => ({ publicKey: policy.publicKey, validFor: () => true })) : policy.trustMaterial;
  const thresholds = thresholdsFor(policy, keyed);
  const times = witnessedTimes(bundle);
  if (!keyed && times.length === 0) throw new SigningError('SIGNATURE_INVALID', `no log entry or timestamp says when it was signed, so its certificate proves nothing${certificateWindow(bundle)}`);
  let signer: ReturnType<Verifier['verify']>;
  try {
    signer = new Verifier(trust, thresholds).verify(
      toSignedEntity(bundle, artifact),
      // sigstore-js compares the issuer as a string only; a pattern is checked below.
      keyed ? undefined : { subjectAlternativeName: asPattern(policy.identity), ...(typeof policy.issuer === 'string' ? { extensions: { issuer: policy.issuer } } : {}) },
    );
  } catch (cause) {
    throw new SigningError('SIGNATURE_INVALID', `the signature does not verify: ${(cause as Error).message}`, { cause });
  }
  const signedIssuer = signer.identity?.extensions?.issuer;
  if (!keyed && typeof policy.issuer !== 'string' && (signedIssuer === undefined || !policy.issuer.test(signedIssuer))) {
    throw new SigningError('SIGNATURE_INVALID', `the certificate's issuer ${signedIssuer ?? '(none)'} does not match ${String(policy.issuer)}`);
  }
  const logIndex = bundle.verificationMaterial.tlogEntries[0]?.logIndex;
  const witnessed = {
    ...(logIndex === undefined ? {} : { tlogIndex: logIndex }),
    ...(times.length === 0 ? {} : { signedAt: new Date(Math.min(...times.map((t) => t.getTime()))).toISOString().replace('.000Z', 'Z') }),
  };
  if (keyed) return { keyId: keyId(policy.publicKey), ...witnessed };
  return {
    ...(signer.identity?.subjectAlternativeName === undefined ? {} : { identity: signer.identity.subjectAlternativeName }),
    ...(signedIssuer === undefined ? {} : { issuer: signedIssuer }),
    ...witnessed,
  };
}

const asPattern = (match: string | RegExp): RegExp => (typeof match === 'string' ? exactly(match) : match);

/**
 * The times the bundle claims witnesses for: each logged entry's integrated time (Rekor v1; v2
 * entries have none) and each RFC 3161 timestamp's. Only read after, or to explain, verification:
 * the Verifier checks every one of them against the trusted root.
 */
function witnessedTimes(bundle: Bundle): Date[] {
  const material = bundle.verificationMaterial;
  const logged = material.tlogEntries.filter((e) => e.integratedTime !== '0' && e.integratedTime !== '').map((e) => new Date(Number(e.integratedTime) * 1000));
  const stamped = (material.timestampVerificationData?.rfc3161Timestamps ?? []).flatMap((t) => {
    try {
      return [RFC3161Timestamp.parse(Buffer.from(t.signedTimestamp)).signingTime];
    } catch {
      return []; // the Verifier reports a timestamp it cannot parse
    }
  });
  return [...logged, ...stamped];
}

/** ", and it was valid from A to B only" for a bundle's certificate, to say why a date matters. */
function certificateWindow(bundle: Bundle): string {
  const content = bundle.verificationMaterial.content;
  const raw = content.$case === 'certificate' ? content.certificate.rawBytes : content.$case === 'x509CertificateChain' ? content.x509CertificateChain.certificates[0]?.rawBytes : undefined;
  if (raw === undefined) return '';
  const cert = X509Certificate.parse(Buffer.from(raw));
  const expired = cert.notAfter.getTime() < Date.now() ? ', and it has expired' : '';
  return ` (valid ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()} only${expired})`;
}

/**
 * Every bundle attached to a subject, each judged on its own: the caller decides how many valid
 * ones it needs. A bundle that fails says exactly why. Revocations are not looked at here:
 * `verifyArtifact` answers whether an artifact may be trusted.
 */
export async function verifyAttached(target: ReadOnlyTarget, subject: Descriptor, policy: VerifyPolicy): Promise<BundleVerdict[]> {
  const wanted = policy.predicateType ?? PREDICATE.cosignSign;
  return (await verifyAttachedByType(target, subject, policy, [wanted])).get(wanted) ?? [];
}

/**
 * The verdicts of `verifyAttached` for several predicate types at once (`policy.predicateType` is
 * ignored). Every bundle is verified once, whatever its referrer's annotation claims, and a valid
 * one is filed under the predicate type of its signed statement: the annotation is unsigned, and
 * a bundle re-wrapped without it (or with a false one) is found all the same. A bundle that does
 * not verify is filed under the type its annotation claims, or under every type asked for when it
 * claims none, so that each list shows the failures that might have been meant for it.
 */
export async function verifyAttachedByType(target: ReadOnlyTarget, subject: Descriptor, policy: VerifyPolicy, predicateTypes: readonly string[]): Promise<Map<string, BundleVerdict[]>> {
  const every = await verifyEveryAttached(target, subject, policy);
  const byType = new Map<string, BundleVerdict[]>();
  for (const wanted of new Set(predicateTypes)) {
    byType.set(
      wanted,
      every.filter((v) => v.predicateType === wanted || (!v.valid && v.predicateType === undefined)),
    );
  }
  return byType;
}

/**
 * Every bundle attached to a subject (cosign v3 referrers, and cosign v2 `.sig`/`.att` tags),
 * each verified under the policy's key or identity whatever predicate it signs. A valid verdict's
 * `predicateType` is the signed statement's; an invalid one's is what its annotation claims.
 */
export async function verifyEveryAttached(target: ReadOnlyTarget, subject: Descriptor, policy: VerifyPolicy): Promise<BundleVerdict[]> {
  thresholdsFor(policy, 'publicKey' in policy); // a policy mistake fails the call, not each bundle
  const verdicts: BundleVerdict[] = [];
  for (const attached of await attachedBundles(target, subject)) {
    const base = { referrer: attached.referrer, ...(attached.predicateType === undefined ? {} : { predicateType: attached.predicateType }) };
    verdicts.push(
      await judged(base, async () => {
        const { predicate, ...found } = verifyBundle(attached.bytes, subject, policy, true);
        return { ...found, predicate: await resolveDetached(target, attached.others, predicate) };
      }),
    );
  }
  // Signed by an older cosign: the v2 layout's tag, `.sig` for signatures, `.att` for the rest.
  for (const kind of ['sig', 'att'] as const) {
    for (const found of await legacySignatures(target, subject, kind)) {
      const claimed = kind === 'sig' ? PREDICATE.cosignSign : found.predicateType;
      const base = { referrer: found.manifest, legacyTag: found.tag, ...(claimed === undefined ? {} : { predicateType: claimed }) };
      verdicts.push(await judged(base, async () => verifyLegacySignature(found, subject, policy)));
    }
  }
  return verdicts;
}

/** What `verifyArtifact` found: the valid signatures, and every verdict for the record. */
export interface ArtifactVerification {
  signatures: BundleVerdict[];
  /** Every bundle's verdict, signatures, attestations and failures alike. */
  verdicts: BundleVerdict[];
}

/**
 * Whether an artifact may be trusted as `cosign verify` asks it, and more: at least one signature
 * that verifies under the policy's key or identity, and no revocation that verifies under the
 * same (a signer's withdrawal outranks its signature). Throws NO_SIGNATURES or REVOKED.
 */
export async function verifyArtifact(target: ReadOnlyTarget, subject: Descriptor, policy: VerifyPolicy): Promise<ArtifactVerification> {
  const verdicts = await verifyEveryAttached(target, subject, policy);
  const revocation = verdicts.find((v) => v.valid && v.predicateType === PREDICATE.revocation);
  if (revocation !== undefined) {
    const reason = (revocation.predicate as { reason?: unknown } | undefined)?.reason;
    const by = revocation.keyId !== undefined ? `key ${revocation.keyId}` : `identity ${revocation.identity ?? '?'}`;
    throw new SigningError('REVOKED', `${subject.digest} is revoked by ${by}: ${typeof reason === 'string' ? reason : '(no reason given)'}`, { verdicts });
  }
  const signatures = verdicts.filter((v) => v.predicateType === PREDICATE.cosignSign || (!v.valid && v.predicateType === undefined));
  if (!signatures.some((v) => v.valid)) {
    const reason = signatures.find((v) => !v.valid)?.reason;
    throw new SigningError(
      'NO_SIGNATURES',
      signatures.length === 0 ? `no signatures attached to ${subject.digest}` : `none of the ${signatures.length} signature(s) attached to ${subject.digest} verifies (${reason ?? ''})`,
      { verdicts: signatures },
    );
  }
  return { signatures, verdicts };
}

/** A verdict: valid with what verification found, or invalid with the exact reason. */
async function judged(base: Pick<BundleVerdict, 'referrer' | 'legacyTag' | 'predicateType'>, verify: () => Promise<VerifiedBundle>): Promise<BundleVerdict> {
  try {
    return { ...base, valid: true, ...(await verify()) };
  } catch (error) {
    if (!(error instanceof SigningError)) throw error;
    return { ...base, valid: false, reason: `${error.message} [${error.code}]` };
  }
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

/**
 * The predicates of the attestations of one type attached to a subject, read WITHOUT verifying
 * anything: for showing what an unverifiable attestation claims, marked as such (lineage
 * `--allow-unverified`). Never a basis for trust; `verifyAttached` is.
 */
export async function unverifiedPredicates(target: ReadOnlyTarget, subject: Descriptor, predicateType: string): Promise<Array<{ referrer: Descriptor; predicate: unknown }>> {
  const found: Array<{ referrer: Descriptor; predicate: unknown }> = [];
  for (const attached of await attachedBundles(target, subject)) {
    if (attached.predicateType !== undefined && attached.predicateType !== predicateType) continue;
    try {
      const bundle = parseBundle(JSON.parse(new TextDecoder().decode(attached.bytes)) as unknown);
      if (!isBundleWithDsseEnvelope(bundle)) continue;
      const statement = signedStatement(bundle.content.dsseEnvelope.payload);
      if (statement.predicateType !== predicateType || !statementNames(statement, subject.digest)) continue;
      found.push({ referrer: attached.referrer, predicate: await resolveDetached(target, attached.others, statement.predicate) });
    } catch (error) {
      if (!(error instanceof SigningError) && !(error instanceof SyntaxError)) throw error;
    }
  }
  return found;
}
