import type { Stats } from 'node:fs';
import { lstat, mkdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { OciError } from './errors.ts';

// A folder filled from a hostile archive. The rules come from the extractors that were caught
// out: node-tar (CVE-2021-32803, -37701, -37712: a directory or file created through a link of the
// same name, or through a link its path cache forgot) and oras-go's file store (links and hard
// links that lead out). Every decision is made on what is on disk now, never on names remembered,
// so no cache can be poisoned and a case- or Unicode-folding file system is judged as it is.
//   1. Nothing is created through a link: every existing component of a path must be a real
//      directory (lstat), so a link can only ever be a leaf.
//   2. A link is judged by where it resolves on disk, following links already there, not by its text.
//   3. Links are judged again once the tree is complete, since a later link can change where an
//      earlier one that passed through a missing name resolves.

/** Linux's MAXSYMLINKS (path_resolution(7)): a longer chain is ELOOP for the kernel, refused here. */
const MAX_LINKS = 40;

/** lstat, with `undefined` for a name that is not there. */
export async function lstatIfPresent(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** What is in the way of a path: a link (never gone through) or a file (where a folder must be). */
export type InTheWay = (what: 'link' | 'file', at: string) => OciError;

/**
 * Makes the directories leading to `parts` under `base`, one by one. An existing component must
 * be a real directory: a link there is refused (rule 1), as is a file.
 */
export async function makeRealParents(base: string, parts: readonly string[], inTheWay: InTheWay): Promise<string> {
  let current = base;
  for (const part of parts.slice(0, -1)) {
    current = join(current, part);
    const info = await lstatIfPresent(current);
    if (info === undefined) await mkdir(current, 0o755);
    else if (info.isSymbolicLink()) throw inTheWay('link', current);
    else if (!info.isDirectory()) throw inTheWay('file', current);
  }
  return join(current, parts.at(-1) as string);
}

/**
 * Where a link at `parts` (under `base`) that reads `linkname` resolves, as components under
 * `base`, following the links on disk (rule 2); `undefined` if it climbs above `base` or is absolute.
 * From the first missing name on, the rest is taken by its text: nothing more is on disk to follow.
 */
async function resolveLink(base: string, parts: readonly string[], linkname: string): Promise<string[] | undefined> {
  const resolved = parts.slice(0, -1);
  const pending = linkname.split('/');
  if (linkname.startsWith('/')) return undefined;
  let followed = 1;
  let missing = false;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (resolved.pop() === undefined) return undefined;
      continue;
    }
    resolved.push(part);
    if (missing) continue;
    const info = await lstatIfPresent(join(base, ...resolved));
    if (info === undefined) {
      missing = true;
      continue;
    }
    if (!info.isSymbolicLink()) continue;
    followed += 1;
    if (followed > MAX_LINKS) return undefined;
    const next = await readlink(join(base, ...resolved));
    if (next.startsWith('/')) return undefined;
    resolved.pop();
    pending.unshift(...next.split('/'));
  }
  return resolved;
}

/** Refuses a link at `parts` unless it resolves on disk to `inside` or below it. */
export async function checkLinkOnDisk(base: string, inside: readonly string[], parts: readonly string[], linkname: string): Promise<void> {
  const resolved = await resolveLink(base, parts, linkname);
  if (resolved === undefined || resolved.length < inside.length || inside.some((part, i) => resolved[i] !== part)) {
    throw new OciError('PATH_TRAVERSAL', `refusing link '${parts.join('/')}' -> '${linkname}': on disk it leads out of the folder '${inside.join('/')}'`);
  }
}
