import { isAbsolute, posix, resolve, sep } from 'node:path';
import { artifactTypeFilter, isMediaType, parseFileArgument, type PackFile } from '@sealpack/oci-client';
import { z } from 'zod';
import type { OptionSpecs } from './command.ts';
import { UsageError } from './errors.ts';

/** An option value that must be a media type (`--artifact-type`), refused with the flag's name. */
export const MediaTypeOption = z.string().refine(isMediaType, 'not a media type (want TYPE/SUBTYPE, e.g. application/vnd.example.v1+json)');

/** Validates option values against a command's schema; the first problem becomes a usage error. */
export function parseOptions<T extends z.ZodType>(schema: T, values: Record<string, unknown>): z.infer<T> {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue === undefined) throw new UsageError('invalid options');
  // Name the option and what was given: zod's own message says neither ("expected number, received NaN").
  const key = issue.path[0];
  if (typeof key !== 'string') throw new UsageError(issue.message);
  const given = values[key];
  throw new UsageError(`--${key}${typeof given === 'string' ? ` '${given}'` : ''}: ${issue.message}`);
}

/** A repeatable string option's values (`--stac A --stac B`), none when it was not given. */
export function stringList(values: Record<string, unknown>, name: string): string[] {
  return Array.isArray(values[name]) ? (values[name] as string[]) : [];
}

/**
 * `FILE[:MEDIATYPE]` arguments, paths taken relative to the command's working directory. As with
 * oras, a relative path inside it keeps its directories in the title (`tiles/z10.pmtiles`), so a
 * pull recreates the layout; an absolute path, or one reaching outside with `..`, is titled by its
 * file name alone.
 */
export function fileArguments(args: readonly string[], cwd: string): PackFile[] {
  return args.map((arg) => {
    const file = parseFileArgument(arg);
    const title = titleFor(file.path);
    return { ...file, path: resolve(cwd, file.path), ...(title === undefined ? {} : { title }) };
  });
}

function titleFor(path: string): string | undefined {
  if (isAbsolute(path)) return undefined;
  const normalised = posix.normalize(path.split(sep).join('/'));
  if (normalised === '..' || normalised.startsWith('../') || !normalised.includes('/')) return undefined;
  return normalised.replace(/\/+$/, '');
}

/**
 * `org.opencontainers.image.created`: SOURCE_DATE_EPOCH (reproducible-builds.org) fixes it;
 * otherwise now, or left out (`null`) when the push asks to be reproducible.
 */
export function createdTime(env: NodeJS.ProcessEnv, reproducible: boolean): Date | null {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000);
  return reproducible ? null : new Date();
}

/** `--include-artifact-type T` / `--exclude-artifact-type T` (repeatable), for copy -r and backup. */
export const ARTIFACT_TYPE_FILTER_OPTIONS = {
  'include-artifact-type': { type: 'string', multiple: true, valueName: 'T', description: 'only referrers of this artifact type, at every depth (a trailing * matches a prefix); repeatable' },
  'exclude-artifact-type': { type: 'string', multiple: true, valueName: 'T', description: 'no referrers of this artifact type, nor theirs (a trailing * matches a prefix); repeatable' },
} as const satisfies OptionSpecs;

const ArtifactTypePattern = z.string().refine((p) => (p.endsWith('*') ? /^[^\s*]+\*$/.test(p) : isMediaType(p)), 'not an artifact type (TYPE/SUBTYPE) or a prefix ending in *');
const ArtifactTypeFilterValues = z.object({
  'include-artifact-type': z.array(ArtifactTypePattern).optional(),
  'exclude-artifact-type': z.array(ArtifactTypePattern).optional(),
});

/** The library's `includeReferrer` predicate from the two options, or nothing when neither was given. */
export function referrerFilterOption(values: Record<string, unknown>): { includeReferrer?: (artifactType: string) => boolean } {
  const parsed = parseOptions(ArtifactTypeFilterValues, values);
  const include = parsed['include-artifact-type'] ?? [];
  const exclude = parsed['exclude-artifact-type'] ?? [];
  return include.length === 0 && exclude.length === 0 ? {} : { includeReferrer: artifactTypeFilter({ include, exclude }) };
}
