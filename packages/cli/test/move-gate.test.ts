import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { bytesSource, MEDIA_TYPE_IMAGE_INDEX, openTarget, parseReference, sha256Of } from '@sealpack/oci-client';
import { runCli } from './run-cli.ts';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-move-'));
  await writeFile(join(cwd, 'sites.csv'), 'id,lat,lon\n1,60.17,24.94\n');
  await writeFile(
    join(cwd, 'vault.yaml'),
    "apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata: { name: vault }\nrules:\n  - { id: pinned, type: digestPinned, severity: warn }\ndestinations:\n  public: ['**']\n  restricted: ['ocidir://**/vault', 'ocidir://**/vault.tar']\n",
  );
});

describe('copy, backup and restore ask the judge before writing: restricted data stays home unless a policy lets it go', () => {
  it('without --policy, the built-in default keeps a restricted artifact where it is; unlabelled and public ones move', async () => {
    expect((await runCli(['push', 'ocidir://src:v1', 'sites.csv', '-a', 'dev.sealpack.sensitivity=restricted'], { cwd })).code).toBe(0);
    expect((await runCli(['push', 'ocidir://plain:v1', 'sites.csv'], { cwd })).code).toBe(0);
    expect((await runCli(['push', 'ocidir://open:v1', 'sites.csv', '-a', 'dev.sealpack.sensitivity=public'], { cwd })).code).toBe(0);

    const copied = await runCli(['copy', '-r', 'ocidir://src:v1', 'ocidir://mirror:v1'], { cwd });
    expect(copied.code).toBe(1);
    expect(copied.stdout).toMatch(/✘ destination +the artifact: restricted artifacts go only where a policy's destinations allow, and policy sealpack-default lists none/);
    expect(copied.stderr).toMatch(/policy sealpack-default denies moving sha256:[a-f0-9]+ to ocidir:\/\/\S+mirror: .*; nothing was written \[POLICY_DENIED\]/);
    const backedUp = await runCli(['backup', 'ocidir://src:v1', '-o', 'out.tar'], { cwd });
    expect(backedUp.code).toBe(1);
    expect(await readdir(cwd)).not.toEqual(expect.arrayContaining(['mirror']));
    expect(await readdir(cwd)).not.toContain('out.tar');

    expect((await runCli(['copy', 'ocidir://plain:v1', 'ocidir://mirror-plain:v1'], { cwd })).code).toBe(0);
    // A new tag is a new name to pull it by: judged the same way, in place.
    expect((await runCli(['tag', 'ocidir://src:v1', 'stable'], { cwd })).code).toBe(1);
    expect((await runCli(['resolve', 'ocidir://src:stable'], { cwd })).code).not.toBe(0);
    expect((await runCli(['tag', 'ocidir://plain:v1', 'stable'], { cwd })).code).toBe(0);
    expect((await runCli(['copy', 'ocidir://open:v1', 'ocidir://mirror-open:v1'], { cwd })).code).toBe(0);
  });

  it('with a policy whose destinations allow it, it goes there and only there; a restore is judged by where it lands', async () => {
    expect((await runCli(['push', 'ocidir://src:v1', 'sites.csv', '-a', 'dev.sealpack.sensitivity=restricted'], { cwd })).code).toBe(0);
    expect((await runCli(['copy', 'ocidir://src:v1', 'ocidir://vault:v1', '--policy', 'vault.yaml'], { cwd })).code).toBe(0);
    const elsewhere = await runCli(['copy', 'ocidir://src:v1', 'ocidir://public:v1', '--policy', 'vault.yaml'], { cwd });
    expect(elsewhere).toMatchObject({ code: 1, stderr: expect.stringMatching(/ocidir:\/\/\S+public is not a destination for restricted artifacts \(allowed: ocidir:\/\/\*\*\/vault/) });
    expect((await runCli(['backup', 'ocidir://src:v1', '-o', 'vault.tar', '--policy', 'vault.yaml'], { cwd })).code).toBe(0);

    // Restoring the backup: the judge reads the backup's root, and the destination decides.
    const restored = await runCli(['restore', 'vault.tar', 'ocidir://public:v1'], { cwd });
    expect(restored.code).toBe(1);
    expect(restored.stderr).toMatch(/denies moving sha256:[a-f0-9]+ to ocidir:\/\/\S+public/);
    expect(await readdir(cwd)).not.toContain('public');
    expect((await runCli(['restore', 'vault.tar', 'ocidir://other/vault:v1', '--policy', 'vault.yaml'], { cwd })).code).toBe(0);
    // A policy that asks for a signature: one made with --tlog-upload=false counts with --insecure-ignore-tlog, as in verify.
    await writeFile(join(cwd, 'signed-vault.yaml'), (await readFile(join(cwd, 'vault.yaml'), 'utf8')).replace('rules:\n', 'rules:\n  - { id: signed, type: signatures }\n'));
    expect((await runCli(['generate-key-pair'], { cwd, env: { COSIGN_PASSWORD: 'x' } })).code).toBe(0);
    expect((await runCli(['sign', 'ocidir://src:v1', '--key', 'cosign.key', '--tlog-upload=false'], { cwd, env: { COSIGN_PASSWORD: 'x' } })).code).toBe(0);
    const strict = ['copy', 'ocidir://src:v1', 'ocidir://signed/vault:v1', '--policy', 'signed-vault.yaml', '--key', 'cosign.pub'];
    const noLog = await runCli([...strict, '--json'], { cwd });
    expect(noLog.code).toBe(1);
    expect(JSON.parse(noLog.stdout)).toMatchObject({ allow: false, violations: [{ id: 'signed' }], error: { code: 'POLICY_DENIED' } });
    expect((await runCli([...strict, '--insecure-ignore-tlog', '-q'], { cwd })).stdout.trim()).toMatch(/^ocidir:\/\/signed\/vault@sha256:[a-f0-9]{64}$/);
    // An environment the policy lacks is a usage error before anything is read.
    expect(await runCli(['copy', 'ocidir://src:v1', 'ocidir://vault:v2', '--policy', 'vault.yaml', '--env', 'nope'], { cwd })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/no environment nope/),
    });
  });
});

describe('what travels with the root is judged too', () => {
  it('a restricted manifest inside an unlabelled index, or as a referrer of a public subject, does not leave', async () => {
    expect((await runCli(['push', 'ocidir://src:secret', 'sites.csv', '-a', 'dev.sealpack.sensitivity=restricted'], { cwd })).code).toBe(0);
    // An index with no label of its own that lists the restricted manifest.
    const target = openTarget(parseReference(`ocidir://${join(cwd, 'src')}`));
    const secret = await target.resolve('secret');
    const index = new TextEncoder().encode(
      JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_INDEX, manifests: [{ mediaType: secret.mediaType, digest: secret.digest, size: secret.size }] }),
    );
    await target.push({ mediaType: MEDIA_TYPE_IMAGE_INDEX, digest: sha256Of(index), size: index.byteLength }, bytesSource(index), { tag: 'bundle' });
    for (const command of [
      ['copy', 'ocidir://src:bundle', 'ocidir://mirror:bundle'],
      ['backup', 'ocidir://src:bundle', '-o', 'bundle.tar'],
    ]) {
      const moved = await runCli(command, { cwd });
      expect(moved.code).toBe(1);
      expect(moved.stdout).toMatch(new RegExp(`✘ destination-carried +it carries ${secret.digest}, labelled restricted: restricted artifacts go only where`));
    }
    expect(await readdir(cwd)).not.toEqual(expect.arrayContaining(['mirror']));
    expect(await readdir(cwd)).not.toContain('bundle.tar');

    // An image manifest with no label whose layer says it is a manifest: copy visits it as one, and so does the judge.
    const wrapper = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Of('{}'), size: 2 },
        layers: [{ mediaType: secret.mediaType, digest: secret.digest, size: secret.size }],
      }),
    );
    await target.push({ mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Of('{}'), size: 2 }, bytesSource(new TextEncoder().encode('{}')));
    await target.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256Of(wrapper), size: wrapper.byteLength }, bytesSource(wrapper), { tag: 'wrapper' });
    const wrapped = await runCli(['copy', 'ocidir://src:wrapper', 'ocidir://mirror:wrapper'], { cwd });
    expect(wrapped.code).toBe(1);
    expect(wrapped.stdout).toMatch(new RegExp(`✘ destination-carried +it carries ${secret.digest}, labelled restricted`));
    expect(await readdir(cwd)).not.toEqual(expect.arrayContaining(['mirror']));

    // A public subject whose referrer is restricted data: copy -r and backup carry it, so they are refused.
    expect((await runCli(['push', 'ocidir://mixed:v1', 'sites.csv', '-a', 'dev.sealpack.sensitivity=public'], { cwd })).code).toBe(0);
    await writeFile(join(cwd, 'exact.csv'), 'id,lat,lon\n1,60.171234,24.941234\n');
    const attached = ['attach', 'ocidir://mixed:v1', 'exact.csv', '--artifact-type', 'application/vnd.example.exact.v1', '-a', 'dev.sealpack.sensitivity=restricted'];
    expect((await runCli(attached, { cwd })).code).toBe(0);
    expect((await runCli(['copy', '-r', 'ocidir://mixed:v1', 'ocidir://pub:v1'], { cwd })).code).toBe(1);
    expect((await runCli(['backup', 'ocidir://mixed:v1', '-o', 'mixed.tar'], { cwd })).code).toBe(1);
    expect(await readdir(cwd)).not.toEqual(expect.arrayContaining(['pub', 'mixed.tar']));
    // Without the referrers, or leaving that type out, the public subject goes.
    expect((await runCli(['copy', 'ocidir://mixed:v1', 'ocidir://pub:v1'], { cwd })).code).toBe(0);
    expect((await runCli(['copy', '-r', 'ocidir://mixed:v1', 'ocidir://pub2:v1', '--exclude-artifact-type', 'application/vnd.example.exact.v1'], { cwd })).code).toBe(0);
  });
});
