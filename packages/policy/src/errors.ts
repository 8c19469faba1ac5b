/** Every failure the policy package reports carries one of these codes; callers branch on the code. */
export type PolicyErrorCode = 'INVALID_POLICY' | 'POLICY_DENIED' | 'DESTINATION_DENIED' | 'POLICY_INTERNAL';

/** The convention of every `@sealpack/*` package: a deny is `verification` (exit 1), a bad policy file `input` (exit 2). */
export type PolicyErrorKind = 'input' | 'verification' | 'internal';

const KIND: Record<PolicyErrorCode, PolicyErrorKind> = { INVALID_POLICY: 'input', POLICY_DENIED: 'verification', DESTINATION_DENIED: 'verification', POLICY_INTERNAL: 'internal' };

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly code: PolicyErrorCode;
  /** Where in the policy file, when the fault has a place: `policy.yaml:12:5`. */
  readonly location: string | undefined;

  constructor(code: PolicyErrorCode, message: string, options: { location?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.location = options.location;
  }

  get kind(): PolicyErrorKind {
    return KIND[this.code];
  }
}
