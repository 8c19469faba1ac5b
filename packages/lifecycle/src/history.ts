import type { Descriptor, Target } from '@sealpack/oci-client';
import type { OpenInput, Policy } from '@sealpack/policy';
import type { Signer, Witness } from '@sealpack/signing';
import type { VerifyPolicy } from '@sealpack/signing/verify';
import { environment, type LifecycleConfig } from './config.ts';
import { LifecycleError } from './errors.ts';
import { claimEnvironment } from './environment-lock.ts';
import { attachRecord, judgeMove, type PromotionRecord, promotionRecords } from './promote.ts';

export interface HistoryEntry {
  digest: string;
  environment: string;
  tag: string;
  promotedAt: string;
  rollback: boolean;
  /** Who signed the record (key id or identity). */
  signer?: string;
  record: string;
}

/**
 * The promotions recorded in a repository, newest first: every artifact a tag reaches, and the
 * promotion records attached to it that verify under the given key or identity (a record that
 * does not verify is not history). An artifact no tag reaches any more is not seen: keep its
 * version tag (the environments' `{version}` tags do).
 */
export async function promotionHistory(target: Target, verifyPolicy: VerifyPolicy, options: { environment?: string } = {}): Promise<HistoryEntry[]> {
  return historyOf(
    target,
    [...(await taggedSubjects(target)).values()].map((s) => s.descriptor),
    verifyPolicy,
    options,
  );
}

/**
 * Every artifact a tag of the repository reaches, with its tags: not the referrers indexes, the
 * cosign v2 tags or the environment claims, which are machinery, not artifacts.
 */
export async function taggedSubjects(target: Target): Promise<Map<string, { descriptor: Descriptor; tags: string[] }>> {
  const subjects = new Map<string, { descriptor: Descriptor; tags: string[] }>();
  for (const tag of await target.tags()) {
    if (/^sha256-[a-f0-9]{64}/.test(tag) || tag.startsWith('sealpack-lock.')) continue;
    const descriptor = await target.resolve(tag);
    const entry = subjects.get(descriptor.digest) ?? { descriptor, tags: [] };
    entry.tags.push(tag);
    subjects.set(descriptor.digest, entry);
  }
  return subjects;
}

/** The verified promotion records of these artifacts, newest first. */
export async function historyOf(target: Target, subjects: readonly Descriptor[], verifyPolicy: VerifyPolicy, options: { environment?: string } = {}): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  for (const subject of subjects) {
    for (const verdict of await promotionRecords(target, subject, verifyPolicy)) {
      const record = verdict.record;
      if (!verdict.valid || record === undefined) continue;
      if (options.environment !== undefined && record.environment !== options.environment) continue;
      entries.push({
        digest: subject.digest,
        environment: record.environment,
        tag: record.tag,
        promotedAt: record.promotedAt,
        rollback: record.rollback === true,
        ...(verdict.signer === undefined ? {} : { signer: verdict.signer }),
        record: verdict.referrer.digest,
      });
    }
  }
  return entries.sort((a, b) => (a.promotedAt < b.promotedAt ? 1 : a.promotedAt > b.promotedAt ? -1 : a.digest < b.digest ? 1 : -1));
}

export interface RollbackOptions {
  config: LifecycleConfig;
  /** The policy the config names: a rollback is a promotion, judged as one. */
  policy: Policy;
  environment: string;
  target: Target;
  repositoryName: string;
  verifyPolicy: VerifyPolicy;
  signer: Signer;
  witnesses?: Witness[];
  /** The digest to go back to; default: the one promoted there before the current one. */
  to?: string;
  openInput?: OpenInput;
  now?: () => Date;
}

/**
 * Moves an environment's tag back to a digest that was promoted there, if the judge still allows
 * it there today (signed, not revoked, the environment's policy and destination rule: a rollback
 * is a promotion), and records the rollback as a promotion record of its own. Only a moving tag (no
 * `{version}`) can be rolled back: a versioned tag names one artifact for good.
 */
export async function rollback(options: RollbackOptions): Promise<{ digest: string; tag: string; record: Descriptor }> {
  const env = environment(options.config, options.environment);
  if (env.tag.includes('{version}')) throw new LifecycleError('INVALID_CONFIG', `environment ${options.environment} tags by version (${env.tag}); only a moving tag can be rolled back`);
  const now = options.now ?? (() => new Date());
  const history = await promotionHistory(options.target, options.verifyPolicy, { environment: options.environment });
  const current = (await options.target.resolve(env.tag)).digest;
  const candidates = options.to === undefined ? history.filter((h) => h.digest !== current) : history.filter((h) => h.digest === options.to);
  const chosen = candidates[0];
  if (chosen === undefined) {
    throw new LifecycleError('NOT_PROMOTED_FROM', options.to === undefined ? `nothing else was ever promoted to ${options.environment}` : `${options.to} was never promoted to ${options.environment}`);
  }
  const subject = await options.target.resolve(chosen.digest);
  await judgeMove({
    policy: options.policy,
    config: options.config,
    environment: options.environment,
    source: options.target,
    subject,
    reference: `${options.repositoryName}@${subject.digest}`,
    pinned: true,
    destinationName: options.repositoryName,
    verifyPolicy: options.verifyPolicy,
    now: now(),
    ...(options.openInput === undefined ? {} : { openInput: options.openInput }),
  });
  const release = await claimEnvironment(options.target, options.environment, subject, options.config.lockSettleMs);
  try {
    const record: PromotionRecord = { environment: options.environment, tag: env.tag, repository: options.repositoryName, promotedAt: now().toISOString(), rollback: true };
    const attested = await attachRecord(options.target, subject, record, {
      signer: options.signer,
      subjectName: options.repositoryName,
      now,
      ...(options.witnesses === undefined ? {} : { witnesses: options.witnesses }),
    });
    await options.target.tag(subject, env.tag);
    return { digest: subject.digest, tag: env.tag, record: attested };
  } finally {
    await release();
  }
}
