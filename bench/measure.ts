// Runs a sealpack command through measure-cli.ts with the node flags the installed bin uses (its
// shebang line), and returns the wall time and peak RSS the command itself reported.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const bin = join(here, '..', 'packages', 'cli', 'dist', 'bin.js');
const measure = join(here, 'measure-cli.ts');
export const binFlags: string[] = (await readFile(bin, 'utf8')).split('\n')[0]?.match(/node\s+(.*)$/)?.[1]?.split(/\s+/).filter(Boolean) ?? [];

export interface Measured {
  seconds: number;
  maxRssMiB?: number;
}

export function sealpack(args: string[], cwd: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...binFlags, measure, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', () => {
      const line = /BENCH (\{.*\})/.exec(err)?.[1];
      const result = line === undefined ? undefined : (JSON.parse(line) as { code: number; seconds: number; maxRssMiB: number });
      if (result === undefined || result.code !== 0) return reject(new Error(`sealpack ${args.slice(0, 3).join(' ')} failed:\n${err.slice(-2000)}`));
      resolve({ seconds: result.seconds, maxRssMiB: result.maxRssMiB });
    });
  });
}
