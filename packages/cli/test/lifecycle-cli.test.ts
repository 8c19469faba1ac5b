import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_PASSWORD, TEST_USER, uniqueRepository } from '@sealpack/test-registry';
import { runCli } from './run-cli.ts';

const ENVIRONMENTS = fileURLToPath(new URL('../../lifecycle/examples/environments.yaml', import.meta.url));
let cwd: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-lifecycle-cli-'));
  env = { HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker'), COSIGN_PASSWORD: 'lifecycle' };
});

async function ok(args: string[]) {
  const result = await runCli(args, { cwd, env });
  expect({ args, code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ args, code: 0, stderr: '' });
  return result;
}

describe('sealpack promote / history / rollback with the example environments (real registry)', () => {
  it('promotes a signed, attested release through dev, staging and prod; refuses the unsigned one with every reason; rolls back; history shows it', async () => {
    const repo = `${inject('registries').anonymous.host}/${uniqueRepository()}`;
    await ok(['generate-key-pair']);
    const digests: Record<string, string> = {};
    for (const version of ['1.0.0', '2.0.0', '3.0.0']) {
      await writeFile(join(cwd, 'parks.geojson'), `{"version":"${version}"}`);
      const labels = ['-a', `org.opencontainers.image.version=${version}`, '-a', 'org.opencontainers.image.licenses=CC-BY-4.0', '-a', 'dev.sealpack.sensitivity=public'];
      digests[version] = (JSON.parse((await ok(['push', `${repo}:${version}`, 'parks.geojson', ...labels, '--json'])).stdout) as { digest: string }).digest;
      if (version === '3.0.0') continue; // unsigned
      await ok(['sign', `${repo}:${version}`, '--key', 'cosign.key', '--tlog-upload=false']);
      await ok(['provenance', 'build', '--output', `${repo}:${version}`, '--input', 'parks.geojson', '-o', `run-${version}`]);
      await ok(['attest', `${repo}:${version}`, '--predicate', `run-${version}/prov.jsonld`, '--type', 'prov', '--key', 'cosign.key', '--tlog-upload=false']);
    }
    const keys = ['--config', ENVIRONMENTS, '--key', 'cosign.pub', '--insecure-ignore-tlog', '--signing-key', 'cosign.key', '--tlog-upload=false'];
    const pinned = (version: string) => `${repo}@${digests[version]}`;

    expect(await runCli(['promote', pinned('1.0.0'), '--to', 'prod', ...keys], { cwd, env })).toMatchObject({ code: 1, stderr: expect.stringMatching(/never promoted to staging/) });
    for (const to of ['dev', 'staging', 'prod']) await ok(['promote', pinned('1.0.0'), '--to', to, ...keys]);
    const refused = await runCli(['promote', pinned('3.0.0'), '--to', 'dev', ...keys], { cwd, env });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^✘ signed /m);
    expect(refused.stdout).toMatch(/^✘ provenance /m);
    expect((await ok(['tags', repo])).stdout).not.toContain('3.0.0-dev');
    for (const to of ['dev', 'staging', 'prod']) await ok(['promote', pinned('2.0.0'), '--to', to, ...keys]);
    expect((await ok(['resolve', `${repo}:prod`])).stdout.trim()).toBe(digests['2.0.0']);

    const back = await ok(['rollback', repo, '--env', 'prod', ...keys, '--json']);
    expect(JSON.parse(back.stdout)).toMatchObject({ environment: 'prod', tag: 'prod', reference: `oci://${pinned('1.0.0')}` });
    expect((await ok(['resolve', `${repo}:prod`])).stdout.trim()).toBe(digests['1.0.0']);

    const history = await ok(['history', repo, '--env', 'prod', '--key', 'cosign.pub', '--insecure-ignore-tlog']);
    const lines = history.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`prod +prod +${digests['1.0.0']}  \\(rollback\\)  signed by key `));
    expect(lines[1]).toContain(digests['2.0.0']);
    expect(lines[2]).toContain(digests['1.0.0']);
    const all = JSON.parse((await ok(['history', repo, '--key', 'cosign.pub', '--insecure-ignore-tlog', '--json'])).stdout) as { entries: unknown[] };
    expect(all.entries).toHaveLength(7);

    // Retention: keep what reached prod; gc plans first, deletes only with --apply, and what stays still verifies.
    await writeFile(join(cwd, 'retention.yaml'), 'apiVersion: sealpack.dev/retention/v1\nkind: Retention\nkeep:\n  environments: [prod]\n');
    const gcArgs = ['gc', repo, '--policy', 'retention.yaml', '--key', 'cosign.pub', '--insecure-ignore-tlog'];
    const planned = await ok(gcArgs);
    expect(planned.stdout).toMatch(new RegExp(`^remove {2}${digests['3.0.0']}  3\\.0\\.0  with 0 referrer\\(s\\)$`, 'm'));
    expect(planned.stderr).toMatch(/dry run: 1 artifact\(s\) would go/);
    expect((await ok(['tags', repo])).stdout).toContain('3.0.0');
    const applied = JSON.parse((await ok([...gcArgs, '--apply', '--json'])).stdout) as { deleted: { manifests: number }; keep: unknown[] };
    expect(applied).toMatchObject({ deleted: { manifests: 1 }, keep: [expect.anything(), expect.anything()] });
    expect((await ok(['tags', repo])).stdout).not.toMatch(/^3\.0\.0$/m);
    for (const version of ['1.0.0', '2.0.0']) await ok(['verify', pinned(version), '--key', 'cosign.pub', '--insecure-ignore-tlog']);

    for (const [args, code, message] of [
      [['gc', repo, '--key', 'cosign.pub'], 2, /--policy FILE is required/],
      [['promote', pinned('1.0.0'), '--to', 'qa', ...keys], 2, /no environment qa; the config has dev, staging, prod/],
      [['promote', pinned('1.0.0'), '--to', 'dev', '--key', 'cosign.pub'], 2, /--config FILE is required/],
      [['rollback', repo, '--env', 'prod', '--to', 'sha256:nope', ...keys], 2, /--to 'sha256:nope': want sha256:<64 hex>/],
      [['rollback', repo, '--env', 'dev', ...keys], 2, /only a moving tag can be rolled back/],
    ] as const) {
      expect(await runCli([...args], { cwd, env })).toMatchObject({ code, stderr: expect.stringMatching(message) });
    }
  });
});

describe('schema versions on pull', () => {
  it('pulls a compatible schema, refuses another major before writing a file', async () => {
    await writeFile(join(cwd, 'roads.json'), '{"roads":[]}');
    await ok(['push', 'ocidir://schema:v2', 'roads.json', '-a', 'dev.sealpack.schema-version=2.3.1']);
    await ok(['pull', 'ocidir://schema:v2', '-o', 'ok', '--accept-schema', '2.1']);
    const refused = await runCli(['pull', 'ocidir://schema:v2', '-o', 'refused', '--accept-schema', '3'], { cwd, env });
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/schema 2\.3\.1, a major version this consumer does not accept \(it accepts 3\.x\)/) });
    await expect(import('node:fs/promises').then((fs) => fs.access(join(cwd, 'refused')))).rejects.toThrow();
    expect(await runCli(['pull', 'ocidir://schema:v2', '--accept-schema', 'latest'], { cwd, env })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--accept-schema 'latest': MAJOR or MAJOR\.MINOR/),
    });
  });
});

describe('promotion into an environment in another, authenticated registry', () => {
  it('copies with every referrer using the --to- credentials, which the source never sees', async () => {
    const source = `${inject('registries').anonymous.host}/${uniqueRepository()}`;
    const prodRepo = `${inject('registries').basic.host}/${uniqueRepository('prod')}`;
    await ok(['generate-key-pair', '--output-key-prefix', 'cross']);
    await writeFile(join(cwd, 'cross.json'), '{"cross":true}');
    const digest = (
      JSON.parse(
        (
          await ok([
            'push',
            `${source}:1.0.0`,
            'cross.json',
            '-a',
            'org.opencontainers.image.version=1.0.0',
            '-a',
            'org.opencontainers.image.licenses=CC-BY-4.0',
            '-a',
            'dev.sealpack.sensitivity=public',
            '--json',
          ])
        ).stdout,
      ) as { digest: string }
    ).digest;
    await ok(['sign', `${source}@${digest}`, '--key', 'cross.key', '--tlog-upload=false']);
    await ok(['provenance', 'build', '--output', `${source}@${digest}`, '--input', 'cross.json', '-o', 'cross-run']);
    await ok(['attest', `${source}@${digest}`, '--predicate', 'cross-run/prov.jsonld', '--type', 'prov', '--key', 'cross.key', '--tlog-upload=false']);
    const policy = fileURLToPath(new URL('../../policy/examples/baseline.yaml', import.meta.url));
    await writeFile(
      join(cwd, 'cross-envs.yaml'),
      `apiVersion: sealpack.dev/lifecycle/v1\nkind: Environments\npolicy: ${policy}\nlockSettleMs: 50\nenvironments:\n  prod:\n    tag: 'v{version}'\n    repository: ${prodRepo}\n`,
    );
    const keys = ['--config', 'cross-envs.yaml', '--key', 'cross.pub', '--insecure-ignore-tlog', '--signing-key', 'cross.key', '--tlog-upload=false'];
    // Without credentials for the destination the promotion cannot happen there.
    const noCredentials = await runCli(['promote', `${source}@${digest}`, '--to', 'prod', ...keys], { cwd, env });
    expect(noCredentials).toMatchObject({ code: 3, stderr: expect.stringMatching(/auth|credential|401|denied/i) });
    const promoted = await runCli(['promote', `${source}@${digest}`, '--to', 'prod', ...keys, '--to-username', TEST_USER, '--to-password-stdin', '--json'], { cwd, env, stdin: TEST_PASSWORD });
    expect(promoted.code).toBe(0);
    expect(JSON.parse(promoted.stdout)).toMatchObject({ tag: 'v1.0.0', copied: true });
    const there = await runCli(['verify', `${prodRepo}:v1.0.0`, '--key', 'cross.pub', '--insecure-ignore-tlog', '-u', TEST_USER, '--password-stdin'], { cwd, env, stdin: TEST_PASSWORD });
    expect(there.code).toBe(0);
  });
});

describe('gc and the promotion history (real registry)', () => {
  it('keeps what history names; --include-history needs --archive-to, lists what history loses, archives to an OCI layout before deleting, and deletes nothing when the archive fails', async () => {
    const repo = `${inject('registries').anonymous.host}/${uniqueRepository()}`;
    await ok(['generate-key-pair', '--output-key-prefix', 'gc']);
    await writeFile(join(cwd, 'signed.yaml'), 'apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata:\n  name: signed\nrules:\n  - id: signed\n    type: signatures\n    minimum: 1\n');
    await writeFile(join(cwd, 'gc-envs.yaml'), 'apiVersion: sealpack.dev/lifecycle/v1\nkind: Environments\npolicy: signed.yaml\nlockSettleMs: 0\nenvironments:\n  prod:\n    tag: prod\n');
    const keys = ['--key', 'gc.pub', '--insecure-ignore-tlog'];
    const digests: string[] = [];
    for (const version of ['1.0.0', '2.0.0']) {
      await writeFile(join(cwd, 'roads.json'), `{"version":"${version}"}`);
      digests.push((JSON.parse((await ok(['push', `${repo}:${version}`, 'roads.json', '-a', 'dev.sealpack.sensitivity=public', '--json'])).stdout) as { digest: string }).digest);
      await ok(['sign', `${repo}:${version}`, '--key', 'gc.key', '--tlog-upload=false']);
      await ok(['promote', `${repo}:${version}`, '--to', 'prod', '--config', 'gc-envs.yaml', ...keys, '--signing-key', 'gc.key', '--tlog-upload=false']);
    }
    const [v1, v2] = digests as [string, string];
    const history = async (where: string) => (JSON.parse((await ok(['history', where, ...keys, '--json'])).stdout) as { entries: Array<{ digest: string }> }).entries.map((e) => e.digest);
    await writeFile(join(cwd, 'last-one.yaml'), 'apiVersion: sealpack.dev/retention/v1\nkind: Retention\nkeep:\n  lastPerEnvironment: 1\n');
    const gc = ['gc', repo, '--policy', 'last-one.yaml', ...keys];

    await ok([...gc, '--apply']);
    expect(await history(repo)).toEqual([v2, v1]);
    expect((await ok(gc)).stdout).toMatch(new RegExp(`^keep {4}${v1}  1\\.0\\.0  \\(named in the history of prod\\)$`, 'm'));

    const usage = await runCli([...gc, '--include-history'], { cwd, env });
    expect(usage).toMatchObject({ code: 2, stderr: expect.stringMatching(/^[^\n]*--include-history needs --archive-to REF[^\n]*\n?$/) });
    const planned = await ok([...gc, '--include-history', '--archive-to', 'ocidir://gc-archive']);
    expect(planned.stdout).toMatch(new RegExp(`^remove {2}${v1}  1\\.0\\.0  with 2 referrer\\(s\\)\\n {2}loses {2}\\S+  prod  prod  record sha256:[a-f0-9]{64}$`, 'm'));

    const unreachable = await runCli([...gc, '--include-history', '--archive-to', '127.0.0.1:1/archive', '--apply'], { cwd, env });
    expect(unreachable.code).toBe(3);
    expect(await history(repo)).toEqual([v2, v1]);

    await ok([...gc, '--include-history', '--archive-to', 'ocidir://gc-archive', '--apply']);
    expect(await history(repo)).toEqual([v2]);
    expect(await history('ocidir://gc-archive')).toEqual([v1]);
    await ok(['verify', `ocidir://gc-archive@${v1}`, ...keys]);

    // No other deletion takes history with it: neither the promoted artifact nor its record.
    const record = (JSON.parse((await ok(['history', repo, ...keys, '--json'])).stdout) as { entries: Array<{ record: string }> }).entries[0]?.record;
    for (const digest of [v2, record]) {
      expect(await runCli(['manifest', 'delete', `${repo}@${digest}`, '--force'], { cwd, env })).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/out of history .*--include-history --archive-to REF/),
      });
    }
    expect(await history(repo)).toEqual([v2]);
  });
});
