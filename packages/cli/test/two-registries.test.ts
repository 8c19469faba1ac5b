import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  fixturePath,
  MIRROR_PASSWORD,
  MIRROR_USER,
  startRecordingProxy,
  startRegistryProcess,
  TEST_PASSWORD,
  TEST_USER,
  uniqueRepository,
  type RecordingProxy,
  type RegistryProcess,
} from '@sealpack/test-registry';
import { runCli } from './run-cli.ts';

const registries = inject('registries');

// Two real htpasswd registries that know different users, each behind a proxy that records what
// it was sent: the source knows only `sealpack`, the mirror only `mirror`.
let mirror: RegistryProcess;
let source: RecordingProxy;
let destination: RecordingProxy;
beforeAll(async () => {
  mirror = await startRegistryProcess({ kind: 'htpasswd', htpasswdPath: fixturePath('htpasswd-mirror') });
  source = await startRecordingProxy(registries.basic.port);
  destination = await startRecordingProxy(mirror.port);
});
afterAll(async () => {
  await source?.stop();
  await destination?.stop();
  await mirror?.stop();
});

let cwd: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-two-'));
  env = { HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker') };
  await writeFile(join(cwd, 'notes.txt'), 'hello\n');
  await writeFile(join(cwd, 'source.pw'), `${TEST_PASSWORD}\n`);
  await writeFile(join(cwd, 'mirror.pw'), MIRROR_PASSWORD);
});

async function pushToSource(): Promise<string> {
  const repo = `${source.host}/${uniqueRepository()}`;
  const pushed = await runCli(['push', `${repo}:v1`, 'notes.txt', '-u', TEST_USER, '--password-stdin'], { cwd, env, stdin: TEST_PASSWORD });
  expect(pushed.code).toBe(0);
  return repo;
}

describe('copy between two registries: each credential reaches only its own registry (CLI.md)', () => {
  it('--from-… and --to-… flags: the source sees only its user, the mirror only its own', async () => {
    const repo = await pushToSource();
    const before = { source: source.requests.length, destination: destination.requests.length };
    const dst = `${destination.host}/${uniqueRepository()}:v1`;
    const copied = await runCli(['copy', `${repo}:v1`, dst, '--from-username', TEST_USER, '--from-password-file', 'source.pw', '--to-username', MIRROR_USER, '--to-password-stdin', '--json'], {
      cwd,
      env,
      stdin: `${MIRROR_PASSWORD}\n`,
    });
    expect(copied.stderr).toBe('');
    expect(copied.code).toBe(0);
    expect(source.requests.slice(before.source).some((r) => r.url.includes('/manifests/v1'))).toBe(true);
    expect(destination.requests.slice(before.destination).some((r) => r.method === 'PUT' && r.url.includes('/manifests/v1'))).toBe(true);
    expect(source.basicUsers(before.source)).toEqual([TEST_USER]);
    expect(destination.basicUsers(before.destination)).toEqual([MIRROR_USER]);

    // The copy is readable in the mirror with the mirror's own credentials.
    const { digest } = JSON.parse(copied.stdout) as { digest: string };
    const resolved = await runCli(['resolve', dst, '-u', MIRROR_USER, '--password-stdin'], { cwd, env, stdin: MIRROR_PASSWORD });
    expect(resolved.stdout.trim()).toBe(digest);
  });

  it('SEALPACK_FROM_* and SEALPACK_TO_* in the environment do the same', async () => {
    const repo = await pushToSource();
    const before = destination.requests.length;
    const copied = await runCli(['copy', `${repo}:v1`, `${destination.host}/${uniqueRepository()}:v1`], {
      cwd,
      env: { ...env, SEALPACK_FROM_USERNAME: TEST_USER, SEALPACK_FROM_PASSWORD: TEST_PASSWORD, SEALPACK_TO_USERNAME: MIRROR_USER, SEALPACK_TO_PASSWORD: MIRROR_PASSWORD },
    });
    expect(copied.code).toBe(0);
    const sent = destination.requests
      .slice(before)
      .map((r) => r.authorization)
      .filter((a) => a !== undefined);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((a) => a === `Basic ${Buffer.from(`${MIRROR_USER}:${MIRROR_PASSWORD}`).toString('base64')}`)).toBe(true);
  });

  it('plain -u/--password-stdin or SEALPACK_USERNAME on a copy between two registries is refused before any request', async () => {
    const repo = await pushToSource();
    const before = { source: source.requests.length, destination: destination.requests.length };
    const dst = `${destination.host}/${uniqueRepository()}:v1`;
    const flag = await runCli(['copy', `${repo}:v1`, dst, '-u', TEST_USER, '--password-stdin'], { cwd, env, stdin: TEST_PASSWORD });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/-u\/--password-stdin would reach two registries .*--from-username.*--to-/);
    expect(flag.stderr.trim().split('\n')).toHaveLength(1);
    const fromEnv = await runCli(['copy', `${repo}:v1`, dst], { cwd, env: { ...env, SEALPACK_USERNAME: TEST_USER, SEALPACK_PASSWORD: TEST_PASSWORD } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/SEALPACK_USERNAME\/SEALPACK_PASSWORD would reach two registries/);
    expect({ source: source.requests.length, destination: destination.requests.length }).toEqual(before);
  });

  it('plain -u is fine where it reaches one registry: two repositories of it, or a registry and a layout', async () => {
    const repo = await pushToSource();
    const sameRegistry = await runCli(['copy', `${repo}:v1`, `${source.host}/${uniqueRepository()}:v1`, '-u', TEST_USER, '--password-stdin'], { cwd, env, stdin: TEST_PASSWORD });
    expect(sameRegistry.code).toBe(0);
    const toLayout = await runCli(['copy', `${repo}:v1`, 'ocidir://out:v1', '-u', TEST_USER, '--password-stdin'], { cwd, env, stdin: TEST_PASSWORD });
    expect(toLayout.code).toBe(0);
    const restored = await runCli(['restore', 'out', `${destination.host}/${uniqueRepository()}:v1`, '--to-username', MIRROR_USER, '--to-password-file', 'mirror.pw'], { cwd, env });
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
  });

  it('refuses what cannot work: two passwords on one stdin, a password without its user, an unreadable password file', async () => {
    const repo = await pushToSource();
    const dst = `${destination.host}/${uniqueRepository()}:v1`;
    const both = await runCli(['copy', `${repo}:v1`, dst, '--from-username', 'a', '--from-password-stdin', '--to-username', 'b', '--to-password-stdin'], { cwd, env, stdin: 'x' });
    expect(both).toMatchObject({ code: 2, stderr: expect.stringMatching(/standard input holds one password: use --to-password-file FILE/) });
    const noUser = await runCli(['copy', `${repo}:v1`, dst, '--to-password-file', 'mirror.pw'], { cwd, env });
    expect(noUser).toMatchObject({ code: 2, stderr: expect.stringMatching(/--to-password-file needs --to-username/) });
    const noPassword = await runCli(['copy', `${repo}:v1`, dst, '--from-username', 'a'], { cwd, env });
    expect(noPassword).toMatchObject({ code: 2, stderr: expect.stringMatching(/--from-username needs --from-password-stdin or --from-password-file/) });
    const missing = await runCli(['copy', `${repo}:v1`, dst, '--from-username', 'a', '--from-password-file', 'nope.pw'], { cwd, env });
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringMatching(/cannot read --from-password-file nope\.pw: no such file/) });
  });

  it('without credentials for the mirror the copy fails there (exit 3) and the source password was not offered to it', async () => {
    const repo = await pushToSource();
    const before = destination.requests.length;
    const copied = await runCli(['copy', `${repo}:v1`, `${destination.host}/${uniqueRepository()}:v1`, '--from-username', TEST_USER, '--from-password-file', 'source.pw'], { cwd, env });
    expect(copied.code).toBe(3);
    expect(copied.stderr).toMatch(/UNAUTHORIZED/);
    expect(destination.requests.slice(before).every((r) => r.authorization === undefined)).toBe(true);
  });
});
