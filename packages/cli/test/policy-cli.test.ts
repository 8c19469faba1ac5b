import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { runCli } from './run-cli.ts';

const BASELINE = fileURLToPath(new URL('../../policy/examples/baseline.yaml', import.meta.url));
let cwd: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-policy-cli-'));
  env = { HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker'), COSIGN_PASSWORD: 'policy' };
  await writeFile(join(cwd, 'parks.geojson'), '{"type":"FeatureCollection","features":[]}');
});

async function ok(args: string[]) {
  const result = await runCli(args, { cwd, env });
  expect({ args, code: result.code }).toEqual({ args, code: 0 });
  return result;
}

describe('sealpack policy check with the baseline example', () => {
  it('allows a signed, provenance-attested, licensed and labelled artifact; denies the unsigned one with exit 1 and says which rule', async () => {
    await ok(['generate-key-pair']);
    const labels = ['-a', 'org.opencontainers.image.licenses=CC-BY-4.0', '-a', 'dev.sealpack.sensitivity=public'];
    const digest = JSON.parse((await ok(['push', 'ocidir://lay:v1', 'parks.geojson', ...labels, '--json'])).stdout).digest as string;
    await ok(['push', 'ocidir://lay:unsigned', 'parks.geojson', '-a', 'org.opencontainers.image.licenses=CC-BY-4.0', '-a', 'dev.sealpack.sensitivity=public', '-a', 'x=unsigned']);
    await ok(['sign', 'ocidir://lay:v1', '--key', 'cosign.key', '--tlog-upload=false']);
    await ok(['provenance', 'build', '--output', 'ocidir://lay:v1', '--input', 'parks.geojson', '-o', 'run']);
    await ok(['attest', 'ocidir://lay:v1', '--predicate', 'run/prov.jsonld', '--type', 'prov', '--key', 'cosign.key', '--tlog-upload=false']);
    const key = ['--key', 'cosign.pub', '--insecure-ignore-tlog'];

    const allowed = await ok(['policy', 'check', 'ocidir://lay:v1', '--policy', BASELINE, '--env', 'dev', ...key]);
    expect(allowed.stdout).toMatch(/^✔ signed /m);
    expect(allowed.stdout).toMatch(/^! pinned /m);
    expect(allowed.stdout).toMatch(/^ALLOW {2}sha256:/m);
    // prod denies a tag (the pinned rule is deny there) and allows the digest.
    expect(await runCli(['policy', 'check', 'ocidir://lay:v1', '--policy', BASELINE, '--env', 'prod', ...key], { cwd, env })).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/denies sha256:[a-f0-9]+: pinned/),
    });
    const json = await ok(['policy', 'check', `ocidir://lay@${digest}`, '--policy', BASELINE, '--env', 'prod', ...key, '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ schema: 'https://sealpack.dev/policy/decision/v1', allow: true, environment: 'prod', violations: [] });

    const denied = await runCli(['policy', 'check', 'ocidir://lay:unsigned', '--policy', BASELINE, '--env', 'dev', ...key, '--format', 'junit'], { cwd, env });
    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain('<testcase classname="sha256:');
    expect(denied.stdout).toMatch(/name="signed"><failure message="needs 1 valid signature\(s\): no signature attached"/);
    expect(denied.stderr).toMatch(/denies sha256:[a-f0-9]+: signed, provenance/);
    // The same artifact with its evidence in the real registry (tag-schema referrers): the same verdict.
    const remote = `${inject('registries').anonymous.host}/${uniqueRepository()}`;
    await ok(['copy', '-r', 'ocidir://lay:v1', `${remote}:v1`]);
    expect((await ok(['policy', 'check', `${remote}@${digest}`, '--policy', BASELINE, '--env', 'prod', ...key])).stdout).toMatch(/^ALLOW /m);
    // Another key: the signature exists but is not valid under it.
    await ok(['generate-key-pair', '--output-key-prefix', 'other']);
    expect((await runCli(['policy', 'check', 'ocidir://lay:v1', '--policy', BASELINE, '--key', 'other.pub', '--insecure-ignore-tlog'], { cwd, env })).stdout).toMatch(/^✘ signed .*SIGNATURE_INVALID/m);
  });

  it('a malformed policy or an unknown environment is exit 2, never an allow', async () => {
    await ok(['push', 'ocidir://lay:v1', 'parks.geojson']);
    await writeFile(join(cwd, 'bad.yaml'), 'apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata: { name: bad }\nrules:\n  - { id: a, type: trustEverything }\n');
    for (const [args, message] of [
      [['--policy', 'bad.yaml'], /bad\.yaml:5:\d+: rules\.0\.type: /],
      [['--policy', BASELINE, '--env', 'qa'], /no environment qa; it has dev, staging, prod/],
      [['--policy', 'absent.yaml'], /cannot read --policy absent\.yaml/],
      [[], /--policy: is required/],
      [['--policy', BASELINE, '--format', 'html'], /--format 'html': table, json or junit/],
    ] as const) {
      const result = await runCli(['policy', 'check', 'ocidir://lay:v1', ...args, '--key', 'cosign.pub'], { cwd, env });
      expect(result).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(message) });
    }
  });
});
