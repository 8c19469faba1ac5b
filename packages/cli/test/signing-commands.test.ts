import { readFile, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { runCli } from './run-cli.ts';

const registries = inject('registries');

let cwd: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-sign-cli-'));
  env = { HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker'), COSIGN_PASSWORD: 'correct horse' };
  await writeFile(join(cwd, 'parks.geojson'), '{"type":"FeatureCollection","features":[]}');
});

describe('generate-key-pair, sign, verify (cosign spelling, key mode, offline)', () => {
  it('makes a cosign key pair, signs a pushed artifact and verifies it, in a layout and the real registry', async () => {
    const made = await runCli(['generate-key-pair', '--json'], { cwd, env });
    expect(made.code).toBe(0);
    const pair = JSON.parse(made.stdout) as { keyId: string };
    expect(pair).toEqual({ privateKey: join(cwd, 'cosign.key'), publicKey: join(cwd, 'cosign.pub'), keyId: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/) });
    expect(await readFile(join(cwd, 'cosign.key'), 'utf8')).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    expect((await stat(join(cwd, 'cosign.key'))).mode & 0o777).toBe(0o600);
    expect(await runCli(['generate-key-pair'], { cwd, env })).toMatchObject({ code: 2, stderr: expect.stringMatching(/exists: refusing to overwrite a key/) });

    for (const base of ['ocidir://lay', `${registries.anonymous.host}/${uniqueRepository()}`]) {
      const pushed = JSON.parse((await runCli(['push', `${base}:v1`, 'parks.geojson', '--json'], { cwd, env })).stdout) as { digest: string };
      const signed = await runCli(['sign', `${base}:v1`, '--key', 'cosign.key', '--tlog-upload=false', '--json'], { cwd, env });
      expect(signed.stderr).toBe('');
      expect(signed.code).toBe(0);
      expect(JSON.parse(signed.stdout)).toMatchObject({ digest: pushed.digest, signature: expect.stringMatching(/@sha256:/) });
      const tree = await runCli(['discover', `${base}:v1`], { cwd, env });
      expect(tree.stdout).toContain('application/vnd.dev.sigstore.bundle.v0.3+json');

      const verified = await runCli(['verify', `${base}:v1`, '--key', 'cosign.pub', '--insecure-ignore-tlog'], { cwd, env });
      expect(verified.code).toBe(0);
      // The verdict names the key by the id generate-key-pair printed.
      expect(verified.stdout).toMatch(new RegExp(`^valid {4}sha256:[a-f0-9]{64} {2}key ${pair.keyId.replace(/[+/]/g, '\\$&')}`, 'm'));
      expect(verified.stdout).toMatch(/Verified .*@sha256:/);
      // As cosign: without a transparency-log entry a key signature passes only when that is waived.
      const strict = await runCli(['verify', `${base}:v1`, '--key', 'cosign.pub'], { cwd, env });
      expect(strict.code).toBe(1);
      expect(strict.stderr).toMatch(/none of the 1 signature\(s\).*verifies .*\[NO_SIGNATURES\]/);
    }
  });

  it('a wrong key, an unsigned artifact and a missing flag each say what is wrong', async () => {
    expect((await runCli(['generate-key-pair', '--output-key-prefix', 'mine'], { cwd, env })).code).toBe(0);
    expect((await runCli(['generate-key-pair', '--output-key-prefix', 'theirs'], { cwd, env })).code).toBe(0);
    expect((await runCli(['push', 'ocidir://lay:v1', 'parks.geojson'], { cwd, env })).code).toBe(0);
    const unsigned = await runCli(['verify', 'ocidir://lay:v1', '--key', 'mine.pub', '--insecure-ignore-tlog', '--json'], { cwd, env });
    expect(unsigned.code).toBe(1);
    expect(JSON.parse(unsigned.stdout)).toMatchObject({ error: { code: 'NO_SIGNATURES', exitCode: 1, message: expect.stringMatching(/no signatures attached/) } });
    expect((await runCli(['sign', 'ocidir://lay:v1', '--key', 'mine.key', '--tlog-upload=false'], { cwd, env })).code).toBe(0);
    const wrong = await runCli(['verify', 'ocidir://lay:v1', '--key', 'theirs.pub', '--insecure-ignore-tlog'], { cwd, env });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/^INVALID {2}sha256:.*SIGNATURE_INVALID/m);

    // As cosign: a signature is recorded in the transparency log unless --tlog-upload=false; one that cannot be reached is exit 3.
    expect(await runCli(['sign', 'ocidir://lay:v1', '--key', 'mine.key', '--rekor-url', 'http://127.0.0.1:9'], { cwd, env })).toMatchObject({ code: 3 });
    expect(await runCli(['sign', 'ocidir://lay:v1', '--tlog-upload=false'], { cwd, env })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/sign with --key FILE, or keyless with --identity-token/),
    });
    expect(await runCli(['sign', 'ocidir://lay:v1', '--key', 'mine.key', '--tlog-upload=false'], { cwd, env: { ...env, COSIGN_PASSWORD: 'wrong' } })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/wrong password for the cosign key .*\[WRONG_PASSWORD\]/),
    });
    await writeFile(join(cwd, 'pw.txt'), 'correct horse\n');
    const { COSIGN_PASSWORD: _, ...withoutPassword } = env;
    expect((await runCli(['sign', 'ocidir://lay:v1', '--key', 'mine.key', '--tlog-upload=false', '--key-password-file', 'pw.txt'], { cwd, env: withoutPassword })).code).toBe(0);
    expect(await runCli(['sign', 'ocidir://lay:v1', '--key', 'mine.key', '--tlog-upload=false'], { cwd, env: withoutPassword })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/COSIGN_PASSWORD/),
    });
    expect(await runCli(['verify', 'ocidir://lay:v1', '--key', 'mine.key'], { cwd, env })).toMatchObject({ code: 2, stderr: expect.stringMatching(/not a public key/) });
  });

  it('attest a PROV document and a large SBOM, then verify-attestation by type gives the predicate back', async () => {
    expect((await runCli(['generate-key-pair'], { cwd, env })).code).toBe(0);
    const ref = `${registries.anonymous.host}/${uniqueRepository()}:v1`;
    expect((await runCli(['push', ref, 'parks.geojson'], { cwd, env })).code).toBe(0);
    await writeFile(join(cwd, 'prov.jsonld'), JSON.stringify({ '@graph': [{ '@id': 'urn:run:1' }] }));
    await writeFile(join(cwd, 'sbom.spdx.json'), JSON.stringify({ spdxVersion: 'SPDX-2.3', packages: Array.from({ length: 40 }, (_, i) => ({ name: `p${i}` })) }));
    const prov = await runCli(['attest', ref, '--predicate', 'prov.jsonld', '--type', 'prov', '--key', 'cosign.key', '--tlog-upload=false', '--json'], { cwd, env });
    expect(prov.code).toBe(0);
    expect(JSON.parse(prov.stdout)).toMatchObject({ predicateType: 'https://sealpack.dev/attestation/prov/v1', detached: false });
    const sbom = await runCli(['attest', ref, '--predicate', 'sbom.spdx.json', '--type', 'spdx', '--key', 'cosign.key', '--tlog-upload=false', '--detach-threshold', '512', '--json'], { cwd, env });
    expect(JSON.parse(sbom.stdout)).toMatchObject({ predicateType: 'https://spdx.dev/Document', detached: true });

    const verified = await runCli(['verify-attestation', ref, '--type', 'spdx', '--key', 'cosign.pub', '--insecure-ignore-tlog', '--json'], { cwd, env });
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ attestations: [{ valid: true, predicate: { spdxVersion: 'SPDX-2.3' } }] });
    expect((await runCli(['verify-attestation', ref, '--type', 'prov', '--key', 'cosign.pub', '--insecure-ignore-tlog'], { cwd, env })).code).toBe(0);
    const none = await runCli(['verify-attestation', ref, '--type', 'cyclonedx', '--key', 'cosign.pub', '--insecure-ignore-tlog'], { cwd, env });
    expect(none).toMatchObject({ code: 1, stderr: expect.stringMatching(/no https:\/\/cyclonedx.org\/bom attestation attached/) });
    expect(await runCli(['attest', ref, '--predicate', 'parks.geojson', '--type', 'nonsense', '--key', 'cosign.key', '--tlog-upload=false'], { cwd, env })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--type 'nonsense'/),
    });
    await writeFile(join(cwd, 'broken.json'), '{');
    expect(await runCli(['attest', ref, '--predicate', 'broken.json', '--type', 'prov', '--key', 'cosign.key', '--tlog-upload=false'], { cwd, env })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/is not JSON/),
    });
  });

  it('--legacy-tags also writes the cosign v2 .sig and .att tags, and verify reports each verdict with its tag', async () => {
    expect((await runCli(['generate-key-pair'], { cwd, env })).code).toBe(0);
    await writeFile(join(cwd, 'prov.jsonld'), '{"@graph":[]}');
    const pushed = JSON.parse((await runCli(['push', 'ocidir://lay:v1', 'parks.geojson', '--json'], { cwd, env })).stdout) as { digest: string };
    const tag = (suffix: string) => `${pushed.digest.replace(':', '-')}.${suffix}`;
    const signed = await runCli(['sign', 'ocidir://lay:v1', '--key', 'cosign.key', '--tlog-upload=false', '--legacy-tags', '--json'], { cwd, env });
    expect(JSON.parse(signed.stdout)).toMatchObject({ signature: expect.stringMatching(/@sha256:/), legacySignature: expect.stringMatching(/@sha256:/) });
    const attested = await runCli(['attest', 'ocidir://lay:v1', '--predicate', 'prov.jsonld', '--type', 'prov', '--key', 'cosign.key', '--tlog-upload=false', '--legacy-tags'], { cwd, env });
    expect(attested.stdout).toMatch(/^cosign v2 tag ocidir:\/\/.*@sha256:/m);
    expect((await runCli(['tags', 'ocidir://lay'], { cwd, env })).stdout.split('\n')).toEqual(expect.arrayContaining([tag('sig'), tag('att')]));

    const verified = await runCli(['verify', 'ocidir://lay:v1', '--key', 'cosign.pub', '--insecure-ignore-tlog'], { cwd, env });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`, under cosign v2 tag ${tag('sig')}`);
    const json = await runCli(['verify-attestation', 'ocidir://lay:v1', '--type', 'prov', '--key', 'cosign.pub', '--insecure-ignore-tlog', '--json'], { cwd, env });
    expect(JSON.parse(json.stdout)).toMatchObject({ attestations: [{ valid: true }, { valid: true, legacyTag: tag('att'), predicate: { '@graph': [] } }] });
  });
});

describe('revoke', () => {
  it('a revocation signed by the trusted key withdraws the artifact for verify and the policy gate, travels with copy -r; a stranger’s does nothing', async () => {
    expect((await runCli(['generate-key-pair'], { cwd, env })).code).toBe(0);
    expect((await runCli(['generate-key-pair', '--output-key-prefix', 'stranger'], { cwd, env })).code).toBe(0);
    expect((await runCli(['push', 'ocidir://lay:v1', 'parks.geojson', '-a', 'org.opencontainers.image.licenses=CC-BY-4.0', '-a', 'dev.sealpack.sensitivity=public'], { cwd, env })).code).toBe(0);
    expect((await runCli(['sign', 'ocidir://lay:v1', '--key', 'cosign.key', '--tlog-upload=false'], { cwd, env })).code).toBe(0);
    const verify = (ref: string) => runCli(['verify', ref, '--key', 'cosign.pub', '--insecure-ignore-tlog'], { cwd, env });
    expect(await runCli(['revoke', 'ocidir://lay:v1', '--key', 'cosign.key', '--tlog-upload=false'], { cwd, env })).toMatchObject({ code: 2, stderr: expect.stringMatching(/needs --reason TEXT/) });
    expect((await runCli(['revoke', 'ocidir://lay:v1', '--reason', 'not mine to revoke', '--key', 'stranger.key', '--tlog-upload=false'], { cwd, env })).code).toBe(0);
    expect((await verify('ocidir://lay:v1')).code).toBe(0);

    const revoked = await runCli(['revoke', 'ocidir://lay:v1', '--reason', 'nesting sites exposed', '--key', 'cosign.key', '--tlog-upload=false', '--json'], { cwd, env });
    expect(JSON.parse(revoked.stdout)).toMatchObject({ reason: 'nesting sites exposed', revocation: expect.stringMatching(/@sha256:/) });
    expect(await verify('ocidir://lay:v1')).toMatchObject({ code: 1, stderr: expect.stringMatching(/is revoked by key .*: nesting sites exposed \[REVOKED\]/) });
    const baseline = new URL('../../policy/examples/baseline.yaml', import.meta.url).pathname;
    const gate = await runCli(['policy', 'check', 'ocidir://lay:v1', '--policy', baseline, '--key', 'cosign.pub', '--insecure-ignore-tlog'], { cwd, env });
    expect(gate.code).toBe(1);
    expect(gate.stdout).toMatch(/^✘ not-revoked +revoked by key .*: nesting sites exposed$/m);

    const remote = `${registries.anonymous.host}/${uniqueRepository()}:v1`;
    expect((await runCli(['copy', '-r', 'ocidir://lay:v1', remote], { cwd, env })).code).toBe(0);
    expect(await verify(remote)).toMatchObject({ code: 1, stderr: expect.stringMatching(/nesting sites exposed/) });
  });
});
