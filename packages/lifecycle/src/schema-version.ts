import { LifecycleError } from './errors.ts';

/** The annotation a platform artifact declares its schema version in (MAJOR.MINOR.PATCH). */
export const SCHEMA_VERSION_ANNOTATION = 'dev.sealpack.schema-version';

/**
 * Whether a consumer that accepts `accept` (`MAJOR`, or `MAJOR.MINOR` for "this minor or later")
 * may take an artifact declaring `declared`. Semantic versioning: another major is incompatible
 * and refused; a later minor or any patch is accepted. An artifact that declares no version
 * makes no promise to break, and is taken.
 */
export function checkSchemaVersion(declared: string | undefined, accept: string, what = 'the artifact'): void {
  const range = /^(\d+)(?:\.(\d+))?$/.exec(accept);
  if (range === null) throw new LifecycleError('INVALID_CONFIG', `schema range '${accept}': want MAJOR or MAJOR.MINOR`);
  if (declared === undefined) return;
  const version = /^(\d+)\.(\d+)\.(\d+)$/.exec(declared);
  if (version === null) throw new LifecycleError('SCHEMA_INCOMPATIBLE', `${what} declares schema version '${declared}', not MAJOR.MINOR.PATCH`);
  const [major, minor] = [Number(version[1]), Number(version[2])];
  const [wantMajor, wantMinor] = [Number(range[1]), range[2] === undefined ? 0 : Number(range[2])];
  if (major !== wantMajor) throw new LifecycleError('SCHEMA_INCOMPATIBLE', `${what} has schema ${declared}, a major version this consumer does not accept (it accepts ${wantMajor}.x)`);
  if (minor < wantMinor) throw new LifecycleError('SCHEMA_INCOMPATIBLE', `${what} has schema ${declared}, older than the ${wantMajor}.${wantMinor} this consumer needs`);
}
