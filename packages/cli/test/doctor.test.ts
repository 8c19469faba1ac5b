import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { runCli } from './run-cli.ts';

const registries = inject('registries');
let cwd: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-doctor-'));
  env = { HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker'), COSIGN_PASSWORD: 'doctor' };
});
const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

describe('sealpack doctor', () => {
  it('finds everything in order: the registry reads and takes pushes, its referrers mode, the clock, the key, the trust root', async () => {
    expect((await runCli(['generate-key-pair'], { cwd, env })).code).toBe(0);
    const result = await runCli(['doctor', `${registries.anonymous.host}/${uniqueRepository()}`, '--key', 'cosign.key', '--json'], {
      cwd,
      env: { ...env, SIGSTORE_ID_TOKEN: jwt({ iss: 'https://issuer.example', exp: Math.floor(Date.now() / 1000) + 600 }) },
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: Array<{ name: string; status: string; detail: string }> };
    expect(report.ok).toBe(true);
    expect(Object.fromEntries(report.checks.map((c) => [c.name, c.status]))).toEqual({
      node: 'ok',
      pull: 'ok',
      push: 'ok',
      referrers: 'ok',
      clock: 'ok',
      key: 'ok',
      'oidc token': 'ok',
      'trust root': 'ok',
    });
    // distribution 2.8 has no referrers API: doctor says the fallback is used.
    expect(report.checks.find((c) => c.name === 'referrers')?.detail).toMatch(/tag-schema fallback/);
  });

  it('says what fails and how to fix it: no credentials, a wrong key password, an expired token (exit 1)', async () => {
    expect((await runCli(['generate-key-pair'], { cwd, env })).code).toBe(0);
    const result = await runCli(['doctor', `${registries.basic.host}/${uniqueRepository()}`, '--key', 'cosign.key'], {
      cwd,
      env: { ...env, COSIGN_PASSWORD: 'wrong', SIGSTORE_ID_TOKEN: jwt({ exp: 1 }) },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^✘ pull .*\n {2}fix: sealpack login /m);
    expect(result.stdout).toMatch(/^✘ key .*\n {2}fix: set COSIGN_PASSWORD/m);
    expect(result.stdout).toMatch(/^✘ oidc token +SIGSTORE_ID_TOKEN expired at 1970-01-01T00:00:01\.000Z/m);
    expect(result.stderr).toMatch(/3 check\(s\) failed: pull, key, oidc token/);
    expect(await runCli(['doctor', 'ocidir://lay'], { cwd, env })).toMatchObject({ code: 2, stderr: expect.stringMatching(/checks a registry repository/) });
  });
});
