import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

describe('a revocation is judged by its signed payload on every path', () => {
  it('re-wrapped in a referrer of another artifact type without its annotation, verify and policy check both refuse', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'sealpack-rewrap-'));
    const env = { HOME: cwd, COSIGN_PASSWORD: 'rewrap' };
    const ok = async (args: string[]) => {
      const result = await runCli(args, { cwd, env });
      expect(result.code, result.stderr).toBe(0);
      return result.stdout;
    };
    await writeFile(join(cwd, 'parks.geojson'), '{"type":"FeatureCollection","features":[]}\n');
    await writeFile(join(cwd, 'signed.yaml'), 'apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata: { name: signed }\nrules:\n  - { id: signed, type: signatures }\n');
    await ok(['generate-key-pair']);
    for (const where of ['a', 'scratch']) {
      await ok(['push', `ocidir://${where}:v1`, 'parks.geojson', '--reproducible']);
      await ok(['sign', `ocidir://${where}:v1`, '--key', 'cosign.key', '--tlog-upload=false']);
    }
    // The signer revokes the artifact in a scratch copy; its bundle is then carried over under a disguise.
    const revocation = (JSON.parse(await ok(['revoke', 'ocidir://scratch:v1', '--reason', 'wrong boundaries', '--key', 'cosign.key', '--tlog-upload=false', '--json'])) as { revocation: string })
      .revocation;
    const manifest = JSON.parse(await ok(['manifest', 'get', revocation])) as { layers: Array<{ digest: string }> };
    await ok(['blob', 'get', `ocidir://scratch@${manifest.layers[0]?.digest}`, '-o', 'bundle.json']);
    const check = ['policy', 'check', 'ocidir://a:v1', '--policy', 'signed.yaml', '--key', 'cosign.pub', '--insecure-ignore-tlog'];
    const verify = ['verify', 'ocidir://a:v1', '--key', 'cosign.pub', '--insecure-ignore-tlog'];
    expect((await runCli(check, { cwd, env })).code).toBe(0);
    expect((await runCli(verify, { cwd, env })).code).toBe(0);
    await ok(['attach', 'ocidir://a:v1', 'bundle.json:application/vnd.dev.sigstore.bundle.v0.3+json', '--artifact-type', 'application/vnd.example.innocent']);

    const verified = await runCli(verify, { cwd, env });
    expect(verified).toMatchObject({ code: 1, stderr: expect.stringMatching(/is revoked by key .*: wrong boundaries \[REVOKED\]/) });
    const checked = await runCli(check, { cwd, env });
    expect(checked.code).toBe(1);
    expect(checked.stdout).toMatch(/✘ not-revoked +revoked by key .*: wrong boundaries/);
  });
});
