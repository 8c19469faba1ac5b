import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

// The sigstore-conformance suite's CLI protocol, case by case from ../shared/vectors (read-only):
// `verify-bundle --bundle B (--key K | --certificate-identity I --certificate-oidc-issuer O)
// [--trusted-root T] FILE|sha256:HEX`; exit 0 verified, anything else not.
const root = fileURLToPath(new URL('../../../../shared/vectors/sigstore-conformance/bundle-verify/', import.meta.url));
const IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

async function args(name: string, mode: 'path' | 'digest'): Promise<string[]> {
  const dir = join(root, name);
  const file = (f: string) => join(dir, f);
  const artifact = existsSync(file('artifact')) ? file('artifact') : join(root, '..', 'a.txt');
  const subject =
    mode === 'path'
      ? artifact
      : `sha256:${createHash('sha256')
          .update(await readFile(artifact))
          .digest('hex')}`;
  const who = existsSync(file('key.pub'))
    ? ['--key', file('key.pub')]
    : [
        '--certificate-identity',
        existsSync(file('identity')) ? (await readFile(file('identity'), 'utf8')).trim() : IDENTITY,
        '--certificate-oidc-issuer',
        existsSync(file('issuer')) ? (await readFile(file('issuer'), 'utf8')).trim() : ISSUER,
      ];
  return ['conformance', 'verify-bundle', '--bundle', file('bundle.sigstore.json'), ...who, ...(existsSync(file('trusted_root.json')) ? ['--trusted-root', file('trusted_root.json')] : []), subject];
}

describe('sealpack conformance verify-bundle agrees with every sigstore-conformance case, by path and by digest', async () => {
  const cases = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  it('runs all 62 cases twice and agrees with each', async () => {
    const disagreements: string[] = [];
    let agreed = 0;
    for (const name of cases) {
      for (const mode of ['path', 'digest'] as const) {
        const result = await runCli(await args(name, mode), { cwd: root });
        const verified = result.code === 0;
        if (verified === !name.endsWith('_fail')) agreed++;
        else disagreements.push(`${name} (${mode}): exit ${result.code} ${result.stderr.trim()}`);
        // A failing case is a verdict, never a crash: exit 1 or 2, one line.
        if (!verified) expect([1, 2], `${name} (${mode})`).toContain(result.code);
      }
    }
    expect(disagreements).toEqual([]);
    expect(agreed).toBe(124);
  });
});
