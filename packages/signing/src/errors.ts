/** Every failure the signing package reports carries one of these codes; callers branch on the code. */
export type SigningErrorCode = 'INVALID_KEY' | 'INVALID_TRUST_ROOT' | 'WRONG_PASSWORD' | 'UNSUPPORTED_KEY' | 'INVALID_BUNDLE' | 'SIGNATURE_INVALID' | 'SUBJECT_MISMATCH' | 'NO_SIGNATURES' | 'INTERNAL';

/** The convention of every `@sealpack/*` package (see `OciErrorKind`): the CLI maps it to an exit status. */
export type SigningErrorKind = 'input' | 'verification' | 'transport' | 'internal';

const KIND_OF_CODE: Record<SigningErrorCode, SigningErrorKind> = {
  INVALID_KEY: 'input',
  INVALID_TRUST_ROOT: 'input',
  WRONG_PASSWORD: 'input',
  UNSUPPORTED_KEY: 'input',
  INVALID_BUNDLE: 'verification',
  SIGNATURE_INVALID: 'verification',
  SUBJECT_MISMATCH: 'verification',
  NO_SIGNATURES: 'verification',
  INTERNAL: 'internal',
};

export class SigningError extends Error {
  override readonly name = 'SigningError';
  readonly code: SigningErrorCode;

  constructor(code: SigningErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }

  get kind(): SigningErrorKind {
    return KIND_OF_CODE[this.code];
  }
}
