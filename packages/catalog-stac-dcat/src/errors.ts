/** Every failure the catalog package reports carries one of these codes; callers branch on the code. */
export type CatalogErrorCode =
  | 'RECORD_NOT_JSON'
  | 'NOT_STAC'
  | 'NOT_DCAT'
  | 'INVALID_DISTRIBUTION'
  | 'INVALID_RECORD_DIGEST'
  | 'CHECKSUM_CONFLICT'
  | 'UNKNOWN_FILE'
  | 'SCHEMA_INVALID'
  | 'RECORD_TOO_DEEP'
  | 'CATALOG_INTERNAL';

/** The convention of every `@sealpack/*` package (see `OciErrorKind`): the CLI maps it to an exit status. */
export type CatalogErrorKind = 'input' | 'verification' | 'internal';

export class CatalogError extends Error {
  override readonly name = 'CatalogError';
  readonly code: CatalogErrorCode;
  /** The record (its file name or id) and the field, as a JSON path, that the fault is in. */
  readonly record: string | undefined;
  readonly path: string | undefined;

  constructor(code: CatalogErrorCode, message: string, options: { record?: string; path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.record = options.record;
    this.path = options.path;
  }

  /** A record that fails validation is a verdict about the record (exit 1); everything else is bad input. */
  get kind(): CatalogErrorKind {
    return this.code === 'CATALOG_INTERNAL' ? 'internal' : this.code === 'SCHEMA_INVALID' ? 'verification' : 'input';
  }
}
