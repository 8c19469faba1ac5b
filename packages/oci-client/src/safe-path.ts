import { lstat } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { OciError } from './errors.ts';

/**
 * Where a layer title lands inside `root`, or a PATH_TRAVERSAL error. Titles come from a remote
 * manifest, so they are hostile until proven otherwise: no absolute paths, no `..`, no backslashes
 * or NUL, and no component below `root` that is a symlink (which could point anywhere).
 */
export async function safeJoin(root: string, title: string): Promise<string> {
  if (title.length === 0 || title.includes('\0') || title.includes('\\')) {
    throw new OciError('PATH_TRAVERSAL', `refusing file title ${JSON.stringify(title)}`);
  }
  if (isAbsolute(title) || /^[A-Za-z]:/.test(title)) throw new OciError('PATH_TRAVERSAL', `refusing absolute file title '${title}'`);
  const parts = title.split('/');
  if (parts.some((p) => p === '..')) throw new OciError('PATH_TRAVERSAL', `refusing file title '${title}': it climbs out of the output directory`);
  const target = normalize(join(root, title));
  const rel = relative(root, target);
  if (rel.length === 0 || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw new OciError('PATH_TRAVERSAL', `refusing file title '${title}': it leaves the output directory`);
  }
  let current = root;
  for (const part of rel.split(sep)) {
    current = join(current, part);
    try {
      const info = await lstat(current);
      if (info.isSymbolicLink()) throw new OciError('PATH_TRAVERSAL', `refusing file title '${title}': ${current} is a symbolic link`);
    } catch (error) {
      if (error instanceof OciError) throw error;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
      throw error;
    }
  }
  return target;
}
