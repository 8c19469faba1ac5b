import { constants as osConstants } from 'node:os';

/** A mistake in how the command was called: exit 2 with a one-line message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE' as const;
}

/** The answer is no (e.g. nothing matched): exit 1 without being a failure of the tool. */
export class NegativeAnswer extends Error {
  override readonly name = 'NegativeAnswer';
  readonly code = 'DENIED' as const;
}

/** Why the command stopped: the signal, and the status a shell expects for it (128 + its number). */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  readonly code = 'INTERRUPTED' as const;
  readonly exitCode: number;

  constructor(signal: NodeJS.Signals) {
    super(`interrupted (${signal})`);
    this.exitCode = 128 + (osConstants.signals[signal] ?? 2);
  }
}
