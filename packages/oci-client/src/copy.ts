import type { Readable } from 'node:stream';
import { alsoAbortedBy } from './abort.ts';
import { mapLimit } from './concurrency.ts';
import type { ContentSource } from './content.ts';
import { bytesSource } from './content.ts';
import { OciError } from './errors.ts';
import { lazyReadable } from './lazy-readable.ts';
import { isManifestMediaType } from './media-types.ts';
import { referrersTag } from './registry/referrers-tag-schema.ts';
import { batchesReferrers, canMountBlobs, hasRepositoryAddress, readsReferrersByTagSchema } from './capabilities.ts';
import { childDescriptors, manifestChildren, parseManifest, type Descriptor } from './schemas.ts';
import type { ReadOnlyTarget, Target } from './target.ts';

export interface CopyOptions {
  /** Copy the referrers graph too, recursively (signatures, SBOMs, and their own referrers). */
  recursive?: boolean;
  /** Blobs and referrers in flight at once. */
  concurrency?: number;
  /** Tag the copied root with this tag at the destination. */
  tag?: string;
  signal?: AbortSignal;
  /** Called for referrers that are skipped (missing, or not really referring to their subject). */
  onWarning?: (message: string) => void;
  /** Bytes of blobs copied so far, as they stream (blobs already at the destination do not count). */
  onProgress?: (copiedBytes: number) => void;
  /**
   * Which referrers travel (with `recursive`), by their artifact type (image-spec: `artifactType`,
   * else the config's media type), at every depth; a referrer left out takes its own referrers
   * with it. See `artifactTypeFilter` for the CLI's include/exclude patterns.
   */
  includeReferrer?: (artifactType: string, descriptor: Descriptor) => boolean;
}

export interface CopyResult {
  root: Descriptor;
  /** Manifests written (the root, an index's children, referrers). */
  manifests: number;
  /** Referrer manifests that travelled, written now or already at the destination. */
  referrers: number;
  /** Referrers left out by `includeReferrer` (their own referrers are not counted). */
  excluded: number;
  /** Blobs sent, with their bytes in `bytes`. */
  blobs: number;
  /** Blobs the registry mounted from the source repository: no bytes moved. */
  mounted: number;
  /** Blobs and manifests the destination already had. */
  skipped: number;
  /** Bytes of the blobs sent (mounted and skipped ones do not count). */
  bytes: number;
}

/** Referrer lookups one by one before a copy reads the source's tag list instead (see copyGraph). */
const LOOKUPS_BEFORE_TAG_LIST = 8;

/**
 * Content read from another target, re-openable at an offset (a resumed upload asks for that):
 * the source has no range reads, so the first `start` bytes of a fresh fetch are dropped.
 */
function remoteSource(source: ReadOnlyTarget, descriptor: Descriptor, signal: AbortSignal | undefined): ContentSource {
  return {
    size: descriptor.size,
    open(start = 0): Readable {
      return lazyReadable(async (write, readerGone) => {
        let skip = start;
        for await (const raw of await source.fetch(descriptor, { signal: alsoAbortedBy(signal, readerGone) })) {
          let chunk = raw as Buffer;
          if (skip > 0) {
            const dropped = Math.min(skip, chunk.byteLength);
            skip -= dropped;
            chunk = chunk.subarray(dropped);
            if (chunk.byteLength === 0) continue;
          }
          await write(chunk);
        }
      });
    },
  };
}

/** `work` run once per descriptor digest: a later call with the same digest gets the first call's promise. */
function oncePerDigest<Rest extends unknown[]>(work: (descriptor: Descriptor, ...rest: Rest) => Promise<void>): (descriptor: Descriptor, ...rest: Rest) => Promise<void> {
  const started = new Map<string, Promise<void>>();
  return (descriptor, ...rest) => {
    let running = started.get(descriptor.digest);
    if (running === undefined) {
      running = work(descriptor, ...rest);
      started.set(descriptor.digest, running);
    }
    return running;
  };
}

/** The repository blobs can be mounted from: the source's, when both are repositories of one registry. */
function mountSource(source: ReadOnlyTarget, destination: Target): string | undefined {
  if (!hasRepositoryAddress(source) || !canMountBlobs(destination)) return undefined;
  return source.registry === destination.registry && source.repository !== destination.repository ? source.repository : undefined;
}

/**
 * The referrer filter of `copy --include-artifact-type T --exclude-artifact-type T` (each
 * repeatable; a trailing `*` matches a prefix, e.g. `application/vnd.acme.internal.*`): with
 * includes, only what one of them matches; then never what an exclude matches.
 */
export function artifactTypeFilter(patterns: { include?: readonly string[]; exclude?: readonly string[] }): (artifactType: string) => boolean {
  const matcher = (pattern: string) => (type: string) => (pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern);
  const include = (patterns.include ?? []).map(matcher);
  const exclude = (patterns.exclude ?? []).map(matcher);
  return (type) => (include.length === 0 || include.some((m) => m(type))) && !exclude.some((m) => m(type));
}

/**
 * Copies a manifest (image, artifact or index) with everything it references from one target to
 * another, and with `recursive` its referrers graph, keeping every digest. Written once over the
 * Target interface (as oras-go's Copy), so any two stores work: registry to registry, to and from
 * OCI layouts. What the destination has is skipped; on one registry blobs are mounted across
 * repositories instead of sent. Each manifest is pushed after its content and its subject, so a
 * destination never holds a manifest whose content is missing, and a registry without the
 * referrers API gets its tag-schema indexes written as referrers arrive.
 */
export async function copyGraph(source: ReadOnlyTarget, destination: Target, reference: string, options: CopyOptions = {}): Promise<CopyResult> {
  const concurrency = options.concurrency ?? 8;
  const root = await source.resolve(reference);
  const result: CopyResult = { root, manifests: 0, referrers: 0, excluded: 0, blobs: 0, mounted: 0, skipped: 0, bytes: 0 };
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  // Referrer index entries coalesce across the whole copy and are waited for once, at the end.
  const pushManifest = batchesReferrers(destination)
    ? (descriptor: Descriptor, bytes: Uint8Array, tag: string | undefined) => destination.pushDeferringReferrers(descriptor, bytesSource(bytes), { ...signal, ...(tag === undefined ? {} : { tag }) })
    : (descriptor: Descriptor, bytes: Uint8Array, tag: string | undefined) => destination.push(descriptor, bytesSource(bytes), { ...signal, ...(tag === undefined ? {} : { tag }) });

  const mountFrom = mountSource(source, destination);
  const pushBlob = async (blob: Descriptor, content: ContentSource, onProgress: (bytes: number) => void): Promise<'mounted' | 'present' | 'uploaded'> => {
    if (mountFrom !== undefined && canMountBlobs(destination)) return destination.pushMounting(blob, content, mountFrom, { ...signal, onProgress });
    await destination.push(blob, content, { ...signal, onProgress });
    return 'uploaded';
  };
  let moved = 0;
  // One copy per blob digest: many referrers share a blob (the empty config), and distribution 2.8
  // was seen to fail manifests (DIGEST_INVALID) while it mounted one blob many times at once.
  const copyBlob = oncePerDigest(async (blob: Descriptor): Promise<void> => {
    // A mount answers for itself whether the blob is there (RegistryTarget.push): no HEAD first.
    if (mountFrom === undefined && (await destination.exists(blob))) {
      result.skipped++;
      return;
    }
    // Byte by byte while a blob streams; a mounted blob counts whole when the mount answers, and
    // bytes sent again after a resumed upload are not counted twice.
    let reported = 0;
    const advance = (bytes: number) => {
      if (bytes <= reported) return;
      moved += bytes - reported;
      reported = bytes;
      options.onProgress?.(moved);
    };
    const outcome = await pushBlob(blob, remoteSource(source, blob, options.signal), advance);
    if (outcome === 'mounted') result.mounted++;
    else if (outcome === 'present') result.skipped++;
    else {
      result.blobs++;
      result.bytes += blob.size;
    }
    advance(blob.size);
  });

  const copyManifest = async (descriptor: Descriptor, path: ReadonlySet<string>, tag: string | undefined, fetched: Uint8Array | undefined): Promise<void> => {
    const bytes = fetched ?? (await source.fetchManifest(descriptor));
    const parsed = parseManifest(bytes, descriptor.mediaType);
    const children = childDescriptors(parsed);
    await mapLimit(
      children.filter((c) => !isManifestMediaType(c.mediaType)),
      concurrency,
      copyBlob,
    );
    for (const child of manifestChildren(parsed)) await visit(child, path, undefined, undefined);
    if (tag === undefined && (await destination.exists(descriptor))) {
      result.skipped++;
    } else {
      await pushManifest(descriptor, bytes, tag);
      result.manifests++;
    }
    if (options.recursive === true) await copyReferrers(descriptor, new Set([...path, descriptor.digest]));
  };

  // A source that keeps referrers in tag-schema indexes shows in one tag list which subjects have
  // any: the other nodes of a big graph (most have no referrers) then cost no request each. Small
  // graphs never list (a repository may have many thousands of tags); a big one lists once, after
  // the first lookups told which way the source keeps referrers.
  let fallbackTags: Promise<Set<string> | undefined> | undefined;
  let lookups = 0;
  const mayHaveReferrers = async (subject: Descriptor): Promise<boolean> => {
    lookups++;
    if (lookups <= LOOKUPS_BEFORE_TAG_LIST || !readsReferrersByTagSchema(source)) return true;
    fallbackTags ??= source.tags().then(
      (tags) => new Set(tags),
      () => undefined,
    );
    const tags = await fallbackTags;
    return tags === undefined || tags.has(referrersTag(subject.digest));
  };

  const copyReferrers = async (subject: Descriptor, path: ReadonlySet<string>): Promise<void> => {
    if (!(await mayHaveReferrers(subject))) return;
    const referrers = await source.referrers(subject);
    await mapLimit(referrers, concurrency, async (referrer) => {
      if (path.has(referrer.digest)) {
        options.onWarning?.(`skipping ${referrer.digest}: it refers back to a manifest on its own path (a cycle)`);
        return;
      }
      let bytes: Uint8Array;
      try {
        bytes = await source.fetchManifest(referrer);
      } catch (error) {
        if (error instanceof OciError && error.code === 'NOT_FOUND') {
          options.onWarning?.(`skipping referrer ${referrer.digest} of ${subject.digest}: listed, but not in the source`);
          return;
        }
        throw error;
      }
      const parsed = parseManifest(bytes, referrer.mediaType);
      const claimed = parsed.manifest.subject?.digest;
      if (claimed !== subject.digest) {
        options.onWarning?.(`skipping ${referrer.digest}: listed as a referrer of ${subject.digest} but its subject is ${claimed ?? 'none'}`);
        return;
      }
      // Judged by the manifest's own (verified) artifact type, not by what the listing claims.
      const artifactType = parsed.manifest.artifactType ?? (parsed.kind === 'manifest' ? parsed.manifest.config.mediaType : '');
      if (options.includeReferrer !== undefined && !options.includeReferrer(artifactType, referrer)) {
        result.excluded++;
        return;
      }
      result.referrers++;
      // Already fetched (and verified against its digest) to check its subject: not fetched again.
      await visit(referrer, path, undefined, bytes);
    });
  };

  // Shared by digest: a manifest reached twice (two referrers of one SBOM, a diamond) is copied once.
  const visit = oncePerDigest(copyManifest);

  await visit(root, new Set([root.digest]), options.tag, undefined);
  if (batchesReferrers(destination)) await destination.flushReferrers();
  return result;
}
