/** Every failure the provenance package reports carries one of these codes; callers branch on the code. */
export type ProvenanceErrorCode =
  | 'INVALID_JSON'
  | 'DUPLICATE_KEY'
  | 'TOO_DEEP'
  | 'TOO_LARGE'
  | 'INVALID_DOCUMENT'
  | 'DANGLING_REFERENCE'
  | 'REMOTE_CONTEXT'
  | 'INVALID_TIMESTAMP'
  | 'INVALID_DIGEST'
  | 'NOT_CANONICALIZABLE'
  | 'UNREADABLE_FILE'
  | 'PROVENANCE_INTERNAL';

/** The convention of every `@sealpack/*` package (see `OciErrorKind`): the CLI maps it to an exit status. */
export type ProvenanceErrorKind = 'input' | 'internal';

export class ProvenanceError extends Error {
  override readonly name = 'ProvenanceError';
  readonly code: ProvenanceErrorCode;
  /** Where in the document, as a JSON path (`$.@graph[2].used[0]`), when the fault has a place. */
  readonly path: string | undefined;

  constructor(code: ProvenanceErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options.path;
  }

  /** Everything here is about a document or file the caller handed in, except a bug of ours. */
  get kind(): ProvenanceErrorKind {
    return this.code === 'PROVENANCE_INTERNAL' ? 'internal' : 'input';
  }
}
