import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Digest } from '@sealpack/oci-client';
import { checkBundle, type BundleCheck } from '../src/conformance.ts';
import { exactly } from '../src/identity.ts';

// sigstore-conformance's bundle-verify cases (../shared/vectors, read-only): a name ending in
// `_fail` must fail. Every case runs twice, with the artifact's path and with its digest only.
const root = fileURLToPath(new URL('../../../../shared/vectors/sigstore-conformance/bundle-verify/', import.meta.url));
const DEFAULT_IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

async function optional(path: string): Promise<string | undefined> {
  return existsSync(path) ? (await readFile(path, 'utf8')).trim() : undefined;
}

async function loadCase(name: string, mode: 'path' | 'digest'): Promise<BundleCheck | Error> {
  const dir = join(root, name);
  let bundle: unknown;
  try {
    bundle = JSON.parse(await readFile(join(dir, 'bundle.sigstore.json'), 'utf8'));
  } catch (error) {
    return error as Error;
  }
  const artifactPath = existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(root, '..', 'a.txt');
  const bytes = await readFile(artifactPath);
  const trustedRoot = await optional(join(dir, 'trusted_root.json'));
  const key = await optional(join(dir, 'key.pub'));
  return {
    bundle,
    artifact: mode === 'path' ? { bytes } : { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest },
    ...(key === undefined ? { identity: (await optional(join(dir, 'identity'))) ?? DEFAULT_IDENTITY, issuer: (await optional(join(dir, 'issuer'))) ?? DEFAULT_ISSUER } : { key }),
    ...(trustedRoot === undefined ? {} : { trustedRoot: JSON.parse(trustedRoot) as unknown }),
  };
}

function passes(check: BundleCheck | Error): { ok: boolean; why: string } {
  if (check instanceof Error) return { ok: false, why: check.message };
  try {
    checkBundle(check);
    return { ok: true, why: '' };
  } catch (error) {
    return { ok: false, why: (error as Error).message };
  }
}

describe('sigstore-conformance bundle-verify cases', async () => {
  const cases = (await readdir(root, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();

  it('has the 62 cases of the suite', () => {
    expect(cases).toHaveLength(62);
  });

  for (const mode of ['path', 'digest'] as const) {
    it.each(cases)(`%s (${mode})`, async (name) => {
      const result = passes(await loadCase(name, mode));
      expect(result.ok, `${name} (${mode}): ${result.why}`).toBe(!name.endsWith('_fail'));
    });
  }
});

describe('certificate identities are exact', () => {
  it('as cosign matches --certificate-identity, not as an unanchored pattern', () => {
    expect(exactly('a@b.c').test('a@b.c')).toBe(true);
    expect(exactly('a@b.c').test('xa@bxc.evil')).toBe(false);
    expect(exactly('https://x/y.yml@refs/heads/main').test('https://x/y.yml@refs/heads/main-evil')).toBe(false);
  });
});

describe('a real public-good cosign attestation (../shared/vectors/cosign), offline', () => {
  const vector = (name: string) => readFile(fileURLToPath(new URL(`../../../../shared/vectors/cosign/${name}`, import.meta.url)), 'utf8');

  it('verifies with its identity and trusted root, for the image digest its statement names, and not for another identity', async () => {
    const bundle = JSON.parse(await vector('oci-attestation.sigstore.json')) as { dsseEnvelope: { payload: string } };
    const trustedRoot = JSON.parse(await vector('trusted_root_pgi.json')) as unknown;
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as { subject: Array<{ digest: { sha256: string } }> };
    const digest = `sha256:${statement.subject[0]?.digest.sha256 ?? ''}` as Digest;
    const check: BundleCheck = { bundle, artifact: { digest }, identity: 'cody@soyland.com', issuer: 'https://github.com/login/oauth', trustedRoot };
    expect(() => checkBundle(check)).not.toThrow();
    expect(() => checkBundle({ ...check, identity: 'someone@else.example' })).toThrow(/does not verify.*identity/);
    expect(() => checkBundle({ ...check, artifact: { digest: `sha256:${'0'.repeat(64)}` } })).toThrow(/does not name the artifact/);
  });
});
