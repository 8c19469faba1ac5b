/** Every failure the transport reports carries one of these codes; callers branch on the code. */
export type OciErrorCode =
  | 'INVALID_REFERENCE'
  | 'INVALID_INPUT'
  | 'INVALID_MANIFEST'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'MANIFEST_TOO_LARGE'
  | 'RESPONSE_TOO_LARGE'
  | 'DIGEST_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'UNSUPPORTED'
  | 'PATH_TRAVERSAL'
  | 'PATH_CONFLICT'
  | 'ALREADY_EXISTS'
  | 'OUTPUT_CONFLICT'
  | 'REGISTRY_ERROR'
  | 'NETWORK'
  | 'TIMEOUT'
  | 'IO'
  | 'CREDENTIALS';

/**
 * The broad class of a code, the convention every `@sealpack/*` package follows: `input` (the
 * caller's mistake), `verification` (the content or evidence says no), `transport` (registry,
 * network or I/O), `internal` (a bug). The CLI turns a kind into its exit status (2, 1, 3, 4) and
 * needs no package's error class for it.
 */
export type OciErrorKind = 'input' | 'verification' | 'transport' | 'internal';

const KIND_OF_CODE: Record<OciErrorCode, OciErrorKind> = {
  INVALID_REFERENCE: 'input',
  INVALID_INPUT: 'input',
  ALREADY_EXISTS: 'input',
  // Something in the output directory is in the way whatever --overwrite says: a link, a folder where a file goes.
  OUTPUT_CONFLICT: 'input',
  CREDENTIALS: 'input',
  INVALID_MANIFEST: 'verification',
  PATH_TRAVERSAL: 'verification',
  PATH_CONFLICT: 'verification',
  UNSUPPORTED_MEDIA_TYPE: 'verification',
  MANIFEST_TOO_LARGE: 'verification',
  // A registry answer (a tag list, an endless Link chain) past what a client holds: the registry's doing.
  RESPONSE_TOO_LARGE: 'transport',
  DIGEST_MISMATCH: 'verification',
  SIZE_MISMATCH: 'verification',
  NOT_FOUND: 'transport',
  UNAUTHORIZED: 'transport',
  ACCESS_DENIED: 'transport',
  // The registry cannot do what was asked (HTTP 405/501, no referrers API): its answer, not a typo.
  UNSUPPORTED: 'transport',
  REGISTRY_ERROR: 'transport',
  NETWORK: 'transport',
  TIMEOUT: 'transport',
  IO: 'transport',
};

export interface OciErrorOptions {
  cause?: unknown;
  /** HTTP status when the error came from a registry answer. */
  status?: number;
  /** Whether repeating the same operation may succeed (used by the retry loop). */
  retryable?: boolean;
}

export class OciError extends Error {
  override readonly name = 'OciError';
  readonly code: OciErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(code: OciErrorCode, message: string, options: OciErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
  }

  get kind(): OciErrorKind {
    return KIND_OF_CODE[this.code];
  }
}

export function isOciError(value: unknown, code?: OciErrorCode): value is OciError {
  return value instanceof OciError && (code === undefined || value.code === code);
}
