import type { BundleVerdict } from './verify.ts';

/** Every failure the signing package reports carries one of these codes; callers branch on the code. */
export type SigningErrorCode =
  | 'INVALID_KEY'
  | 'INVALID_TRUST_ROOT'
  | 'INVALID_VERIFY_POLICY'
  | 'INVALID_SIGNING_CONFIG'
  | 'LEGACY_UNSUPPORTED'
  | 'IDENTITY_TOKEN'
  | 'SIGSTORE_SERVICE'
  | 'WRONG_PASSWORD'
  | 'UNSUPPORTED_KEY'
  | 'INVALID_BUNDLE'
  | 'SIGNATURE_INVALID'
  | 'SUBJECT_MISMATCH'
  | 'NO_SIGNATURES'
  | 'REVOKED'
  | 'SIGNING_INTERNAL';

/** The convention of every `@sealpack/*` package (see `OciErrorKind`): the CLI maps it to an exit status. */
export type SigningErrorKind = 'input' | 'verification' | 'transport' | 'internal';

const KIND_OF_CODE: Record<SigningErrorCode, SigningErrorKind> = {
  INVALID_KEY: 'input',
  INVALID_TRUST_ROOT: 'input',
  INVALID_VERIFY_POLICY: 'input',
  INVALID_SIGNING_CONFIG: 'input',
  LEGACY_UNSUPPORTED: 'input',
  IDENTITY_TOKEN: 'input',
  // Fulcio, Rekor or a timestamp authority did not answer as they should: a service failure.
  SIGSTORE_SERVICE: 'transport',
  WRONG_PASSWORD: 'input',
  UNSUPPORTED_KEY: 'input',
  INVALID_BUNDLE: 'verification',
  SIGNATURE_INVALID: 'verification',
  SUBJECT_MISMATCH: 'verification',
  NO_SIGNATURES: 'verification',
  REVOKED: 'verification',
  SIGNING_INTERNAL: 'internal',
};

export class SigningError extends Error {
  override readonly name = 'SigningError';
  readonly code: SigningErrorCode;
  /** A refusal's verdicts (NO_SIGNATURES, REVOKED), for a caller that shows each bundle's. */
  readonly verdicts: readonly BundleVerdict[];

  constructor(code: SigningErrorCode, message: string, options: { cause?: unknown; verdicts?: readonly BundleVerdict[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.verdicts = options.verdicts ?? [];
  }

  get kind(): SigningErrorKind {
    return KIND_OF_CODE[this.code];
  }
}

/**
 * sigstore-js's own failures while signing (`InternalError` with codes such as
 * TLOG_CREATE_ENTRY_ERROR), said in this package's terms so the CLI maps them like any other:
 * an unreadable identity token is the caller's to fix, a service that fails is a transport error.
 */
export function fromSigstoreSigningError(error: unknown): unknown {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || typeof message !== 'string' || error instanceof SigningError) return error;
  const cause = (error as { cause?: { message?: unknown } }).cause;
  const detail = typeof cause?.message === 'string' && !message.includes(cause.message) ? `: ${cause.message}` : '';
  // A service's error body may quote the request, token included: never carried into a message.
  const said = withoutTokens(`${message}${detail}`);
  if (code.startsWith('IDENTITY_TOKEN')) return new SigningError('IDENTITY_TOKEN', `the identity token cannot be used: ${said}`, { cause: error });
  if (/^(TLOG|CA|TSA)_/.test(code)) return new SigningError('SIGSTORE_SERVICE', said, { cause: error });
  return error;
}

/**
 * `text` without JWT-shaped strings (RFC 7519 §3: three base64url parts, the first a JSON object so
 * `eyJ`) or `Bearer` credentials: OIDC identity tokens are bearer secrets for their lifetime.
 */
function withoutTokens(text: string): string {
  return text.replace(/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[redacted]').replace(/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi, 'Bearer [redacted]');
}
