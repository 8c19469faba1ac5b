import { copyGraph, type Descriptor, isOciError, type ReadOnlyTarget, type Target } from '@sealpack/oci-client';
import { type Decision, type Judgement, judgeArtifact, type OpenInput, type Policy } from '@sealpack/policy';
import { canonicalDigest, PREDICATE } from '@sealpack/provenance';
import { attestManifest, type Signer, type Witness } from '@sealpack/signing';
import { verifyAttached, type VerifyPolicy } from '@sealpack/signing/verify';
import { z } from 'zod';
import { environment, type LifecycleConfig, tagFor } from './config.ts';
import { LifecycleError } from './errors.ts';
import { claimEnvironment } from './environment-lock.ts';
import { checkSchemaVersion, SCHEMA_VERSION_ANNOTATION } from './schema-version.ts';

const RecordSchema = z.object({
  environment: z.string(),
  from: z.string().optional(),
  tag: z.string(),
  repository: z.string(),
  promotedAt: z.string(),
  rollback: z.boolean().optional(),
  decision: z.object({ policy: z.string(), environment: z.string().optional(), allow: z.literal(true), digest: z.string() }).optional(),
});

export type PromotionRecord = z.infer<typeof RecordSchema>;

export interface PromoteOptions {
  config: LifecycleConfig;
  policy: Policy;
  /** The environment to promote into. */
  environment: string;
  /** Where the artifact is now, and how the user named it. */
  source: ReadOnlyTarget;
  subject: Descriptor;
  reference: string;
  pinned: boolean;
  /** The environment's repository, and its name (`registry/repository`) for the destination rule and the record. */
  destination: Target;
  destinationName: string;
  /** Whether destination and source are the same repository (then nothing is copied). */
  sameRepository: boolean;
  /** The key or identity the gate verifies signatures and attestations, and earlier records, under. */
  verifyPolicy: VerifyPolicy;
  /** Signs the promotion record. */
  signer: Signer;
  witnesses?: Witness[];
  version?: string;
  /** How to reach the inputs a verified PROV names, for their labels (see `judgeArtifact`); without it they count as unknown. */
  openInput?: OpenInput;
  now?: () => Date;
}

export interface PromotionResult {
  tag: string;
  decision: Decision;
  record: Descriptor;
  copied: boolean;
}

/**
 * Verify, then promote: the environment's policy is evaluated on the artifact's evidence, its
 * sensitivity must be allowed at the destination, it must come from the environment the config
 * names, and a release tag already pointing elsewhere is never moved. Only then is it copied
 * (with every referrer) when the environment lives elsewhere, a signed promotion record attached,
 * and the environment's tag written. A refusal writes nothing.
 */
export async function promote(options: PromoteOptions): Promise<PromotionResult> {
  const { config, subject } = options;
  const env = environment(config, options.environment);
  const now = options.now ?? (() => new Date());
  if (env.from !== undefined) {
    const records = await promotionRecords(options.source, subject, options.verifyPolicy);
    if (!records.some((r) => r.valid && r.record?.environment === env.from)) {
      throw new LifecycleError(
        'NOT_PROMOTED_FROM',
        `${subject.digest} was never promoted to ${env.from} (a verified promotion record), and ${options.environment} takes only what comes from ${env.from}`,
      );
    }
  }
  const { decision, evidence } = await judgeMove({
    policy: options.policy,
    config,
    environment: options.environment,
    source: options.source,
    subject,
    reference: options.reference,
    pinned: options.pinned,
    destinationName: options.destinationName,
    verifyPolicy: options.verifyPolicy,
    now: now(),
    ...(options.openInput === undefined ? {} : { openInput: options.openInput }),
  });
  if (env.acceptSchema !== undefined) checkSchemaVersion(evidence.subject.annotations[SCHEMA_VERSION_ANNOTATION], env.acceptSchema, subject.digest);
  const tag = tagFor(env, options.version ?? evidence.subject.annotations['org.opencontainers.image.version'], options.environment);
  await refuseMovingReleaseTag(options.destination, tag, subject, config);

  const release = await claimEnvironment(options.destination, options.environment, subject, config.lockSettleMs);
  try {
    // Again under the claim: a promotion that held it just before may have set the release tag.
    await refuseMovingReleaseTag(options.destination, tag, subject, config);
    return await promoteClaimed(options, { tag, decision, from: env.from, now });
  } finally {
    await release();
  }
}

/**
 * The judge's verdict on moving an artifact into an environment (a promotion, and a rollback,
 * which is one): the environment's policy, the destination rule, revocation, every input label.
 * A deny throws PROMOTION_DENIED carrying the decision, every reason in its message.
 */
export async function judgeMove(facts: {
  policy: Policy;
  config: LifecycleConfig;
  environment: string;
  source: ReadOnlyTarget;
  subject: Descriptor;
  reference: string;
  pinned: boolean;
  destinationName: string;
  verifyPolicy: VerifyPolicy;
  openInput?: OpenInput;
  now: Date;
}): Promise<Judgement> {
  const env = environment(facts.config, facts.environment);
  const policyEnvironment = env.policyEnvironment ?? (Object.hasOwn(facts.policy.environments, facts.environment) ? facts.environment : undefined);
  const judged = await judgeArtifact(facts.source, facts.subject, {
    reference: facts.reference,
    pinned: facts.pinned,
    verifyPolicy: facts.verifyPolicy,
    policy: facts.policy,
    ...(policyEnvironment === undefined ? {} : { environment: policyEnvironment }),
    destination: facts.destinationName,
    // A promotion copies the artifact with every referrer: what they carry is judged too.
    carries: { referrers: true },
    ...(facts.openInput === undefined ? {} : { openInput: facts.openInput }),
    now: facts.now,
  });
  if (!judged.allow) {
    throw Object.assign(new LifecycleError('PROMOTION_DENIED', `policy ${judged.decision.policy} denies moving ${facts.subject.digest} to ${facts.environment}: ${judged.reasons.join('; ')}`), {
      decision: judged.decision,
    });
  }
  return judged;
}

/** The writes of a promotion, once the environment is claimed: copy, record, tag. */
async function promoteClaimed(options: PromoteOptions, facts: { tag: string; decision: Decision; from: string | undefined; now: () => Date }): Promise<PromotionResult> {
  const { subject } = options;
  const { tag, decision, now } = facts;
  let copied = false;
  if (!options.sameRepository) {
    await copyGraph(options.source, options.destination, subject.digest, { recursive: true });
    copied = true;
  }
  const record: PromotionRecord = {
    environment: options.environment,
    ...(facts.from === undefined ? {} : { from: facts.from }),
    tag,
    repository: options.destinationName,
    promotedAt: now().toISOString(),
    decision: { policy: decision.policy, ...(decision.environment === undefined ? {} : { environment: decision.environment }), allow: true, digest: canonicalDigest(decision) },
  };
  const attested = await attachRecord(options.destination, subject, record, {
    signer: options.signer,
    subjectName: options.destinationName,
    now,
    ...(options.witnesses === undefined ? {} : { witnesses: options.witnesses }),
  });
  await writeTag(options.destination, subject, tag);
  return { tag, decision, record: attested, copied };
}

/** A promotion record, signed and attached to the promoted artifact as an attestation referrer. */
export async function attachRecord(
  target: Target,
  subject: Descriptor,
  record: PromotionRecord,
  options: { signer: Signer; subjectName: string; witnesses?: Witness[]; now: () => Date },
): Promise<Descriptor> {
  const attested = await attestManifest(target, subject, {
    signer: options.signer,
    subjectName: options.subjectName,
    predicateType: PREDICATE.promotion,
    predicate: new TextEncoder().encode(JSON.stringify(record)),
    ...(options.witnesses === undefined ? {} : { witnesses: options.witnesses }),
    now: options.now,
  });
  return attested.referrer;
}

/** Release tags (the config's pattern) never move once they point at a digest. */
async function refuseMovingReleaseTag(target: ReadOnlyTarget, tag: string, subject: Descriptor, config: LifecycleConfig): Promise<void> {
  if (!new RegExp(config.immutableTags).test(tag)) return;
  const current = await resolveOrUndefined(target, tag);
  if (current !== undefined && current.digest !== subject.digest) {
    throw new LifecycleError('IMMUTABLE_TAG', `${tag} is a release tag and already points at ${current.digest}: it is never moved (promote a new version instead)`);
  }
}

/**
 * Writes the tag and reads it back: a registry has no compare-and-swap on tags, so two promotions
 * racing for one environment each see whose write landed last, and the other says it lost.
 */
async function writeTag(target: Target, subject: Descriptor, tag: string): Promise<void> {
  await target.tag(subject, tag);
  const now = await resolveOrUndefined(target, tag);
  if (now?.digest !== subject.digest) throw new LifecycleError('LOST_RACE', `another promotion moved ${tag} to ${now?.digest ?? 'nothing'} at the same time; this one did not take effect`);
}

async function resolveOrUndefined(target: ReadOnlyTarget, reference: string): Promise<Descriptor | undefined> {
  try {
    return await target.resolve(reference);
  } catch (error) {
    if (isOciError(error, 'NOT_FOUND')) return undefined;
    throw error;
  }
}

export interface RecordVerdict {
  referrer: Descriptor;
  valid: boolean;
  reason?: string;
  record?: PromotionRecord;
  signer?: string;
}

/** The promotion records attached to an artifact, each verified under the given key or identity. */
export async function promotionRecords(target: ReadOnlyTarget, subject: Descriptor, verifyPolicy: VerifyPolicy): Promise<RecordVerdict[]> {
  const verdicts = await verifyAttached(target, subject, { ...verifyPolicy, predicateType: PREDICATE.promotion });
  return verdicts.map((v) => {
    const signer = v.keyId !== undefined ? `key ${v.keyId}` : v.identity;
    if (!v.valid) return { referrer: v.referrer, valid: false, reason: v.reason ?? 'does not verify' };
    const parsed = RecordSchema.safeParse(v.predicate);
    if (!parsed.success) return { referrer: v.referrer, valid: false, reason: 'a verified statement that is not a promotion record' };
    return { referrer: v.referrer, valid: true, record: parsed.data, ...(signer === undefined ? {} : { signer }) };
  });
}
