import { copyGraph, type Descriptor, discoverReferrers, isOciError, type ReadOnlyTarget, type ReferrerNode, type Target } from '@sealpack/oci-client';
import { LifecycleError } from './errors.ts';

/** Where gc puts what it deletes first: a registry repository or an OCI layout, and its name for messages. */
export interface GcArchive {
  target: Target;
  name: string;
}

/** Every referrer below a subject, at every depth, parents before their own referrers. */
export async function referrerGraph(target: ReadOnlyTarget, subject: Descriptor): Promise<Descriptor[]> {
  const flatten = (nodes: readonly ReferrerNode[]): Descriptor[] => nodes.flatMap((node) => [node.descriptor, ...flatten(node.referrers)]);
  return flatten((await discoverReferrers(target, subject, { depth: Number.POSITIVE_INFINITY })).referrers);
}

/**
 * Copies an artifact with its whole referrers graph (`copy -r`) to the archive under its tags, then
 * reads the archive back: the artifact and every referrer the source has must be there, and each
 * tag must name it (an archive's history sees tagged artifacts only, as any repository's). A tag
 * the archive already gives another digest is never moved: that would hide what was archived
 * before. Anything short of all of it throws, and the caller deletes nothing.
 */
export async function archiveWithReferrers(source: Target, archive: GcArchive, entry: { digest: string; tags: readonly string[] }): Promise<void> {
  const incomplete = (what: string, cause?: unknown) =>
    new LifecycleError('ARCHIVE_INCOMPLETE', `${archive.name} does not hold ${entry.digest} whole (${what}): nothing was deleted`, cause === undefined ? {} : { cause });
  for (const tag of entry.tags) {
    const there = await archive.target.resolve(tag).catch((error: unknown) => {
      if (isOciError(error, 'NOT_FOUND')) return undefined;
      throw error;
    });
    if (there !== undefined && there.digest !== entry.digest) throw incomplete(`its tag ${tag} there already names ${there.digest}`);
  }
  const [first, ...more] = entry.tags;
  const copied = await copyGraph(source, archive.target, entry.digest, { recursive: true, ...(first === undefined ? {} : { tag: first }) });
  const [second, ...rest] = more;
  if (second !== undefined) await archive.target.tag(copied.root, second, ...rest);

  const expected = await referrerGraph(source, copied.root);
  const held = await archive.target.resolve(entry.digest).catch((error: unknown) => {
    if (isOciError(error, 'NOT_FOUND')) throw incomplete('the artifact is missing', error);
    throw error;
  });
  const archived = new Set((await referrerGraph(archive.target, held)).map((d) => d.digest));
  const missing = expected.filter((d) => !archived.has(d.digest));
  if (missing.length > 0) throw incomplete(`${missing.length} referrer(s) missing: ${missing.map((d) => d.digest).join(', ')}`);
  // Listed is not held: each manifest is read back, and the transport checks it against its digest.
  for (const descriptor of [held, ...expected]) {
    await archive.target.fetchManifest(descriptor).catch((error: unknown) => {
      throw isOciError(error, 'NOT_FOUND') ? incomplete(`${descriptor.digest} is listed but not there`, error) : error;
    });
  }
  for (const tag of entry.tags) {
    if ((await archive.target.resolve(tag)).digest !== entry.digest) throw incomplete(`its tag ${tag} there names another digest`);
  }
}
