import { lstat, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ANNOTATION_ORAS_TAR_DIGEST, ANNOTATION_ORAS_UNPACK, unpackDirectoryLayer } from './directory-layer.ts';
import { mapLimit } from './concurrency.ts';
import { describeFile } from './content.ts';
import type { DigestCache } from './digest-cache.ts';
import { OciError } from './errors.ts';
import { makeDirectory } from './fs-atomic.ts';
import { ANNOTATION_TITLE } from './media-types.ts';
import { safeJoin } from './safe-path.ts';
import { lstatIfPresent, makeRealParents } from './staging-tree.ts';
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
 * Writes an artifact's titled layers into `outDir`, all or nothing. Every destination is checked
 * before any byte is written: no link anywhere on a path inside `outDir` (nothing is written
 * through one), no folder where a file goes or file where a folder goes, no file with other
 * content unless `overwrite`. Then each layer is fetched into a private staging folder inside
 * `outDir`, verified against its digest (and a folder layer unpacked there), and only when every
 * one arrived intact are the destinations checked again and the files renamed into place. A file
 * already holding exactly a layer's bytes is kept as it is (`kept`), so pulling an unchanged
 * artifact again costs no transfer. This is the one pull path: the CLI's `pull` and `verify --pull` both take it.
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
    const { path } = safeJoin(root, title);
    if (seen.has(path)) throw new OciError('INVALID_MANIFEST', `two layers have the same title '${title}'`);
    seen.add(path);
    const unpack = layer.annotations?.[ANNOTATION_ORAS_UNPACK] === 'true';
    const present = await presentAt(root, title, layer, unpack, options.digestCache);
    refuseToReplace(path, present, unpack, options.overwrite === true);
    planned.push({ path, title, descriptor: layer, kept: present === 'same', unpacked: unpack });
  }
  refuseNestedTitles(planned);
  // Only now, with every path checked, does anything appear on disk.
  await makeDirectory(root);
  const fetching = planned.filter((f) => !f.kept);
  if (fetching.length === 0) return { descriptor, manifest, files: planned, skipped };
  // Inside the output directory, so that each move into place is a rename(2) on one file system;
  // mkdtemp makes it 0700, so nothing else can change what is staged there.
  const staging = await mkdtemp(join(root, '.sealpack-pull-'));
  try {
    const staged = await fetchAll(target, fetching, staging, options);
    // The output directory may have changed while the layers came: judge every destination again.
    for (const file of fetching) {
      const present = await presentAt(root, file.title, file.descriptor, file.unpacked, undefined, 'unread');
      refuseToReplace(file.path, present, file.unpacked, options.overwrite === true);
    }
    for (const [index, file] of fetching.entries()) {
      await makeRealParents(root, safeJoin(root, file.title).parts, (what, at) => outputConflict(file.title, what, at));
      if (file.unpacked) await rm(file.path, { recursive: true, force: true });
      await rename(staged[index] as string, file.path);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { descriptor, manifest, files: planned, skipped };
}

/** Fetches each layer into `staging`, verified as it lands; returns where each one is staged. */
async function fetchAll(target: ReadOnlyTarget, files: readonly PulledFile[], staging: string, options: PullOptions): Promise<string[]> {
  const total = files.reduce((sum, f) => sum + f.descriptor.size, 0);
  let received = 0;
  return mapLimit(files, options.concurrency ?? 4, async (file, index) => {
    let last = 0;
    const fetchOptions = {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onProgress: (bytes: number) => {
        received += bytes - last;
        last = bytes;
        options.onProgress?.(received, total);
      },
    };
    const path = join(staging, String(index));
    if (!file.unpacked) {
      await target.fetchToFile(file.descriptor, path, fetchOptions);
      return path;
    }
    // The layer is verified against its digest as it lands, before a single entry is unpacked.
    const archive = `${path}.tar.gz`;
    await target.fetchToFile(file.descriptor, archive, fetchOptions);
    await makeDirectory(path);
    const tarDigest = file.descriptor.annotations?.[ANNOTATION_ORAS_TAR_DIGEST];
    await unpackDirectoryLayer(archive, path, file.title, { ...(tarDigest === undefined ? {} : { tarDigest }), ...(options.signal === undefined ? {} : { signal: options.signal }) });
    await rm(archive, { force: true });
    return join(path, file.title);
  });
}

function outputConflict(title: string, what: 'link' | 'file', at: string): OciError {
  return what === 'link'
    ? new OciError('OUTPUT_CONFLICT', `cannot write '${title}': ${at} is a symbolic link, and pull writes nothing through one (remove it, or pull into another directory)`)
    : new OciError('OUTPUT_CONFLICT', `cannot write '${title}': ${at} is a file where a folder must be`);
}

/**
 * What is at a title's destination now: nothing, exactly the layer's bytes, or something else
 * (`unread` when the caller needs only to know whether something is there). A link anywhere on
 * the path inside `root`, or a folder where a file goes and the reverse, is refused whatever
 * --overwrite says: replacing them would write through a link or delete a tree no layer names.
 */
async function presentAt(root: string, title: string, layer: Descriptor, unpack: boolean, cache: DigestCache | undefined, compare: 'read' | 'unread' = 'read'): Promise<'none' | 'same' | 'other'> {
  const { path, parts } = safeJoin(root, title);
  let current = root;
  for (const part of parts) {
    current = join(current, part);
    const info = await lstatIfPresent(current);
    if (info === undefined) return 'none';
    if (info.isSymbolicLink()) throw outputConflict(title, 'link', current);
    if (current !== path && !info.isDirectory()) throw outputConflict(title, 'file', current);
    if (current !== path) continue;
    if (unpack && !info.isDirectory()) throw new OciError('OUTPUT_CONFLICT', `cannot unpack the folder '${title}': ${path} is not a folder`);
    if (!unpack && !info.isFile()) throw new OciError('OUTPUT_CONFLICT', `cannot write '${title}': ${path} is ${info.isDirectory() ? 'a folder' : 'not a regular file'}`);
  }
  // A folder already there is not compared (that would mean packing it again): it is replaced only when asked.
  if (unpack || compare === 'unread') return 'other';
  return presentContent(path, layer, cache);
}

function refuseToReplace(path: string, present: 'none' | 'same' | 'other', unpack: boolean, overwrite: boolean): void {
  if (present === 'other' && !overwrite) throw new OciError('ALREADY_EXISTS', `${path} exists${unpack ? '' : ' with other content'} (use --overwrite to replace it)`);
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
  // A regular file (presentAt has refused anything else): the same size first, then the same digest.
  const info = await lstat(path);
  if (info.size !== layer.size || !layer.digest.startsWith('sha256:')) return 'other';
  try {
    const described = await describeFile(path, layer.mediaType, undefined, cache === undefined ? {} : { cache });
    return described.digest === layer.digest ? 'same' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ECHANGED') return 'other';
    throw error;
  }
}
