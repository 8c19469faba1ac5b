import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { fixturePath, startRegistryProcess, TEST_PASSWORD, TEST_USER, uniqueRepository, type RegistryProcess } from '@sealpack/test-registry';
import { runCli } from './run-cli.ts';

const registries = inject('registries');
const CA = fixturePath('tls-localhost.crt');

// The real registry serving HTTPS on loopback with a throwaway self-signed certificate (its own CA),
// behind htpasswd auth, so login and the TLS flags are exercised against distribution itself.
let tls: RegistryProcess;
beforeAll(async () => {
  tls = await startRegistryProcess({ kind: 'htpasswd', htpasswdPath: fixturePath('htpasswd') }, { tls: { certificate: CA, key: fixturePath('tls-localhost.key') } });
});
afterAll(async () => {
  await tls?.stop();
});

let cwd: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-tls-'));
  env = { HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker') };
  await writeFile(join(cwd, 'notes.txt'), 'hello\n');
});

const auth = ['-u', TEST_USER, '--password-stdin'];

describe('TLS on loopback against a real registry serving HTTPS (CLI.md "References")', () => {
  it('--ca-file asks for TLS on 127.0.0.1 and trusts the CA; --insecure skips verification', async () => {
    const ref = `${tls.host}/${uniqueRepository()}:v1`;
    const trusted = await runCli(['push', ref, 'notes.txt', ...auth, '--ca-file', CA, '--json'], { cwd, env, stdin: TEST_PASSWORD });
    expect(trusted.stderr).toBe('');
    expect(trusted.code).toBe(0);
    const { digest } = JSON.parse(trusted.stdout) as { digest: string };
    const insecure = await runCli(['resolve', ref, ...auth, '--insecure'], { cwd, env, stdin: TEST_PASSWORD });
    expect(insecure).toMatchObject({ code: 0, stdout: `${digest}\n` });
    const explicit = await runCli(['resolve', ref, ...auth, '--plain-http=false', '--ca-file', CA], { cwd, env, stdin: TEST_PASSWORD });
    expect(explicit).toMatchObject({ code: 0, stdout: `${digest}\n` });
  });

  it('--plain-http=false without a CA fails verification of the self-signed certificate, in one line (exit 3)', async () => {
    const failed = await runCli(['resolve', `${tls.host}/${uniqueRepository()}:v1`, ...auth, '--plain-http=false'], { cwd, env, stdin: TEST_PASSWORD });
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/TLS certificate is not trusted; .* \(DEPTH_ZERO_SELF_SIGNED_CERT/);
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('without TLS flags loopback speaks plain HTTP, which the TLS registry refuses', async () => {
    const failed = await runCli(['resolve', `${tls.host}/${uniqueRepository()}:v1`, ...auth], { cwd, env, stdin: TEST_PASSWORD });
    expect(failed.code).toBe(3);
  });

  it('--plain-http=maybe is a usage error naming the flag', async () => {
    const failed = await runCli(['resolve', `${tls.host}/x:v1`, '--plain-http=maybe'], { cwd, env });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/plain-http/);
  });

  it('login --ca-file checks the credentials over TLS and stores them; later commands use them', async () => {
    const login = await runCli(['login', tls.host, ...auth, '--ca-file', CA], { cwd, env, stdin: TEST_PASSWORD });
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    const config = JSON.parse(await readFile(join(cwd, '.docker', 'config.json'), 'utf8')) as { auths: Record<string, unknown> };
    expect(Object.keys(config.auths)).toEqual([tls.host]);
    const pushed = await runCli(['push', `${tls.host}/${uniqueRepository()}:v1`, 'notes.txt', '--ca-file', CA], { cwd, env });
    expect(pushed.code).toBe(0);
    // Without the CA the same login is not sent in clear over HTTP: it fails instead.
    const noCa = await runCli(['login', tls.host, ...auth], { cwd, env: { HOME: cwd, DOCKER_CONFIG: join(cwd, 'other') }, stdin: TEST_PASSWORD });
    expect(noCa.code).toBe(3);
  });

  it('copy: each side has its own TLS settings (--from-ca-file for the HTTPS source, plain HTTP to the other)', async () => {
    const ref = `${tls.host}/${uniqueRepository()}:v1`;
    expect((await runCli(['push', ref, 'notes.txt', ...auth, '--ca-file', CA], { cwd, env, stdin: TEST_PASSWORD })).code).toBe(0);
    const copied = await runCli(['copy', ref, `${registries.anonymous.host}/${uniqueRepository()}:v1`, '--from-username', TEST_USER, '--from-password-stdin', '--from-ca-file', CA], {
      cwd,
      env,
      stdin: TEST_PASSWORD,
    });
    expect(copied.code).toBe(0);
    // The global --ca-file would ask for TLS on the plain-HTTP destination too, and fail there.
    const global = await runCli(['copy', ref, `${registries.anonymous.host}/${uniqueRepository()}:v1`, '--from-username', TEST_USER, '--from-password-stdin', '--ca-file', CA], {
      cwd,
      env,
      stdin: TEST_PASSWORD,
    });
    expect(global.code).toBe(3);
    expect(global.stderr).toMatch(/the TLS handshake failed; does it speak plain HTTP\?/);
  });
});
