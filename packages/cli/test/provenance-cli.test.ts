import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { parseProvDocument, parseRunManifest, validateSpdxDocument } from '@sealpack/provenance';
import { runCli } from './run-cli.ts';

let cwd: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-provenance-cli-'));
  env = { HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker'), SOURCE_DATE_EPOCH: '1764842400' };
  await writeFile(join(cwd, 'parks.geojson'), '{"type":"FeatureCollection","features":[]}');
  await writeFile(join(cwd, 'roads.csv'), 'id,name\n1,Main\n');
});
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('sealpack sbom', () => {
  it('writes SPDX 2.3 to stdout and CycloneDX 1.6 to a file, the same bytes each time', async () => {
    const spdx = await runCli(['sbom', 'parks.geojson', 'roads.csv', '--format', 'spdx', '--name', 'data/parks', '--license', 'CC-BY-4.0'], { cwd, env });
    expect(spdx).toMatchObject({ code: 0, stderr: '' });
    const document = validateSpdxDocument(JSON.parse(spdx.stdout));
    expect(document.creationInfo.created).toBe('2025-12-04T10:00:00Z');
    expect(document.files.map((f) => [f.fileName, f.checksums[1]?.checksumValue, f.licenseConcluded])).toEqual([
      ['./parks.geojson', sha256('{"type":"FeatureCollection","features":[]}'), 'CC-BY-4.0'],
      ['./roads.csv', sha256('id,name\n1,Main\n'), 'CC-BY-4.0'],
    ]);
    expect((await runCli(['sbom', 'roads.csv', 'parks.geojson', '--format', 'spdx', '--name', 'data/parks', '--license', 'CC-BY-4.0'], { cwd, env })).stdout).toBe(spdx.stdout);

    const written = await runCli(['sbom', 'parks.geojson', '--format', 'cyclonedx', '-o', 'bom.json', '--json'], { cwd, env });
    expect(JSON.parse(written.stdout)).toEqual({ sbom: join(cwd, 'bom.json'), format: 'cyclonedx', files: 1 });
    const bom = JSON.parse(await readFile(join(cwd, 'bom.json'), 'utf8')) as { specVersion: string; components: Array<{ name: string; hashes: Array<{ alg: string; content: string }> }> };
    expect(bom.specVersion).toBe('1.6');
    expect(bom.components[0]?.hashes).toContainEqual({ alg: 'SHA-256', content: sha256('{"type":"FeatureCollection","features":[]}') });
  });

  it.each([
    [['sbom', '--format', 'spdx'], /at least one FILE/],
    [['sbom', 'parks.geojson', '--format', 'xml'], /--format 'xml': spdx or cyclonedx/],
    [['sbom', 'parks.geojson'], /--format/],
    [['sbom', 'missing.bin', '--format', 'spdx'], /cannot read .*missing\.bin/],
    [['sbom', 'parks.geojson', '--format', 'spdx', '--license', 'free for all'], /not an SPDX license expression/],
    [['sbom', 'parks.geojson', '--format', 'spdx', '-o', 'no/such/dir/bom.json'], /cannot write/],
  ])('refuses %j with one line and exit 2', async (args, message) => {
    const result = await runCli(args, { cwd, env });
    expect(result).toMatchObject({ code: 2, stderr: expect.stringMatching(message) });
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('sealpack provenance build', () => {
  it('writes prov.jsonld and the canonical run_manifest.json of a run, whose sha256 is the digest it prints', async () => {
    const pushed = JSON.parse((await runCli(['push', 'ocidir://lay:v1', 'parks.geojson', '--json'], { cwd, env })).stdout) as { digest: string };
    const args = [
      'provenance',
      'build',
      '--output',
      'ocidir://lay:v1',
      '--input',
      'roads.csv',
      '--input',
      'https://data.example/boundaries.zip',
      '--param',
      'zoom=14',
      '--agent',
      'tippecanoe@2.62.0',
      '--started',
      '2026-12-04T10:00:00Z',
      '--ended',
      '2026-12-04T10:05:00Z',
      '-o',
      'evidence',
    ];
    const built = await runCli([...args, '--json'], { cwd, env });
    expect(built.stderr).toBe('');
    const result = JSON.parse(built.stdout) as { runId: string; digest: string; prov: string; runManifest: string };
    const manifestText = await readFile(join(cwd, 'evidence', 'run_manifest.json'), 'utf8');
    expect(result.digest).toBe(`sha256:${sha256(manifestText)}`);
    const manifest = parseRunManifest(manifestText);
    const pinned = `ocidir://${join(cwd, 'lay')}@${pushed.digest}`;
    expect(manifest).toMatchObject({
      runId: result.runId,
      inputs: [{ name: 'roads.csv', sha256: sha256('id,name\n1,Main\n') }],
      outputs: [{ name: pinned, sha256: pushed.digest.slice(7) }],
      parameters: { zoom: '14' },
      toolchain: [{ name: 'sealpack' }, { name: 'tippecanoe', version: '2.62.0' }],
    });
    const prov = parseProvDocument(await readFile(join(cwd, 'evidence', 'prov.jsonld'), 'utf8'));
    expect(prov.sourcesOf(pinned)).toEqual(['https://data.example/boundaries.zip', `urn:sha256:${sha256('id,name\n1,Main\n')}`]);

    // The same run again: the same run id and the same bytes.
    const again = JSON.parse((await runCli([...args, '--json'], { cwd, env })).stdout) as { runId: string; digest: string };
    expect(again).toMatchObject({ runId: result.runId, digest: result.digest });
    expect((await runCli([...args, '--quiet'], { cwd, env })).stdout).toBe(`${result.digest}\n`);
  });

  it('names an artifact in a registry by its oci://…@sha256: ref, never by its tag', async () => {
    const ref = `${inject('registries').anonymous.host}/${uniqueRepository()}`;
    const pushed = JSON.parse((await runCli(['push', `${ref}:v1`, 'parks.geojson', '--json'], { cwd, env })).stdout) as { digest: string };
    expect((await runCli(['provenance', 'build', '--output', `${ref}:v1`, '--input', 'roads.csv'], { cwd, env })).code).toBe(0);
    const manifest = parseRunManifest(await readFile(join(cwd, 'run_manifest.json'), 'utf8'));
    expect(manifest.outputs).toEqual([{ name: `oci://${ref}@${pushed.digest}`, sha256: pushed.digest.slice(7), size: expect.any(Number) }]);
    const missing = await runCli(['provenance', 'build', '--output', `${ref}:nope`], { cwd, env });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('takes a run file, which flags add to', async () => {
    await writeFile(
      join(cwd, 'run.json'),
      JSON.stringify({
        runId: 'nightly-7',
        startedAt: '2026-12-04T01:00:00Z',
        endedAt: '2026-12-04T01:30:00Z',
        parameters: { a: '1' },
        inputs: ['roads.csv'],
        outputs: ['parks.geojson'],
        agents: ['gdal@3.10.0'],
      }),
    );
    const built = await runCli(['provenance', 'build', '--run-file', 'run.json', '--param', 'b=2', '--json'], { cwd, env });
    expect(built.code).toBe(0);
    const manifest = parseRunManifest(await readFile(join(cwd, 'run_manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ runId: 'nightly-7', parameters: { a: '1', b: '2' }, outputs: [{ name: 'parks.geojson' }] });
    expect(manifest.toolchain.map((t) => t.name)).toEqual(['gdal', 'sealpack']);
  });

  it.each([
    [['provenance', 'build', '--input', 'roads.csv'], /at least one --output/],
    [['provenance', 'build', '--output', 'parks.geojson', '--param', 'novalue'], /--param 'novalue': want KEY=VALUE/],
    [['provenance', 'build', '--output', 'parks.geojson', '--agent', 'tippecanoe'], /--agent 'tippecanoe': want NAME@VERSION/],
    [['provenance', 'build', '--output', 'parks.geojson', '--started', '2026-12-04T10:00:00+01:00'], /startedAt.*RFC 3339 UTC/],
    [['provenance', 'build', '--output', 'parks.geojson', '--started', '2026-12-04T10:00:00Z', '--ended', '2026-12-04T09:00:00Z'], /ends before it starts/],
    [['provenance', 'build', '--output', 'parks.geojson', '--run-file', 'absent.json'], /cannot read --run-file/],
  ])('refuses %j with one line and exit 2', async (args, message) => {
    const result = await runCli(args, { cwd, env });
    expect(result).toMatchObject({ code: 2, stderr: expect.stringMatching(message) });
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('sealpack lineage', () => {
  it('follows signed PROV from an artifact to its inputs and theirs; unsigned or foreign-signed PROV is marked and not followed', async () => {
    const ok = async (args: string[]) => {
      const result = await runCli(args, { cwd, env: { ...env, COSIGN_PASSWORD: 'lineage' } });
      expect({ args, code: result.code }).toEqual({ args, code: 0 });
      return result;
    };
    await ok(['generate-key-pair']);
    await ok(['generate-key-pair', '--output-key-prefix', 'other']);
    await ok(['push', 'ocidir://lay:base', 'roads.csv']);
    await ok(['provenance', 'build', '--output', 'ocidir://lay:base', '--input', 'parks.geojson', '-o', 'base-run']);
    await ok(['attest', 'ocidir://lay:base', '--predicate', 'base-run/prov.jsonld', '--type', 'prov', '--key', 'cosign.key', '--tlog-upload=false']);
    await ok(['push', 'ocidir://lay:tiles', 'parks.geojson']);
    await ok(['provenance', 'build', '--output', 'ocidir://lay:tiles', '--input', 'ocidir://lay:base', '--input', 'https://data.example/src.zip', '-o', 'tiles-run']);
    await ok(['attest', 'ocidir://lay:tiles', '--predicate', 'tiles-run/prov.jsonld', '--type', 'prov', '--key', 'cosign.key', '--tlog-upload=false']);
    const base = (await ok(['resolve', 'ocidir://lay:base'])).stdout.trim();
    const tiles = (await ok(['resolve', 'ocidir://lay:tiles'])).stdout.trim();
    const id = (digest: string) => `ocidir://${join(cwd, 'lay')}@${digest}`;
    const geojson = `urn:sha256:${sha256('{"type":"FeatureCollection","features":[]}')}`;

    const tree = await ok(['lineage', 'ocidir://lay:tiles', '--key', 'cosign.pub', '--insecure-ignore-tlog']);
    expect(tree.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${escapeRegExp(id(tiles))}  \\[PROV verified: key `)),
      '├─ https://data.example/src.zip',
      expect.stringMatching(new RegExp(`^└─ ${escapeRegExp(id(base))}  \\[PROV verified: key `)),
      `   └─ ${geojson}`,
    ]);
    const graph = JSON.parse((await ok(['lineage', 'ocidir://lay:tiles', '--key', 'cosign.pub', '--insecure-ignore-tlog', '--format', 'json'])).stdout) as { edges: unknown[] };
    expect(graph.edges).toEqual([
      { from: id(tiles), to: 'https://data.example/src.zip', verified: true },
      { from: id(tiles), to: id(base), verified: true },
      { from: id(base), to: geojson, verified: true },
    ]);
    expect((await ok(['lineage', 'ocidir://lay:tiles', '--key', 'cosign.pub', '--insecure-ignore-tlog', '--format', 'dot', '--depth', '1'])).stdout).toMatch(/^digraph lineage \{/);

    const foreign = await ok(['lineage', 'ocidir://lay:tiles', '--key', 'other.pub', '--insecure-ignore-tlog']);
    expect(foreign.stdout).toMatch(/PROV NOT VERIFIED: .*SIGNATURE_INVALID/);
    expect(foreign.stdout.trim().split('\n')).toHaveLength(1);
    const allowed = JSON.parse((await ok(['lineage', 'ocidir://lay:tiles', '--key', 'other.pub', '--insecure-ignore-tlog', '--allow-unverified', '--json'])).stdout) as {
      edges: Array<{ verified: boolean }>;
    };
    expect(allowed.edges.length).toBe(3);
    expect(allowed.edges.every((e) => !e.verified)).toBe(true);
    expect((await ok(['lineage', 'ocidir://lay:tiles', '--allow-unverified'])).stdout).toContain('PROV NOT VERIFIED: not verified: no key or identity given');

    expect(await runCli(['lineage', 'ocidir://lay:tiles'], { cwd, env })).toMatchObject({ code: 2, stderr: expect.stringMatching(/verify with --key FILE/) });
    expect(await runCli(['lineage', 'ocidir://lay:tiles', '--allow-unverified', '--depth', 'x'], { cwd, env })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--depth 'x': a whole number/),
    });
  });
});

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
