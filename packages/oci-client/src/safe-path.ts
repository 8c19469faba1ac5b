import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { OciError } from './errors.ts';

/**
 * Where a layer title lands inside `root`, and its components, or a PATH_TRAVERSAL error. Titles
 * come from a remote manifest, so they are hostile until proven otherwise: no absolute or drive
 * paths, no `..`, no backslashes or NUL. What is on disk along the path is the caller's to check.
 */
export function safeJoin(root: string, title: string): { path: string; parts: string[] } {
  if (title.length === 0 || title.includes('\0') || title.includes('\\')) {
    throw new OciError('PATH_TRAVERSAL', `refusing file title ${JSON.stringify(title)}`);
  }
  if (isAbsolute(title) || /^[A-Za-z]:/.test(title)) throw new OciError('PATH_TRAVERSAL', `refusing absolute file title '${title}'`);
  const parts = title.split('/');
  if (parts.some((p) => p === '..')) throw new OciError('PATH_TRAVERSAL', `refusing file title '${title}': it climbs out of the output directory`);
  const path = normalize(join(root, title));
  const rel = relative(root, path);
  if (rel.length === 0 || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw new OciError('PATH_TRAVERSAL', `refusing file title '${title}': it leaves the output directory`);
  }
  return { path, parts: rel.split(sep) };
}
