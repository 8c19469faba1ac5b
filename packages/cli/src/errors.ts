import { constants as osConstants } from 'node:os';

/** A mistake in how the command was called: exit 2 with a one-line message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE' as const;
  readonly kind = 'input' as const;
}

/**
 * `--offline` promises no request at all: a reference found in evidence (a PROV input, a lineage
 * link) that names a registry is not followed, and what it would have told counts as unknown.
 */
export class OfflineError extends Error {
  override readonly name = 'OfflineError';
  readonly code = 'OFFLINE' as const;
  readonly kind = 'input' as const;
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

/** A service the command needs before it writes anything (a transparency log, Fulcio) did not answer: exit 3. */
export class ServiceUnreachableError extends Error {
  override readonly name = 'ServiceUnreachableError';
  readonly code = 'SERVICE_UNREACHABLE' as const;
  readonly kind = 'transport' as const;
}
