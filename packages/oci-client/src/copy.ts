import { PassThrough, type Readable } from 'node:stream';
import { mapLimit } from './concurrency.ts';
import type { ContentSource } from './content.ts';
import { bytesSource } from './content.ts';
import { OciError } from './errors.ts';
import { isManifestMediaType } from './media-types.ts';
import { RegistryTarget } from './registry/registry-target.ts';
import { childDescriptors, parseManifest, type Descriptor } from './schemas.ts';
import type { Target } from './target.ts';

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
  onProgress?: (copiedBytes: number) => void;
}

export interface CopyResult {
  root: Descriptor;
  manifests: number;
  blobs: number;
  /** Blobs and manifests the destination already had. */
  skipped: number;
  bytes: number;
}

/**
 * Content read from another target, re-openable at an offset (a resumed upload asks for that):
 * the source has no range reads, so the first `start` bytes of a fresh fetch are dropped.
 */
function remoteSource(source: Target, descriptor: Descriptor, signal: AbortSignal | undefined): ContentSource {
  return {
    size: descriptor.size,
    open(start = 0): Readable {
      const out = new PassThrough();
      void source.fetch(descriptor, signal === undefined ? {} : { signal }).then((stream) => {
        let skip = start;
        stream.on('data', (chunk: Buffer) => {
          if (skip > 0) {
            const dropped = Math.min(skip, chunk.byteLength);
            skip -= dropped;
            chunk = chunk.subarray(dropped);
            if (chunk.byteLength === 0) return;
          }
          if (!out.write(chunk)) {
            stream.pause();
            out.once('drain', () => stream.resume());
          }
        });
        stream.on('end', () => out.end());
        stream.on('error', (error) => out.destroy(error));
      }, (error: unknown) => out.destroy(error as Error));
      return out;
    },
  };
}

function sameRegistry(source: Target, destination: Target): source is RegistryTarget {
  return source instanceof RegistryTarget && destination instanceof RegistryTarget && source.registry === destination.registry;
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
export async function copyGraph(source: Target, destination: Target, reference: string, options: CopyOptions = {}): Promise<CopyResult> {
  const concurrency = options.concurrency ?? 8;
  const root = await source.resolve(reference);
  const result: CopyResult = { root, manifests: 0, blobs: 0, skipped: 0, bytes: 0 };
  const visits = new Map<string, Promise<void>>();
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  // Referrer index entries coalesce across the whole copy and are waited for once, at the end.
  const deferIndex = destination instanceof RegistryTarget ? { deferReferrersIndex: true } : {};

  // One copy per blob digest: many referrers share a blob (the empty config), and distribution 2.8
  // was seen to fail manifests (DIGEST_INVALID) while it mounted one blob many times at once.
  const blobCopies = new Map<string, Promise<void>>();
  const copyBlob = (blob: Descriptor): Promise<void> => {
    const known = blobCopies.get(blob.digest);
    if (known !== undefined) return known;
    const work = copyBlobOnce(blob);
    blobCopies.set(blob.digest, work);
    return work;
  };
  const copyBlobOnce = async (blob: Descriptor): Promise<void> => {
    if (await destination.exists(blob)) {
      result.skipped++;
      return;
    }
    const mount = sameRegistry(source, destination) ? { mountFrom: source.repository } : {};
    await destination.push(blob, remoteSource(source, blob, options.signal), { ...signal, ...mount });
    result.blobs++;
    result.bytes += blob.size;
    options.onProgress?.(result.bytes);
  };

  const copyManifest = async (descriptor: Descriptor, path: ReadonlySet<string>, tag: string | undefined): Promise<void> => {
    const bytes = await source.fetchManifest(descriptor);
    const parsed = parseManifest(bytes, descriptor.mediaType);
    const children = childDescriptors(parsed);
    await mapLimit(children.filter((c) => !isManifestMediaType(c.mediaType)), concurrency, copyBlob);
    for (const child of children.filter((c) => isManifestMediaType(c.mediaType))) await visit(child, path, undefined);
    if (tag === undefined && (await destination.exists(descriptor))) {
      result.skipped++;
    } else {
      await destination.push(descriptor, bytesSource(bytes), { ...signal, ...(tag === undefined ? {} : { tag }), ...deferIndex });
      result.manifests++;
    }
    if (options.recursive === true) await copyReferrers(descriptor, new Set([...path, descriptor.digest]));
  };

  const copyReferrers = async (subject: Descriptor, path: ReadonlySet<string>): Promise<void> => {
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
      const claimed = parseManifest(bytes, referrer.mediaType).manifest.subject?.digest;
      if (claimed !== subject.digest) {
        options.onWarning?.(`skipping ${referrer.digest}: listed as a referrer of ${subject.digest} but its subject is ${claimed ?? 'none'}`);
        return;
      }
      await visit(referrer, path, undefined);
    });
  };

  const visit = (descriptor: Descriptor, path: ReadonlySet<string>, tag: string | undefined): Promise<void> => {
    // Shared by digest: a manifest reached twice (two referrers of one SBOM, a diamond) is copied once.
    const known = visits.get(descriptor.digest);
    if (known !== undefined) return known;
    const work = copyManifest(descriptor, path, tag);
    visits.set(descriptor.digest, work);
    return work;
  };

  await visit(root, new Set([root.digest]), options.tag);
  if (destination instanceof RegistryTarget) await destination.flushReferrers();
  return result;
}
