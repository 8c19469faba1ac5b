import { open, readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { OciError } from '../errors.ts';

export interface FileLockOptions {
  /** How long to wait for another writer before giving up. */
  timeoutMs?: number;
  /** A lock older than this whose owner is gone is taken over. */
  staleMs?: number;
  /**
   * Runs between judging a lock stale and taking it over: the window in which other waiters act.
   * Tests widen it to make the takeover race happen on every run instead of by luck.
   */
  afterStaleJudged?: () => Promise<void>;
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

/** O_CREAT|O_EXCL, atomic on local file systems: true when this call made the file. */
async function createExclusive(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(String(process.pid));
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new OciError('IO', `cannot create lock ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Removes a stale lock, safely against other waiters doing the same. Judging a lock stale and
 * removing it are two steps: a waiter that judged the old lock stale could otherwise remove the
 * fresh lock another waiter made in between, and both would enter. So a takeover happens only
 * while holding a second lock (`.takeover`), and the lock is judged again under it.
 */
async function takeOverStale(lockPath: string, staleMs: number): Promise<void> {
  const takeover = `${lockPath}.takeover`;
  if (!(await createExclusive(takeover))) {
    // A takeover whose process died mid-way would block every waiter: it is stale itself then.
    // (Two waiters clearing such a dead takeover at once is the one race left: it needs a crash
    // inside the few milliseconds a takeover lasts, and a second stale lock right after.)
    if (await isStale(takeover, staleMs)) await rm(takeover, { force: true });
    return;
  }
  try {
    if (await isStale(lockPath, staleMs)) await rm(lockPath, { force: true });
  } finally {
    await rm(takeover, { force: true });
  }
}

/**
 * Runs `critical` while holding an exclusive lock file, so two processes updating the same
 * index.json never lose each other's entries. A lock whose process is gone (or older than
 * `staleMs`) is taken over.
 */
export async function withFileLock<T>(lockPath: string, critical: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const staleMs = options.staleMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  while (!(await createExclusive(lockPath))) {
    if (await isStale(lockPath, staleMs)) {
      await options.afterStaleJudged?.();
      await takeOverStale(lockPath, staleMs);
      continue;
    }
    if (Date.now() > deadline) throw new OciError('IO', `timed out waiting for lock ${lockPath} (another sealpack writing?)`);
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 100);
  }
  try {
    return await critical();
  } finally {
    await rm(lockPath, { force: true });
  }
}
