import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './errors.ts';

/**
 * Writes a file the way nothing half-written is ever seen: a temp file beside it, then a rename
 * (atomic on POSIX within one directory). A failure leaves the old file, or none.
 */
export async function writeOutputFile(path: string, content: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, content, { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR' || code === 'EISDIR') throw new UsageError(`cannot write ${path} (${code})`);
    throw error;
  }
}
