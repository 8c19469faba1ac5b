import { PassThrough } from 'node:stream';
import { main } from '../src/main.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `sealpack ARGS` in-process with captured streams and a controlled environment. */
export async function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: string; tty?: boolean; stdinTty?: boolean; signal?: AbortSignal }): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough() as PassThrough & { isTTY?: boolean };
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (options.tty === true) stderr.isTTY = true;
  if (options.stdinTty === true) stdin.isTTY = true;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  stdin.end(options.stdin ?? '');
  const code = await main(args, {
    stdout,
    stderr,
    stdin,
    env: options.env ?? { HOME: options.cwd, DOCKER_CONFIG: `${options.cwd}/.docker` },
    cwd: options.cwd,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
