// Runs a sealpack command the way the installed bin runs (the environment and node flags of its
// shebang line) and returns the wall time seen from outside, start-up included, and the peak RSS
// the command reported.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const bin = join(here, '..', 'packages', 'cli', 'dist', 'bin.js');
const measure = join(here, 'measure-cli.mjs');

/** `#!/usr/bin/env -S NAME=VALUE… node FLAGS…` split into its environment and its node flags. */
function parseShebang(line: string): { env: Record<string, string>; flags: string[] } {
  const words = line
    .replace(/^#!\S*env\s+-S\s+/, '')
    .split(/\s+/)
    .filter(Boolean);
  const nodeAt = words.indexOf('node');
  if (nodeAt === -1) throw new Error(`cannot read the bin's shebang: ${line}`);
  const env = Object.fromEntries(words.slice(0, nodeAt).map((word) => word.split('=', 2) as [string, string]));
  return { env, flags: words.slice(nodeAt + 1) };
}

export const shebang = parseShebang((await readFile(bin, 'utf8')).split('\n')[0] ?? '');

export interface Measured {
  seconds: number;
  maxRssMiB?: number;
  /** CPU time of the sealpack process (user + system). */
  cpuSeconds?: number;
}

/** Runs in `cwd` with a file-digest cache of its own there, so runs never share the user's cache. */
export function sealpack(args: string[], cwd: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const env = { ...process.env, ...shebang.env, SEALPACK_CACHE_DIR: join(cwd, '.sealpack-cache') };
    const child = spawn(process.execPath, [...shebang.flags, measure, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', () => {
      const seconds = (performance.now() - started) / 1000;
      const line = /BENCH (\{.*\})/.exec(err)?.[1];
      const result = line === undefined ? undefined : (JSON.parse(line) as { code: number; maxRssMiB: number; cpuSeconds: number });
      if (result === undefined || result.code !== 0) return reject(new Error(`sealpack ${args.slice(0, 3).join(' ')} failed:\n${err.slice(-2000)}`));
      resolve({ seconds, maxRssMiB: result.maxRssMiB, cpuSeconds: result.cpuSeconds });
    });
  });
}
