import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oidcToken, startSigstoreStandIns, type SigstoreStandIns } from '../../signing/test/fixtures/sigstore-stand-ins.ts';
import { runCli } from './run-cli.ts';

// Keyless from the command line, offline: Fulcio and Rekor stand-ins on 127.0.0.1 (see the fixture).
let services: SigstoreStandIns;
beforeAll(async () => {
  services = await startSigstoreStandIns();
});
afterAll(async () => {
  await services?.stop();
});

describe('sealpack sign / attest keyless and verify by identity', () => {
  it('signs with an identity token, verifies by identity and issuer against a trusted root, and says no to any other identity', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'sealpack-keyless-cli-'));
    const env = { HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker'), SIGSTORE_ID_TOKEN: oidcToken({ iss: 'https://issuer.example', sub: 'ci@example.org' }) };
    await writeFile(join(cwd, 'data.txt'), 'keyless\n');
    await writeFile(join(cwd, 'trusted_root.json'), JSON.stringify(services.trustedRoot));
    await writeFile(join(cwd, 'prov.jsonld'), '{"@graph":[]}');
    expect((await runCli(['push', 'ocidir://lay:v1', 'data.txt'], { cwd, env })).code).toBe(0);
    const urls = ['--fulcio-url', services.fulcioURL, '--rekor-url', services.rekorURL];
    const signed = await runCli(['sign', 'ocidir://lay:v1', ...urls, '--json'], { cwd, env });
    expect(signed.stderr).toBe('');
    expect(signed.code).toBe(0);
    expect((await runCli(['attest', 'ocidir://lay:v1', '--predicate', 'prov.jsonld', '--type', 'prov', ...urls], { cwd, env })).code).toBe(0);

    const who = ['--certificate-oidc-issuer', 'https://issuer.example', '--trusted-root', 'trusted_root.json'];
    const verified = await runCli(['verify', 'ocidir://lay:v1', '--certificate-identity', 'ci@example.org', ...who, '--json'], { cwd, env });
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ verified: true, signatures: [{ valid: true, identity: 'ci@example.org', issuer: 'https://issuer.example' }] });
    expect((await runCli(['verify', 'ocidir://lay:v1', '--certificate-identity-regexp', '^ci@example\\.org$', ...who], { cwd, env })).code).toBe(0);
    expect((await runCli(['verify-attestation', 'ocidir://lay:v1', '--type', 'prov', '--certificate-identity', 'ci@example.org', ...who], { cwd, env })).code).toBe(0);

    const other = await runCli(['verify', 'ocidir://lay:v1', '--certificate-identity', 'someone@example.org', ...who], { cwd, env });
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/none of the 1 signature\(s\).*verifies/);
    expect(
      (
        await runCli(['verify', 'ocidir://lay:v1', '--certificate-identity', 'ci@example.org', '--certificate-oidc-issuer', 'https://else.example', '--trusted-root', 'trusted_root.json'], {
          cwd,
          env,
        })
      ).code,
    ).toBe(1);
    expect(await runCli(['verify', 'ocidir://lay:v1', '--certificate-identity', 'ci@example.org'], { cwd, env })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--certificate-oidc-issuer/),
    });
    expect(await runCli(['verify', 'ocidir://lay:v1', '--certificate-identity-regexp', '(', '--certificate-oidc-issuer', 'x'], { cwd, env })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/not a regular expression/),
    });
  });
});
