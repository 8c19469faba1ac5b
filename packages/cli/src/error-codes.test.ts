import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeFailure } from './failure.ts';

// The CLI prints an error's `code` and scripts branch on it, whatever package threw it: a code that
// means two things in two packages (a registry 403 and a policy deny were both `DENIED`) cannot be
// branched on. Read from each package's source text, so a new package or code is checked unasked.
const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));

/** The string literals of the `…ErrorCode` union types in one source text. */
function codeUnionLiterals(source: string): string[] {
  const literals: string[] = [];
  for (const union of source.matchAll(/export type \w+ErrorCode\s*=([^;]*);/g)) {
    for (const literal of (union[1] ?? '').matchAll(/'([A-Z0-9_]+)'/g)) literals.push(literal[1] ?? '');
  }
  return literals;
}

/** The codes of error classes that fix theirs in place: `readonly code = 'USAGE' as const`. */
function fixedCodes(source: string): string[] {
  return [...source.matchAll(/readonly code = '([A-Z0-9_]+)'/g)].map((match) => match[1] ?? '');
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => join(folder, file));
}

function codesOf(pkg: string): Set<string> {
  const codes = new Set<string>();
  for (const file of sourceFiles(join(PACKAGES, pkg, 'src'))) {
    const source = readFileSync(file, 'utf8');
    for (const code of [...codeUnionLiterals(source), ...fixedCodes(source)]) codes.add(code);
  }
  return codes;
}

/** Each code that more than one package uses, with those packages. */
function sharedCodes(byPackage: ReadonlyMap<string, ReadonlySet<string>>): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const [pkg, codes] of byPackage) for (const code of codes) owners.set(code, [...(owners.get(code) ?? []), pkg]);
  return new Map([...owners].filter(([, packages]) => packages.length > 1));
}

const packages = readdirSync(PACKAGES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const byPackage = new Map(packages.map((pkg) => [pkg, codesOf(pkg)]));
// The code the CLI gives an error no package typed (a TypeError): the CLI's own.
byPackage.get('cli')?.add(describeFailure(new TypeError('x')).code);

describe('error codes: each names one failure, in one package', () => {
  it('no two packages share an error code', () => {
    expect(Object.fromEntries(sharedCodes(byPackage))).toEqual({});
  });

  it('reads every package, so the check above cannot pass by reading nothing', () => {
    expect(packages).toEqual(expect.arrayContaining(['catalog-stac-dcat', 'cli', 'lifecycle', 'oci-client', 'policy', 'provenance', 'signing']));
    for (const [pkg, codes] of byPackage) expect(codes.size, `codes of ${pkg}`).toBeGreaterThan(0);
    expect([...(byPackage.get('oci-client') ?? [])]).toEqual(expect.arrayContaining(['ACCESS_DENIED', 'NOT_FOUND', 'CREDENTIALS']));
    expect([...(byPackage.get('policy') ?? [])]).toEqual(expect.arrayContaining(['POLICY_DENIED', 'POLICY_INTERNAL']));
    expect([...(byPackage.get('cli') ?? [])]).toEqual(expect.arrayContaining(['USAGE', 'INTERNAL']));
  });

  it('a code reintroduced in a second package is caught', () => {
    const reintroduced = new Map(byPackage);
    reintroduced.set('policy', new Set([...(byPackage.get('policy') ?? []), 'ACCESS_DENIED']));
    expect(Object.fromEntries(sharedCodes(reintroduced))).toEqual({ ACCESS_DENIED: ['oci-client', 'policy'] });
    expect(codeUnionLiterals("export type XErrorCode =\n  | 'A'\n  | 'B';\nconst c = 'C';")).toEqual(['A', 'B']);
  });
});
