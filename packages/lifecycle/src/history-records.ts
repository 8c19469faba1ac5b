import { type Descriptor, parseManifest, type ReadOnlyTarget } from '@sealpack/oci-client';
import { PREDICATE } from '@sealpack/provenance';
import { ANNOTATION_BUNDLE_PREDICATE_TYPE, unverifiedPredicates } from '@sealpack/signing/verify';
import { LifecycleError } from './errors.ts';

/**
 * The promotion records attached to an artifact (their digests), verified or not: what deleting
 * it would take out of an environment's history. Read without verifying on purpose: a record that
 * does not verify under the key at hand may verify under another (a rotated key, a mistaken
 * `--key`), and deleted history cannot be brought back, so whatever claims to be a promotion
 * record of this digest holds it. Never a basis for trust: `promotionHistory` is.
 */
export async function attachedPromotionRecords(target: ReadOnlyTarget, subject: Descriptor): Promise<string[]> {
  return (await unverifiedPredicates(target, subject, PREDICATE.promotion)).map((found) => found.referrer.digest);
}

/**
 * The promotion records deleting this one manifest would lose: those attached to it, itself when
 * it is a promotion record, and those a referrers index lists (distribution-spec's fallback tag
 * `sha256-<hex>`: on a registry without the referrers API, the only way to find them).
 */
export async function historyLostByDeleting(target: ReadOnlyTarget, descriptor: Descriptor): Promise<string[]> {
  const lost = new Set(await attachedPromotionRecords(target, descriptor));
  const parsed = parseManifest(await target.fetchManifest(descriptor), descriptor.mediaType);
  const subject = parsed.manifest.subject;
  if (subject !== undefined && (await attachedPromotionRecords(target, subject)).includes(descriptor.digest)) lost.add(descriptor.digest);
  if (parsed.kind === 'index') {
    // The annotation is unsigned, and that is enough here: it can only make a deletion refuse.
    for (const child of parsed.manifest.manifests) if (child.annotations?.[ANNOTATION_BUNDLE_PREDICATE_TYPE] === PREDICATE.promotion) lost.add(child.digest);
  }
  return [...lost].sort();
}

/**
 * Refuses a single deletion that would lose promotion history (see historyLostByDeleting): the
 * one way to remove history is gc with `includeHistory`, which archives it first.
 */
export async function refuseDeletingHistory(target: ReadOnlyTarget, descriptor: Descriptor): Promise<void> {
  const lost = await historyLostByDeleting(target, descriptor);
  if (lost.length === 0) return;
  throw new LifecycleError(
    'HISTORY_NOT_ARCHIVED',
    `deleting ${descriptor.digest} would take ${lost.length} promotion record(s) out of history (${lost.join(', ')}): only gc removes history, after archiving it (sealpack gc --include-history --archive-to REF)`,
  );
}
