import type { Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { lstat, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ANNOTATION_ORAS_TAR_DIGEST, ANNOTATION_ORAS_UNPACK, unpackDirectoryLayer } from './directory-layer.ts';
import { mapLimit } from './concurrency.ts';
import { describeFile } from './content.ts';
import type { DigestCache } from './digest-cache.ts';
import { OciError } from './errors.ts';
import { makeDirectory } from './fs-atomic.ts';
import { ANNOTATION_TITLE } from './media-types.ts';
import { safeJoin } from './safe-path.ts';
import { parseManifest, type Descriptor, type ImageManifest } from './schemas.ts';
import type { ReadOnlyTarget } from './target.ts';

export interface PullOptions {
  /** Replace files that already exist with other content. */
  overwrite?: boolean;
  /**
   * Digests of files hashed before, keyed by path and inode/size/times like git's index: an
   * existing file it vouches for is compared without being read. Files hashed now are added.
   */
  digestCache?: DigestCache;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (received: number, total: number) => void;
}

export interface PulledFile {
  path: string;
  title: string;
  descriptor: Descriptor;
  /** The file was already there with exactly these bytes, so it was left as it was, not downloaded. */
  kept: boolean;
  /** A folder layer (oras's `io.deis.oras.content.unpack`), unpacked into `path`. */
  unpacked: boolean;
}

export interface PullResult {
  descriptor: Descriptor;
  manifest: ImageManifest;
  files: PulledFile[];
  /** Layers without a title: nothing to name a file by, so not written (as oras does). */
  skipped: Descriptor[];
}

/** Reads and validates the image manifest a descriptor names. */
async function fetchImageManifest(target: ReadOnlyTarget, descriptor: Descriptor): Promise<ImageManifest> {
  const parsed = parseManifest(await target.fetchManifest(descriptor), descriptor.mediaType);
  if (parsed.kind !== 'manifest') throw new OciError('INVALID_INPUT', `${descriptor.digest} is an image index, not an artifact manifest; pull one of its manifests`);
  return parsed.manifest;
}

/**
 * Writes an artifact's titled layers into `outDir`. Every path is checked before any byte is
 * written, each file goes to a temp name and is renamed only once its digest is verified, so an
 * interrupted or hostile pull leaves no partial or misplaced file. A file already holding exactly
 * a layer's bytes is kept as it is (`kept`), so pulling an unchanged artifact again costs no transfer.
 */
export async function pullArtifact(target: ReadOnlyTarget, reference: string, outDir: string, options: PullOptions = {}): Promise<PullResult> {
  const descriptor = await target.resolve(reference);
  const manifest = await fetchImageManifest(target, descriptor);
  const root = resolve(outDir);
  await checkOutputDirectory(root);
  const planned: PulledFile[] = [];
  const skipped: Descriptor[] = [];
  const seen = new Set<string>();
  for (const layer of manifest.layers) {
    const title = layer.annotations?.[ANNOTATION_TITLE];
    if (title === undefined) {
      skipped.push(layer);
      continue;
    }
    const path = await safeJoin(root, title);
    if (seen.has(path)) throw new OciError('INVALID_MANIFEST', `two layers have the same title '${title}'`);
    seen.add(path);
    const unpack = layer.annotations?.[ANNOTATION_ORAS_UNPACK] === 'true';
    // A folder already there is not compared (that would mean packing it again): it is replaced only when asked.
    const present = unpack
      ? (await lstat(path).then(
          () => true,
          () => false,
        ))
        ? 'other'
        : 'none'
      : await presentContent(path, layer, options.digestCache);
    if (present === 'other' && options.overwrite !== true) throw new OciError('ALREADY_EXISTS', `${path} exists${unpack ? '' : ' with other content'} (use --overwrite to replace it)`);
    planned.push({ path, title, descriptor: layer, kept: present === 'same', unpacked: unpack });
  }
  refuseNestedTitles(planned);
  // Only now, with every path checked, does anything appear on disk.
  await makeDirectory(root);
  const fetching = planned.filter((f) => !f.kept);
  const total = fetching.reduce((sum, f) => sum + f.descriptor.size, 0);
  let received = 0;
  await mapLimit(fetching, options.concurrency ?? 4, async (file) => {
    await makeDirectory(dirname(file.path));
    // Re-check after mkdir: a directory created meanwhile must not have become a link.
    await safeJoin(root, file.title);
    let last = 0;
    const fetchOptions = {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onProgress: (bytes: number) => {
        received += bytes - last;
        last = bytes;
        options.onProgress?.(received, total);
      },
    };
    if (!file.unpacked) {
      await target.fetchToFile(file.descriptor, file.path, fetchOptions);
      return;
    }
    // The layer is verified against its digest as it lands, before a single entry is unpacked.
    const archive = join(root, `.sealpack-layer-${randomBytes(6).toString('hex')}.tar.gz`);
    try {
      await target.fetchToFile(file.descriptor, archive, fetchOptions);
      const tarDigest = file.descriptor.annotations?.[ANNOTATION_ORAS_TAR_DIGEST];
      await unpackDirectoryLayer(archive, root, file.title, { ...(tarDigest === undefined ? {} : { tarDigest }), ...(options.signal === undefined ? {} : { signal: options.signal }) });
    } finally {
      await rm(archive, { force: true });
    }
  });
  return { descriptor, manifest, files: planned, skipped };
}

/** The output directory may be missing (it is made) but must not be a file or anything else. */
async function checkOutputDirectory(root: string): Promise<void> {
  const info = await stat(root).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    if (error.code === 'ENOTDIR') throw new OciError('INVALID_INPUT', `cannot pull into ${root}: a part of its path is a file`);
    throw error;
  });
  if (info !== undefined && !info.isDirectory()) throw new OciError('INVALID_INPUT', `cannot pull into ${root}: it exists and is not a directory`);
}

/**
 * Titles `a` and `a/b` in one manifest cannot both be files: refuse before writing anything, rather
 * than fail half-way with the first file written.
 */
function refuseNestedTitles(files: readonly PulledFile[]): void {
  const paths = new Map(files.map((f) => [f.path, f.title]));
  for (const file of files) {
    for (let parent = dirname(file.path); parent.length > 1 && parent !== dirname(parent); parent = dirname(parent)) {
      const clash = paths.get(parent);
      if (clash !== undefined) throw new OciError('PATH_CONFLICT', `layer titles '${clash}' and '${file.title}' cannot both be files: '${clash}' would have to be a directory`);
    }
  }
}

/**
 * What is at a layer's destination already: nothing, exactly the layer's bytes (same size, then
 * same digest), or something else. An identical file is kept as it is, so pulling an unchanged
 * artifact again neither downloads nor rewrites it.
 */
async function presentContent(path: string, layer: Descriptor, cache: DigestCache | undefined): Promise<'none' | 'same' | 'other'> {
  let info: Stats;
  try {
    info = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw error;
  }
  // Not a regular file (safeJoin has already refused a link): not the layer's bytes.
  if (!info.isFile() || info.size !== layer.size || !layer.digest.startsWith('sha256:')) return 'other';
  try {
    const described = await describeFile(path, layer.mediaType, undefined, cache === undefined ? {} : { cache });
    return described.digest === layer.digest ? 'same' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ECHANGED') return 'other';
    throw error;
  }
}
