import { createInterface } from 'node:readline/promises';
import { Interrupted } from './errors.ts';
import type { CliIo } from './io.ts';

/**
 * Asks one question on the terminal and returns the line typed. Ctrl-C typed at it (a keystroke:
 * readline keeps the terminal in raw mode, so no SIGINT is sent) is an interrupt, exit 130, as
 * SIGINT is everywhere else; readline itself rejects with an AbortError.
 */
export async function ask(io: CliIo, question: string): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
  try {
    return await rl.question(question);
  } catch (error) {
    throw (error as Error).name === 'AbortError' ? new Interrupted('SIGINT') : error;
  } finally {
    rl.close();
  }
}
