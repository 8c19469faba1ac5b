import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { runCli } from './run-cli.ts';

const registries = inject('registries');
let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-graph-cli-'));
  await writeFile(join(cwd, 'data.geojson'), '{"type":"FeatureCollection","features":[]}');
  await writeFile(join(cwd, 'sbom.spdx.json'), '{"spdxVersion":"SPDX-2.3"}');
  await writeFile(join(cwd, 'sig.json'), '{"signature":"x"}');
});

const json = <T>(text: string) => JSON.parse(text) as T;

describe('attach, discover, copy -r, backup and restore from the command line', () => {
  it('builds a three-level evidence graph and carries it registry → tar → another repository', async () => {
    const ref = `${registries.anonymous.host}/${uniqueRepository()}`;
    const subject = json<{ digest: string }>((await runCli(['push', `${ref}:v1`, 'data.geojson', '--json'], { cwd })).stdout);
    const sbom = await runCli(['attach', `${ref}:v1`, 'sbom.spdx.json', '--artifact-type', 'application/spdx+json', '--json'], { cwd });
    expect(sbom.code).toBe(0);
    const sbomDigest = json<{ digest: string; subject: string }>(sbom.stdout);
    expect(sbomDigest.subject).toBe(`oci://${ref}@${subject.digest}`);
    expect((await runCli(['attach', `${ref}@${sbomDigest.digest}`, 'sig.json', '--artifact-type', 'application/vnd.example.sig'], { cwd })).code).toBe(0);

    const tree = await runCli(['discover', `${ref}:v1`], { cwd });
    expect(tree.stdout).toMatch(/└── application\/spdx\+json\n\s+└── sha256:[a-f0-9]{64}\n\s+└── application\/vnd\.example\.sig/);

    const saved = await runCli(['backup', `${ref}:v1`, '-o', 'evidence.tar'], { cwd });
    expect(saved.code).toBe(0);
    expect(await readdir(cwd)).toContain('evidence.tar');
    const other = `${registries.anonymous.host}/${uniqueRepository()}`;
    const restored = await runCli(['restore', 'evidence.tar', `${other}:v1`, '--json'], { cwd });
    expect(json<{ digest: string }>(restored.stdout).digest).toBe(subject.digest);
    const copied = await runCli(['copy', `${other}:v1`, `ocidir://${join(cwd, 'lay')}`, '-r', '--json'], { cwd });
    expect(json<{ manifests: number; reference: string }>(copied.stdout)).toMatchObject({ manifests: 3, reference: `ocidir://${join(cwd, 'lay')}@${subject.digest}` });
    const layoutTree = await runCli(['discover', `ocidir://${join(cwd, 'lay')}:v1`, '--format', 'json'], { cwd });
    const root = json<{ referrers: Array<{ artifactType: string; referrers: unknown[] }> }>(layoutTree.stdout);
    expect(root.referrers).toHaveLength(1);
    expect(root.referrers[0]?.artifactType).toBe('application/spdx+json');
    expect(root.referrers[0]?.referrers).toHaveLength(1);
  });

  it('copy without -r leaves the referrers behind; --distribution-spec v1.1-referrers-api is refused by a registry without the API (its answer: exit 3)', async () => {
    const ref = `${registries.anonymous.host}/${uniqueRepository()}`;
    await runCli(['push', `${ref}:v1`, 'data.geojson'], { cwd });
    await runCli(['attach', `${ref}:v1`, 'sig.json', '--artifact-type', 'application/vnd.example.sig'], { cwd });
    // The registry has no referrers API, so the attach wrote a tag-schema index beside v1.
    const subject = (await runCli(['resolve', `${ref}:v1`], { cwd })).stdout.trim();
    expect((await runCli(['tags', ref], { cwd })).stdout).toBe(`${subject.replace(':', '-')}\nv1\n`);
    expect((await runCli(['tags', ref, '--exclude-digest-tags'], { cwd })).stdout).toBe('v1\n');
    const other = `${registries.anonymous.host}/${uniqueRepository()}`;
    expect((await runCli(['copy', `${ref}:v1`, other], { cwd })).code).toBe(0);
    expect((await runCli(['discover', `${other}:v1`, '--format', 'table'], { cwd })).stdout.trim().split('\n')).toHaveLength(1);
    const api = await runCli(['discover', `${ref}:v1`, '--distribution-spec', 'v1.1-referrers-api'], { cwd });
    expect(api.code).toBe(3);
    expect(api.stderr).toMatch(/no referrers API\?\) \[UNSUPPORTED\]/);
    expect((await runCli(['discover', `${ref}:v1`, '--distribution-spec', 'v2'], { cwd })).code).toBe(2);
    expect((await runCli(['discover', `${ref}:v1`, '--distribution-spec', 'v1.1-referrers-tag', '--format', 'table'], { cwd })).stdout.trim().split('\n')).toHaveLength(2);
  });

  it('discover --latest and -a KEY=VALUE pick referrers by creation time and annotations', async () => {
    const base = `ocidir://${join(cwd, 'lay')}`;
    await runCli(['push', `${base}:v1`, 'data.geojson'], { cwd });
    const env = (epoch: number) => ({ HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker'), SOURCE_DATE_EPOCH: String(epoch) });
    const older = json<{ digest: string }>(
      (await runCli(['attach', `${base}:v1`, 'sig.json', '--artifact-type', 'application/vnd.example.scan', '-a', 'tool=a', '--json'], { cwd, env: env(1_700_000_000) })).stdout,
    );
    const newer = json<{ digest: string }>(
      (await runCli(['attach', `${base}:v1`, 'sbom.spdx.json', '--artifact-type', 'application/vnd.example.scan', '-a', 'tool=b', '--json'], { cwd, env: env(1_800_000_000) })).stdout,
    );
    const latest = json<{ referrers: Array<{ digest: string }> }>((await runCli(['discover', `${base}:v1`, '--latest', '--json'], { cwd })).stdout);
    expect(latest.referrers.map((r) => r.digest)).toEqual([newer.digest]);
    const byTool = json<{ referrers: Array<{ digest: string }> }>((await runCli(['discover', `${base}:v1`, '-a', 'tool=a', '--json'], { cwd })).stdout);
    expect(byTool.referrers.map((r) => r.digest)).toEqual([older.digest]);
  });

  it('refuses attach without --artifact-type and copy or restore to a digest', async () => {
    expect((await runCli(['attach', 'ocidir://lay:v1', 'sig.json'], { cwd })).stderr).toMatch(/--artifact-type/);
    expect((await runCli(['copy', 'ocidir://lay:v1', `ocidir://other@sha256:${'a'.repeat(64)}`], { cwd })).code).toBe(2);
    expect((await runCli(['restore', 'nothing.tar', `ocidir://other@sha256:${'a'.repeat(64)}`], { cwd })).code).toBe(2);
    expect((await runCli(['backup', 'ocidir://lay:v1'], { cwd })).code).toBe(2);
  });
});

describe('discover draws the graph as oras does; copy -r and backup choose referrers by artifact type', () => {
  // subject ← two SBOMs (one with a signature), and an internal scan with a signature of its own.
  async function threeLevelGraph(ref: string) {
    const attach = async (subject: string, file: string, type: string) => {
      const result = await runCli(['attach', subject, file, '--artifact-type', type, '--json'], { cwd });
      expect(result.code).toBe(0);
      return json<{ digest: string }>(result.stdout).digest;
    };
    await writeFile(join(cwd, 'sbom-b.spdx.json'), '{"spdxVersion":"SPDX-2.3","name":"b"}');
    await writeFile(join(cwd, 'scan.json'), '{"findings":[]}');
    const subject = json<{ digest: string }>((await runCli(['push', `${ref}:v1`, 'data.geojson', '--json'], { cwd })).stdout).digest;
    const sbomA = await attach(`${ref}:v1`, 'sbom.spdx.json', 'application/spdx+json');
    const sbomB = await attach(`${ref}:v1`, 'sbom-b.spdx.json', 'application/spdx+json');
    const sbomSig = await attach(`${ref}@${sbomA}`, 'sig.json', 'application/vnd.example.sig');
    const scan = await attach(`${ref}:v1`, 'scan.json', 'application/vnd.acme.internal.scan.v1');
    const scanSig = await attach(`${ref}@${scan}`, 'sig.json', 'application/vnd.example.sig');
    return { subject, sbomA, sbomB, sbomSig, scan, scanSig };
  }

  const body = (stdout: string) => stdout.split('\n').slice(1).join('\n');

  it('nests a referrer of a referrer under its subject, one group per type, in a stable order', async () => {
    const ref = `${registries.anonymous.host}/${uniqueRepository()}`;
    const g = await threeLevelGraph(ref);
    const [first, second] = [g.sbomA, g.sbomB].sort();
    const underFirst = first === g.sbomA ? [`│   │   └── application/vnd.example.sig`, `│   │       └── ${g.sbomSig}`] : [];
    const underSecond = second === g.sbomA ? [`│       └── application/vnd.example.sig`, `│           └── ${g.sbomSig}`] : [];
    const tree = await runCli(['discover', `${ref}:v1`], { cwd });
    expect(tree.stdout).toBe(
      [
        `oci://${ref}@${g.subject}`,
        '├── application/spdx+json',
        `│   ├── ${first}`,
        ...underFirst,
        `│   └── ${second}`,
        ...underSecond,
        '└── application/vnd.acme.internal.scan.v1',
        `    └── ${g.scan}`,
        '        └── application/vnd.example.sig',
        `            └── ${g.scanSig}`,
        '',
      ].join('\n'),
    );
    // A copy prints the same tree as its source.
    const mirror = `${registries.anonymous.host}/${uniqueRepository()}`;
    expect((await runCli(['copy', '-r', `${ref}:v1`, mirror], { cwd })).code).toBe(0);
    expect(body((await runCli(['discover', `${mirror}:v1`], { cwd })).stdout)).toBe(body(tree.stdout));
  });

  it('--exclude-artifact-type with a prefix leaves out the internal scan and its own signature, at every depth', async () => {
    const ref = `${registries.anonymous.host}/${uniqueRepository()}`;
    const g = await threeLevelGraph(ref);
    const mirror = `${registries.anonymous.host}/${uniqueRepository()}`;
    const copied = await runCli(['copy', '-r', `${ref}:v1`, mirror, '--exclude-artifact-type', 'application/vnd.acme.internal.*', '--json'], { cwd });
    expect(copied.code).toBe(0);
    expect(json<{ referrers: number; excluded: number; manifests: number }>(copied.stdout)).toMatchObject({ referrers: 3, excluded: 1, manifests: 4 });
    const tree = (await runCli(['discover', `${mirror}:v1`, '--format', 'json'], { cwd })).stdout;
    expect(tree).not.toContain(g.scan);
    expect(tree).not.toContain(g.scanSig);
    expect(tree).toContain(g.sbomSig);
    // Neither the scan nor its signature reached the mirror, even by digest.
    expect((await runCli(['resolve', `${mirror}@${g.scanSig}`], { cwd })).code).toBe(3);
  });

  it('--include-artifact-type keeps only what it names (an SBOM signature is another type), for backup too', async () => {
    const ref = `${registries.anonymous.host}/${uniqueRepository()}`;
    const g = await threeLevelGraph(ref);
    const saved = await runCli(['backup', `${ref}:v1`, '-o', 'sboms', '--include-artifact-type', 'application/spdx+json', '--json'], { cwd });
    expect(saved.code).toBe(0);
    expect(json<{ referrers: number; excluded: number }>(saved.stdout)).toMatchObject({ referrers: 2, excluded: 2 });
    const tree = json<{ referrers: Array<{ digest: string; referrers: unknown[] }> }>((await runCli(['discover', 'ocidir://sboms:v1', '--json'], { cwd })).stdout);
    expect(tree.referrers.map((r) => r.digest).sort()).toEqual([g.sbomA, g.sbomB].sort());
    expect(tree.referrers.every((r) => r.referrers.length === 0)).toBe(true);
    const refused = await runCli(['copy', `${ref}:v1`, 'ocidir://x', '--include-artifact-type', 'application/spdx+json'], { cwd });
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringMatching(/need -r/) });
    const bad = await runCli(['copy', '-r', `${ref}:v1`, 'ocidir://x', '--exclude-artifact-type', 'not a type'], { cwd });
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/--exclude-artifact-type: not an artifact type/) });
  });
});
