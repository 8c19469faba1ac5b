import { randomUUID } from 'node:crypto';
import { type Descriptor, isOciError, packLayers, pushPacked, type Target } from '@sealpack/oci-client';
import { LifecycleError } from './errors.ts';

const LOCK_ARTIFACT_TYPE = 'application/vnd.sealpack.promotion-lock.v1+json';

/** The tag two promotions into one environment race for. */
function lockTag(environment: string): string {
  return `sealpack-lock.${environment}`;
}

/**
 * Claims an environment before anything is written. A registry has no compare-and-swap on tags,
 * so each promotion points the lock tag at a claim of its own, waits `settleMs` for every racing
 * claim to land, and reads the tag back: exactly one claim is there, and only its promotion goes
 * on; every other one deletes its claim and stops with LOST_RACE, having written nothing. The returned
 * release deletes the claim (and with it the tag), best effort: a later claim overwrites a stale one.
 */
export async function claimEnvironment(target: Target, environment: string, subject: Descriptor, settleMs: number): Promise<() => Promise<void>> {
  const claim = packLayers([], {
    artifactType: LOCK_ARTIFACT_TYPE,
    created: null,
    annotations: { 'dev.sealpack.lock.environment': environment, 'dev.sealpack.lock.subject': subject.digest, 'dev.sealpack.lock.nonce': randomUUID() },
  });
  const tag = lockTag(environment);
  await pushPacked(target, claim, { tag });
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const holder = await target.resolve(tag).catch((error: unknown) => {
    if (isOciError(error, 'NOT_FOUND')) return undefined;
    throw error;
  });
  if (holder?.digest !== claim.descriptor.digest) {
    await target.delete(claim.descriptor).catch(() => undefined); // the lost claim is garbage now
    throw new LifecycleError('LOST_RACE', `another promotion into ${environment} claimed it at the same time and goes first; nothing was promoted (try again)`);
  }
  return async () => {
    await target.delete(claim.descriptor).catch(() => undefined);
  };
}
