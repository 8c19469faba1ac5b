import { open, readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { OciError } from '../errors.ts';

export interface FileLockOptions {
  /** How long to wait for another writer before giving up. */
  timeoutMs?: number;
  /** A lock older than this whose owner is gone is taken over. */
  staleMs?: number;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    const pid = Number.parseInt(text, 10);
    if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) return true;
    return Date.now() - info.mtimeMs > staleMs;
  } catch {
    return false;
  }
}

/**
 * Runs `critical` while holding an exclusive lock file (O_CREAT|O_EXCL is atomic on local file
 * systems), so two processes updating the same index.json never lose each other's entries.
 */
export async function withFileLock<T>(lockPath: string, critical: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const staleMs = options.staleMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.writeFile(String(process.pid));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new OciError('IO', `cannot create lock ${lockPath}: ${(error as Error).message}`, { cause: error });
      if (await isStale(lockPath, staleMs)) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new OciError('IO', `timed out waiting for lock ${lockPath} (another sealpack writing?)`);
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 100);
    }
  }
  try {
    return await critical();
  } finally {
    await rm(lockPath, { force: true });
  }
}
