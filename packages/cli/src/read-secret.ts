import { Interrupted, UsageError } from './errors.ts';
import type { CliIo } from './io.ts';

type RawInput = CliIo['stdin'] & { setRawMode?: (raw: boolean) => unknown };

/** Reads one line from a terminal without echoing it (raw mode); Ctrl-C or Ctrl-D abandon. */
export function readSecret(io: CliIo, prompt: string): Promise<string> {
  const input = io.stdin as RawInput;
  if (input.isTTY !== true || input.setRawMode === undefined) {
    return Promise.reject(new UsageError('no terminal to ask for a password: use -u USER --password-stdin'));
  }
  io.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let secret = '';
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      io.stderr.write('\n');
      if (error === undefined) resolve(secret);
      else reject(error);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        // Ctrl-C: what SIGINT would have been outside raw mode. Ctrl-D: no password given.
        if (ch === '\u0003') return finish(new Interrupted('SIGINT'));
        if (ch === '\u0004') return finish(new UsageError('login abandoned'));
        if (ch === '\u007f' || ch === '\b') secret = secret.slice(0, -1);
        else secret += ch;
      }
    };
    input.on('data', onData);
  });
}
