import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { copyGraph, type CopyOptions, type CopyResult } from './copy.ts';
import { isDigest } from './digest.ts';
import { OciError } from './errors.ts';
import { archiveLayout, extractLayoutArchive } from './layout/layout-archive.ts';
import { LayoutTarget } from './layout/layout-target.ts';
import type { Target } from './target.ts';

export type BackupOptions = Omit<CopyOptions, 'recursive' | 'tag'>;

function isTar(path: string): boolean {
  return path.toLowerCase().endsWith('.tar');
}

/**
 * An artifact with its whole referrers graph into a portable OCI layout directory, or a tar of
 * one (`.tar`), for air-gapped transfer. The root is tagged with the source tag (or `latest` when
 * backed up by digest), which is how `restore` finds it again. Digests are unchanged.
 */
export async function backup(source: Target, reference: string, destination: string, options: BackupOptions = {}): Promise<CopyResult & { tag: string }> {
  const tag = isDigest(reference) ? 'latest' : reference;
  const target = resolve(destination);
  const dir = isTar(target) ? await mkdtemp(join(dirname(target), '.sealpack-backup-')) : target;
  try {
    const result = await copyGraph(source, new LayoutTarget(dir), reference, { ...options, recursive: true, tag });
    if (isTar(target)) await archiveLayout(dir, target);
    return { ...result, tag };
  } finally {
    if (isTar(target)) await rm(dir, { recursive: true, force: true });
  }
}

/** Puts a backup (directory or `.tar`) back into a target, the root under `tag` (default: its backup tag). */
export async function restore(path: string, destination: Target, options: BackupOptions & { tag?: string } = {}): Promise<CopyResult & { tag: string }> {
  const source = resolve(path);
  const dir = isTar(source) ? await extractLayoutArchive(source) : source;
  try {
    const layout = new LayoutTarget(dir);
    const tags = await layout.tags();
    if (tags.length !== 1) {
      throw new OciError('INVALID_INPUT', `${path} holds ${tags.length} tagged manifests, not one backup root; use copy -r ocidir://DIR:TAG DST instead`);
    }
    const tag = options.tag ?? (tags[0] as string);
    const result = await copyGraph(layout, destination, tags[0] as string, { ...options, recursive: true, tag });
    return { ...result, tag };
  } finally {
    if (isTar(source)) await rm(dir, { recursive: true, force: true });
  }
}
