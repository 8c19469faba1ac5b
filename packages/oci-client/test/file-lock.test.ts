import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const worker = fileURLToPath(new URL('./fixtures/lock-worker.ts', import.meta.url));

function runWorker(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`lock worker exited ${code}: ${err}`))));
  });
}

/** The pid of a process that has ended: what a lock left by a crashed writer holds. */
function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.on('exit', () => resolve(child.pid as number));
  });
}

describe('withFileLock across processes', () => {
  // A bounded stress run (ROUNDS × WRITERS processes), not a timing assertion: every round starts
  // with a stale lock, so all writers race to take it over at once, which is where two waiters could
  // both remove the stale lock and both enter.
  const ROUNDS = 4;
  const WRITERS = 8;
  it(`lets exactly one of ${WRITERS} processes in at a time when all take over a stale lock together (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const dir = await mkdtemp(join(tmpdir(), 'sealpack-lock-'));
      await writeFile(join(dir, 'index.json.lock'), String(await deadPid()));
      await Promise.all(Array.from({ length: WRITERS }, () => runWorker(dir)));
      const overlaps = await readFile(join(dir, 'overlaps'), 'utf8').catch(() => '');
      expect(overlaps, `round ${round}: processes inside the lock together`).toBe('');
      expect((await readFile(join(dir, 'turns'), 'utf8')).trim().split('\n')).toHaveLength(WRITERS);
    }
  }, 120_000);
});
