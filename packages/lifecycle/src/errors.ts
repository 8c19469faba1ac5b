/** Every failure the lifecycle package reports carries one of these codes; callers branch on the code. */
export type LifecycleErrorCode =
  | 'INVALID_CONFIG'
  | 'INVALID_LABEL'
  | 'UNKNOWN_ENVIRONMENT'
  | 'NOT_PROMOTED_FROM'
  | 'PROMOTION_DENIED'
  | 'IMMUTABLE_TAG'
  | 'LOST_RACE'
  | 'SCHEMA_INCOMPATIBLE'
  | 'HISTORY_NOT_ARCHIVED'
  | 'ARCHIVE_INCOMPLETE'
  | 'STALE_PLAN'
  | 'LIFECYCLE_INTERNAL';

/** A refusal is `verification` (exit 1); a bad config or environment name `input` (exit 2). */
export type LifecycleErrorKind = 'input' | 'verification' | 'internal';

const KIND: Record<LifecycleErrorCode, LifecycleErrorKind> = {
  INVALID_CONFIG: 'input',
  INVALID_LABEL: 'input',
  UNKNOWN_ENVIRONMENT: 'input',
  NOT_PROMOTED_FROM: 'verification',
  PROMOTION_DENIED: 'verification',
  IMMUTABLE_TAG: 'verification',
  LOST_RACE: 'verification',
  SCHEMA_INCOMPATIBLE: 'verification',
  // Deleting what a history names was asked for without saying where it goes first.
  HISTORY_NOT_ARCHIVED: 'input',
  ARCHIVE_INCOMPLETE: 'verification',
  // The registry changed since the gc plan was made (a promotion since): nothing is deleted; plan again.
  STALE_PLAN: 'verification',
  LIFECYCLE_INTERNAL: 'internal',
};

export class LifecycleError extends Error {
  override readonly name = 'LifecycleError';
  readonly code: LifecycleErrorCode;

  constructor(code: LifecycleErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }

  get kind(): LifecycleErrorKind {
    return KIND[this.code];
  }
}
