import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';

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
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), signal: interruptSignal() };
}

/** Why the command stopped: the signal, and the status a shell expects for it (128 + its number). */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  readonly exitCode: number;

  constructor(signal: NodeJS.Signals) {
    super(`interrupted (${signal})`);
    this.exitCode = 128 + (osConstants.signals[signal] ?? 2);
  }
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
