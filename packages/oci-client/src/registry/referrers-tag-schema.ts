import { setTimeout as sleep } from 'node:timers/promises';
import type { Digest } from '../digest.ts';
import { OciError } from '../errors.ts';
import { isIndexMediaType, MEDIA_TYPE_IMAGE_INDEX } from '../media-types.ts';
import { parseManifest, type Descriptor, type ImageIndex } from '../schemas.ts';

/** distribution-spec "Referrers Tag Schema": `<alg>-<ref>` names the fallback index of a subject. */
export function referrersTag(digest: Digest): string {
  return `${digest.slice(0, digest.indexOf(':'))}-${digest.slice(digest.indexOf(':') + 1)}`;
}

/**
 * A tag that stands for a digest rather than a release: a referrers tag-schema index
 * (`sha256-<hex>`) or cosign's signature, attestation and SBOM tags (`sha256-<hex>.sig`, `.att`,
 * `.sbom`). Listings hide them on request, as `oras repo tags --exclude-digest-tags` does.
 */
export function isDigestTag(tag: string): boolean {
  return /^sha256-[0-9a-f]{64}(?:\.[A-Za-z0-9]+)?$|^sha512-[0-9a-f]{128}(?:\.[A-Za-z0-9]+)?$/.test(tag);
}

/** The two manifest operations the fallback index needs, by tag, with the ETag where the registry gives one. */
export interface TaggedManifestStore {
  readTagged(tag: string): Promise<{ bytes: Uint8Array; mediaType: string; etag?: string } | undefined>;
  /** PUT by tag; false when an If-Match precondition failed (someone else wrote first). */
  writeTagged(tag: string, bytes: Uint8Array, mediaType: string, ifMatch?: string): Promise<boolean>;
}

export interface FallbackIndex {
  index: ImageIndex;
  etag?: string;
}

/**
 * Reads a subject's fallback index. It must be an image index: a registry that answers the tag
 * with some other manifest (some serve the subject itself) is an INVALID_MANIFEST, not referrers.
 * Entries are de-duplicated by digest; unknown fields are kept.
 */
export async function readFallbackIndex(store: TaggedManifestStore, subject: Digest): Promise<FallbackIndex | undefined> {
  const tag = referrersTag(subject);
  const found = await store.readTagged(tag);
  if (found === undefined) return undefined;
  if (!isIndexMediaType(found.mediaType)) {
    throw new OciError('INVALID_MANIFEST', `the referrers tag ${tag} points at a ${found.mediaType}, not an image index`);
  }
  const parsed = parseManifest(found.bytes, found.mediaType);
  if (parsed.kind !== 'index') throw new OciError('INVALID_MANIFEST', `the referrers tag ${tag} is not an image index`);
  const seen = new Set<string>();
  const manifests = parsed.manifest.manifests.filter((d) => {
    if (seen.has(d.digest)) return false;
    seen.add(d.digest);
    return true;
  });
  return { index: { ...parsed.manifest, manifests }, ...(found.etag === undefined ? {} : { etag: found.etag }) };
}

export interface UpdateOptions {
  /** Tries of read-merge-write before giving up. */
  attempts?: number;
  /** Re-reads after a write that must still show it before the update counts as done. */
  confirmations?: number;
  random?: () => number;
}

/**
 * Adds or removes referrers in a subject's fallback index without losing other writers' entries.
 * Where the registry honours If-Match (ETag) a stale write is refused and retried. distribution 2.8
 * ignores it, so every write is also re-read: until the index shows this change (and still shows it
 * after a few re-reads spaced to outlast another writer's read-to-write window), the merge is redone
 * from the latest state. Without If-Match this narrows the race a great deal but cannot close it.
 */
export async function updateFallbackIndex(store: TaggedManifestStore, subject: Digest, change: { add?: Descriptor[]; remove?: Digest[] }, options: UpdateOptions = {}): Promise<void> {
  const tag = referrersTag(subject);
  const attempts = options.attempts ?? 30;
  const confirmations = options.confirmations ?? 3;
  const random = options.random ?? Math.random;
  const add = change.add ?? [];
  const remove = new Set<string>(change.remove ?? []);
  const holds = (index: ImageIndex | undefined) => {
    const digests = new Set<string>((index?.manifests ?? []).map((d) => d.digest));
    return add.every((d) => digests.has(d.digest)) && [...remove].every((d) => !digests.has(d));
  };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const cycleStart = performance.now();
    const current = await readFallbackIndex(store, subject);
    // Nothing to do and nothing written by us: no one can undo what we did not do.
    if (attempt === 1 && holds(current?.index)) return;
    if (!holds(current?.index)) {
      const base: ImageIndex = current?.index ?? { schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_INDEX, manifests: [] };
      const kept = base.manifests.filter((d) => !remove.has(d.digest) && !add.some((a) => a.digest === d.digest));
      const next: ImageIndex = { ...base, mediaType: MEDIA_TYPE_IMAGE_INDEX, manifests: [...kept, ...add] };
      const bytes = new TextEncoder().encode(JSON.stringify(next));
      const written = await store.writeTagged(tag, bytes, MEDIA_TYPE_IMAGE_INDEX, current?.etag);
      if (!written) {
        await sleep(Math.round(random() * 20 * attempt));
        continue;
      }
    }
    // Another writer's stale write lands at most one read-to-write cycle after ours; cycles are as
    // slow for them as for us, so the re-reads are spaced by our own measured cycle.
    const cycle = Math.max(25, performance.now() - cycleStart);
    let confirmed = true;
    for (let check = 0; check < confirmations; check++) {
      await sleep(Math.round(cycle * (1 + random())));
      if (!holds((await readFallbackIndex(store, subject))?.index)) {
        confirmed = false;
        break;
      }
    }
    if (confirmed) return;
  }
  throw new OciError('REGISTRY_ERROR', `could not update the referrers index ${tag} after ${attempts} tries (too many concurrent writers?)`, { retryable: true });
}
