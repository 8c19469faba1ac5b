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
