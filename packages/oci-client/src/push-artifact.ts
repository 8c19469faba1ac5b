import { bytesSource, describeFile, fileSource, type ContentSource, type DescribeFileOptions } from './content.ts';
import type { DigestCache } from './digest-cache.ts';
import { mapLimit } from './concurrency.ts';
import type { Digest } from './digest.ts';
import { describeFromCache, describePlanned, packLayers, planFiles, type PackedArtifact, type PackedLayer, type PackFile, type PackOptions, type PlannedFile } from './pack.ts';
import { ANNOTATION_ORAS_TAR_DIGEST, ANNOTATION_ORAS_UNPACK, MEDIA_TYPE_TAR_GZIP, packDirectory } from './directory-layer.ts';
import { rm, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Descriptor } from './schemas.ts';
import type { PushOptions, Target } from './target.ts';

export interface PushArtifactOptions extends PackOptions {
  tag?: string;
  /** Blobs in flight at once. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Bytes sent so far across all blobs, and the total. */
  onProgress?: (sent: number, total: number) => void;
  /**
   * Digests of files hashed by earlier pushes: an unchanged file is then not read at all unless the
   * target lacks its blob (see `FileDigestCache`). Files hashed now are added to it.
   */
  digestCache?: DigestCache;
}

export interface PushResult {
  descriptor: Descriptor;
  artifact: PackedArtifact;
}

/** A target that can upload a blob while its digest is still being computed (RegistryTarget). */
interface HashingAlongPusher {
  readonly hashAlongThreshold: number;
  pushHashingAlong(size: number, digest: Promise<Digest>, content: ContentSource, options?: PushOptions): Promise<void>;
}

function canHashAlong(target: Target): target is Target & HashingAlongPusher {
  return 'pushHashingAlong' in target && 'hashAlongThreshold' in target;
}

/** Per-blob progress callbacks that add up to one running total. */
function progressSplitter(sizes: number[], options: Pick<PushArtifactOptions, 'onProgress'>): (index: number) => (bytes: number) => void {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const sentPerBlob = new Array<number>(sizes.length).fill(0);
  let sent = 0;
  return (index) => (bytes) => {
    sent += bytes - (sentPerBlob[index] ?? 0);
    sentPerBlob[index] = bytes;
    options.onProgress?.(sent, total);
  };
}

function signalOf(options: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal };
}

/** The config blob and then the manifest: last, so a tag never names a manifest with missing content. */
async function pushConfigAndManifest(target: Target, artifact: PackedArtifact, options: Pick<PushArtifactOptions, 'tag' | 'signal'>): Promise<void> {
  await target.push(artifact.config.descriptor, artifact.config.source, signalOf(options));
  await target.push(artifact.descriptor, bytesSource(artifact.manifestBytes), {
    ...(options.tag === undefined ? {} : { tag: options.tag }),
    ...signalOf(options),
  });
}

/**
 * Pushes a packed artifact: layers first (in parallel, skipping those present), the manifest last
 * (distribution-spec "Pushing Manifests": referenced blobs must exist first).
 */
export async function pushPacked(target: Target, artifact: PackedArtifact, options: Omit<PushArtifactOptions, keyof PackOptions> = {}): Promise<PushResult> {
  const progress = progressSplitter(
    artifact.layers.map((l) => l.descriptor.size),
    options,
  );
  await mapLimit(artifact.layers, options.concurrency ?? 8, async (layer, index) => {
    await target.push(layer.descriptor, layer.source, { ...signalOf(options), onProgress: progress(index) });
  });
  await pushConfigAndManifest(target, artifact, options);
  return { descriptor: artifact.descriptor, artifact };
}

/**
 * Packs files into an OCI 1.1 artifact and pushes it. Where the target allows, large files are
 * hashed while they upload instead of before, which takes one whole read of the file off the
 * critical path.
 */
export async function pushFiles(target: Target, files: readonly PackFile[], options: PushArtifactOptions = {}): Promise<PushResult> {
  const staged = await stageDirectories(files, options.signal);
  try {
    return await pushPlanned(target, await planFiles(staged.files), staged.temporary, options);
  } finally {
    await staged.cleanup();
  }
}

interface StagedFiles {
  files: PackFile[];
  /** Temp files made here: no digest-cache entry for them, removed after the push. */
  temporary: ReadonlySet<string>;
  cleanup(): Promise<void>;
}

/**
 * A folder travels as oras sends one (CLI.md "push"): one tar+gzip layer titled with the folder's
 * name, annotated with the tar's digest and `io.deis.oras.content.unpack: true`. It is packed to a
 * temp file first, since a layer's digest must be known before its manifest.
 */
async function stageDirectories(files: readonly PackFile[], signal: AbortSignal | undefined): Promise<StagedFiles> {
  const temporary = new Set<string>();
  const cleanup = async () => {
    await Promise.all([...temporary].map((path) => rm(dirname(path), { recursive: true, force: true })));
  };
  const staged: PackFile[] = [];
  try {
    for (const file of files) {
      const info = await stat(file.path).catch(() => undefined);
      if (info?.isDirectory() !== true) {
        staged.push(file);
        continue;
      }
      const title = file.title ?? basename(file.path);
      const packed = await packDirectory(file.path, title, signal);
      temporary.add(packed.path);
      staged.push({
        path: packed.path,
        title,
        mediaType: file.mediaType ?? MEDIA_TYPE_TAR_GZIP,
        annotations: { ...file.annotations, [ANNOTATION_ORAS_TAR_DIGEST]: packed.tarDigest, [ANNOTATION_ORAS_UNPACK]: 'true' },
      });
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { files: staged, temporary, cleanup };
}

async function pushPlanned(target: Target, planned: PlannedFile[], temporary: ReadonlySet<string>, options: PushArtifactOptions): Promise<PushResult> {
  const progress = progressSplitter(
    planned.map((f) => f.size),
    options,
  );
  const describingWithCache: DescribeFileOptions = { ...(options.digestCache === undefined ? {} : { cache: options.digestCache }), ...signalOf(options) };
  const layers = await mapLimit(planned, options.concurrency ?? 8, async (file, index): Promise<PackedLayer> => {
    const pushOptions = { ...signalOf(options), onProgress: progress(index) };
    const describing: DescribeFileOptions = temporary.has(file.path) ? signalOf(options) : describingWithCache;
    // A file the cache knows is described without a read, so the plain push (HEAD first) is best.
    const cached = describing.cache === undefined ? undefined : describeFromCache(file, describing.cache);
    if (cached === undefined && canHashAlong(target) && file.size >= target.hashAlongThreshold) {
      const described = describeFile(file.path, file.mediaType, file.annotations, describing);
      const source = fileSource(file.path, file.size);
      await target.pushHashingAlong(
        file.size,
        described.then((d) => d.digest),
        source,
        pushOptions,
      );
      return { descriptor: await described, source };
    }
    const layer = cached ?? (await describePlanned(file, describing));
    await target.push(layer.descriptor, layer.source, pushOptions);
    return layer;
  });
  const artifact = packLayers(layers, options);
  await pushConfigAndManifest(target, artifact, options);
  return { descriptor: artifact.descriptor, artifact };
}
