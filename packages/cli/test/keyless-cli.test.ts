import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

describe('keyless from a SigningConfig file and a CI job token, verified by issuer pattern and thresholds', () => {
  it("signs with the services a signing config names and the CI provider's token, and reports who and when", async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'sealpack-signing-config-'));
    // A GitHub Actions-like token endpoint: the job's bearer token buys an OIDC token for 'sigstore'.
    const asked: string[] = [];
    const tokens = createServer((req, res) => {
      asked.push(`${req.headers.authorization ?? ''} ${new URL(req.url ?? '/', 'http://x').searchParams.get('audience') ?? ''}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: oidcToken({ iss: 'https://token.actions.example', sub: 'repo:org/data:ref:refs/heads/main' }) }));
    });
    await new Promise<void>((resolve) => tokens.listen(0, '127.0.0.1', resolve));
    try {
      const env = {
        HOME: cwd,
        DOCKER_CONFIG: join(cwd, '.docker'),
        ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${(tokens.address() as AddressInfo).port}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'job-secret',
      };
      const since = '2020-01-01T00:00:00Z';
      await writeFile(
        join(cwd, 'signing_config.json'),
        JSON.stringify({
          mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
          caUrls: [{ url: services.fulcioURL, majorApiVersion: 1, validFor: { start: since } }],
          rekorTlogUrls: [{ url: services.rekorURL, majorApiVersion: 1, validFor: { start: since } }],
          tsaUrls: [{ url: services.tsaURL, majorApiVersion: 1, validFor: { start: since } }],
          rekorTlogConfig: { selector: 'ANY' },
          tsaConfig: { selector: 'ANY' },
        }),
      );
      await writeFile(join(cwd, 'trusted_root.json'), JSON.stringify(services.trustedRoot));
      await writeFile(join(cwd, 'data.txt'), 'from a CI job\n');
      expect((await runCli(['push', 'ocidir://lay:v1', 'data.txt'], { cwd, env })).code).toBe(0);
      const signed = await runCli(['sign', 'ocidir://lay:v1', '--signing-config', 'signing_config.json'], { cwd, env });
      expect(signed).toMatchObject({ code: 0, stderr: '' });
      expect(asked).toEqual(['Bearer job-secret sigstore']);
      // cosign's --oidc-provider picks one source: here the environment, which has no token.
      expect(await runCli(['sign', 'ocidir://lay:v1', '--signing-config', 'signing_config.json', '--oidc-provider', 'env'], { cwd, env })).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/keyless with --identity-token/),
      });
      expect(await runCli(['sign', 'ocidir://lay:v1', '--oidc-provider', 'spiffe'], { cwd, env })).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/--oidc-provider 'spiffe': one of env, github-actions, filesystem/),
      });
      expect(asked).toHaveLength(1);

      const who = ['--certificate-identity-regexp', '^repo:org/data:', '--certificate-oidc-issuer-regexp', '^https://token\\.actions\\.', '--trusted-root', 'trusted_root.json'];
      const verified = await runCli(['verify', 'ocidir://lay:v1', ...who, '--timestamp-threshold', '2', '--json'], { cwd, env });
      expect(verified.code).toBe(0);
      expect(JSON.parse(verified.stdout)).toMatchObject({
        signatures: [{ valid: true, identity: 'repo:org/data:ref:refs/heads/main', issuer: 'https://token.actions.example', tlogIndex: expect.stringMatching(/^\d+$/), signedAt: expect.any(String) }],
      });
      const lines = await runCli(['verify', 'ocidir://lay:v1', ...who], { cwd, env });
      expect(lines.stdout).toMatch(/^valid {4}sha256:\S+ {2}identity repo:org\/data:ref:refs\/heads\/main \(issuer https:\/\/token\.actions\.example\), tlog index \d+, signed by \S+Z$/m);
      expect((await runCli(['verify', 'ocidir://lay:v1', ...who, '--timestamp-threshold', '3'], { cwd, env })).stderr).toMatch(/expected 3 timestamps, got 2/);

      for (const [args, message] of [
        [['--tlog-threshold', 'many'], /--tlog-threshold 'many': a whole number/],
        [['--timestamp-threshold', '0'], /at least one timestamp/],
        [['--certificate-oidc-issuer', 'https://token.actions.example'], /--certificate-oidc-issuer and --certificate-oidc-issuer-regexp exclude each other/],
      ] as const) {
        expect(await runCli(['verify', 'ocidir://lay:v1', ...who, ...args], { cwd, env })).toMatchObject({ code: 2, stderr: expect.stringMatching(message) });
      }
      await writeFile(join(cwd, 'bad_config.json'), JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json', rekorTlogConfig: { selector: 'ALL' } }));
      expect(await runCli(['sign', 'ocidir://lay:v1', '--signing-config', 'bad_config.json'], { cwd, env })).toMatchObject({ code: 2, stderr: expect.stringMatching(/selector ALL is not supported/) });
    } finally {
      await new Promise<void>((resolve) => tokens.close(() => resolve()));
    }
  });
});
