import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { copyGraph, type CopyOptions, type CopyResult } from './copy.ts';
import { isDigest } from './digest.ts';
import { OciError } from './errors.ts';
import { archiveLayout, extractLayoutArchive } from './layout/layout-archive.ts';
import { LayoutTarget } from './layout/layout-target.ts';
import type { Descriptor } from './schemas.ts';
import type { ReadOnlyTarget, Target } from './target.ts';

export type BackupOptions = Omit<CopyOptions, 'recursive' | 'tag'> & {
  /** Add to a backup directory that already holds one (or other content) instead of refusing. */
  merge?: boolean;
  /**
   * The tag the backup gives its root when `reference` is a digest (default `latest`): a caller
   * that resolved a tag and judged that digest backs up the digest, under the tag's name.
   */
  tag?: string;
};

/** A backup is written as a tar when its name says so; read back, it is told by its content. */
function isTarName(path: string): boolean {
  return path.toLowerCase().endsWith('.tar');
}

/** What a path holds, read before anything is written: a missing parent is the caller's mistake. */
async function checkBackupDestination(target: string, merge: boolean): Promise<void> {
  const parent = await stat(dirname(target)).catch(() => undefined);
  if (parent === undefined || !parent.isDirectory()) throw new OciError('INVALID_INPUT', `cannot write ${target}: ${dirname(target)} is not an existing directory`);
  const info = await stat(target).catch(() => undefined);
  if (info === undefined) return;
  if (isTarName(target)) {
    if (!info.isFile()) throw new OciError('INVALID_INPUT', `cannot write ${target}: it exists and is not a file`);
    return; // replaced atomically once complete, as any output file
  }
  if (!info.isDirectory()) throw new OciError('INVALID_INPUT', `cannot back up into ${target}: it exists and is not a directory`);
  // Two backups in one layout make two tagged roots, which restore then refuses: say so now.
  if (!merge && (await readdir(target)).length > 0) throw new OciError('ALREADY_EXISTS', `${target} is not empty (use --merge to add to what is there)`);
}

/** ustar and GNU tar both put their magic at offset 257 of the first header (POSIX.1-2001 ustar). */
async function looksLikeTar(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const block = Buffer.alloc(512);
    const { bytesRead } = await handle.read(block, 0, 512, 0);
    return bytesRead === 512 && block.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await handle.close();
  }
}

/** Whether a restore source is a layout directory or a tar of one, by what it holds. */
async function backupKind(path: string): Promise<'directory' | 'tar'> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new OciError('INVALID_INPUT', `cannot restore ${path}: ${error.code === 'ENOENT' ? 'no such file or directory' : (error.code ?? 'unreadable')}`);
  });
  if (info.isDirectory()) return 'directory';
  if (info.isFile() && (await looksLikeTar(path))) return 'tar';
  throw new OciError('INVALID_INPUT', `cannot restore ${path}: it is neither a backup directory nor a tar archive`);
}

/**
 * An artifact with its whole referrers graph into a portable OCI layout directory, or a tar of
 * one (`.tar`), for air-gapped transfer. The root is tagged with the source tag (or `latest` when
 * backed up by digest), which is how `restore` finds it again. Digests are unchanged.
 */
export async function backup(source: ReadOnlyTarget, reference: string, destination: string, options: BackupOptions = {}): Promise<CopyResult & { tag: string }> {
  const tag = isDigest(reference) ? (options.tag ?? 'latest') : reference;
  const target = resolve(destination);
  await checkBackupDestination(target, options.merge === true);
  const tar = isTarName(target);
  const dir = tar ? await mkdtemp(join(dirname(target), '.sealpack-backup-')) : target;
  try {
    const { merge: _merge, tag: _tag, ...copyOptions } = options;
    const result = await copyGraph(source, new LayoutTarget(dir), reference, { ...copyOptions, recursive: true, tag });
    if (tar) await archiveLayout(dir, target);
    return { ...result, tag };
  } finally {
    if (tar) await rm(dir, { recursive: true, force: true });
  }
}

export type RestoreOptions = Omit<BackupOptions, 'merge'> & {
  /** The tag to give the root (default: every tag it had in the backup). */
  tag?: string;
  /**
   * Called with the backup's root before anything is written to the destination: a rejection
   * stops the restore there (a policy's judge, deciding whether the artifact may go there).
   */
  admit?: (source: ReadOnlyTarget, root: Descriptor) => Promise<void>;
};

/**
 * Puts a backup (a layout directory or a tar of one) back into a target. Its root is the one
 * manifest the backup tags (under one or several tags); it is tagged with `tag` when given, else
 * with every tag it had.
 */
export async function restore(path: string, destination: Target, options: RestoreOptions = {}): Promise<CopyResult & { tag: string; tags: string[] }> {
  const source = resolve(path);
  const tar = (await backupKind(source)) === 'tar';
  const dir = tar ? await extractLayoutArchive(source) : source;
  try {
    const layout = new LayoutTarget(dir);
    const tags = await layout.tags();
    const roots = new Set(await Promise.all(tags.map(async (t) => (await layout.resolve(t)).digest)));
    if (roots.size !== 1) {
      throw new OciError('INVALID_INPUT', `${path} holds ${roots.size} tagged manifests, not one backup root; use copy -r ocidir://DIR:TAG DST instead`);
    }
    const [first, ...more] = options.tag === undefined ? tags : [options.tag];
    const tag = first as string;
    const root = await layout.resolve(tags[0] as string);
    await options.admit?.(layout, root);
    const { admit: _admit, ...copyOptions } = options;
    const result = await copyGraph(layout, destination, root.digest, { ...copyOptions, recursive: true, tag });
    if (more.length > 0) await destination.tag(result.root, more[0] as string, ...more.slice(1));
    return { ...result, tag, tags: [tag, ...more] };
  } finally {
    if (tar) await rm(dir, { recursive: true, force: true });
  }
}
