import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { Interrupted } from './errors.ts';
import { EXIT } from './exit-codes.ts';

/** Everything a command touches outside itself, injected so tests drive it in-process. */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted when the user interrupts (Ctrl-C, SIGTERM): long work stops and cleans up after itself. */
  signal?: AbortSignal;
}

export function processIo(): CliIo {
  endQuietlyWhenStdoutCloses();
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), signal: interruptSignal() };
}

/** The status of a process whose reader went away, as for one ended by SIGPIPE (128 + 13). */
export const EXIT_BROKEN_PIPE = 128 + (osConstants.signals.SIGPIPE ?? 13);

/**
 * `sealpack tags REPO | head -1`: the reader closes the pipe early, which is its right. Node ignores
 * SIGPIPE, so the next write fails with EPIPE, and with no listener that was an uncaught exception
 * and a stack trace. End quietly instead, with the status a shell gives a process SIGPIPE ended.
 */
function endQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
    process.stderr.write(`sealpack: cannot write to standard output: ${error.message}\n`);
    process.exit(EXIT.TRANSPORT);
  });
}

/**
 * SIGINT and SIGTERM abort the running command instead of ending the process on the spot, so
 * temp files are removed and connections closed on the way out (a bare Ctrl-C left a pull's
 * half-written temp file behind). A second signal ends the process at once, for work that does
 * not stop soon enough.
 */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    const reason = new Interrupted(signal);
    if (controller.signal.aborted) process.exit(reason.exitCode);
    controller.abort(reason);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

/** The `signal` option of a library call, when this run can be interrupted. */
export function signalOption(io: CliIo): { signal?: AbortSignal } {
  return io.signal === undefined ? {} : { signal: io.signal };
}

export async function readStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
