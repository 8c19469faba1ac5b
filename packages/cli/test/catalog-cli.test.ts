import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

let cwd: string;
let env: NodeJS.ProcessEnv;
const item = (assetHref: string) =>
  `${JSON.stringify(
    {
      type: 'Feature',
      stac_version: '1.1.0',
      id: 'parks',
      geometry: null,
      properties: { datetime: '2026-06-01T00:00:00Z' },
      links: [],
      assets: { data: { href: assetHref, roles: ['data'] }, readme: { href: 'https://example.org/README' } },
    },
    null,
    2,
  )}\n`;
const dataset = `${JSON.stringify({ '@context': { dcat: 'http://www.w3.org/ns/dcat#', dct: 'http://purl.org/dc/terms/' }, '@type': 'dcat:Dataset', 'dct:title': 'Parks', 'dct:description': 'Parks' }, null, 2)}\n`;

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-catalog-cli-'));
  env = { HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker'), COSIGN_PASSWORD: 'catalog', SOURCE_DATE_EPOCH: '1764842400' };
  await writeFile(join(cwd, 'parks.geojson'), '{"type":"FeatureCollection","features":[]}');
  await writeFile(join(cwd, 'item.json'), item('https://files.example/parks.geojson'));
  await writeFile(join(cwd, 'dataset.jsonld'), dataset);
});

const ok = async (args: string[]) => {
  const result = await runCli(args, { cwd, env });
  expect({ args, code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ args, code: 0, stderr: '' });
  return result;
};

describe('sealpack catalog patch / validate', () => {
  it('patches STAC and DCAT records with the artifact’s digest, files and evidence; validate passes; a second patch changes nothing', async () => {
    await ok(['push', 'ocidir://lay:v1', 'parks.geojson', '-a', 'org.opencontainers.image.licenses=CC-BY-4.0']);
    await ok(['generate-key-pair']);
    await ok(['sign', 'ocidir://lay:v1', '--key', 'cosign.key', '--tlog-upload=false']);
    const digest = (await ok(['resolve', 'ocidir://lay:v1'])).stdout.trim();
    const patched = await runCli(
      [
        'catalog',
        'patch',
        'ocidir://lay:v1',
        '--stac',
        'item.json',
        '--dcat',
        'dataset.jsonld',
        '--publish-as',
        'registry.example/data/parks',
        '--distribution-json',
        'distribution.oci.json',
        '--json',
      ],
      { cwd, env },
    );
    expect(patched.code).toBe(0);
    expect(JSON.parse(patched.stdout)).toMatchObject({ reference: `oci://registry.example/data/parks@${digest}`, records: [{ matched: ['data'], unmatched: ['readme'] }, {}] });
    const stac = JSON.parse(await readFile(join(cwd, 'item.json'), 'utf8'));
    expect(stac.assets.data.href).toBe(`oci://registry.example/data/parks@${digest}#parks.geojson`);
    expect(stac.properties['distribution:oci'].referrers.signature).toMatch(/^oci:\/\/registry\.example\/data\/parks@sha256:/);
    expect(JSON.parse(await readFile(join(cwd, 'distribution.oci.json'), 'utf8')).ref).toBe(`oci://registry.example/data/parks@${digest}`);
    const before = [await readFile(join(cwd, 'item.json'), 'utf8'), await readFile(join(cwd, 'dataset.jsonld'), 'utf8')];
    await ok(['catalog', 'patch', 'ocidir://lay:v1', '--stac', 'item.json', '--dcat', 'dataset.jsonld', '--publish-as', 'registry.example/data/parks']);
    expect([await readFile(join(cwd, 'item.json'), 'utf8'), await readFile(join(cwd, 'dataset.jsonld'), 'utf8')]).toEqual(before);

    const valid = await ok(['catalog', 'validate', 'item.json', 'dataset.jsonld']);
    expect(valid.stdout).toMatch(/^valid {4}item\.json \(STAC 1\.1\)\nvalid {4}dataset\.jsonld \(DCAT-AP 3\)\n$/);
  });

  it('a local layout without --publish-as: ocidir:// hrefs and a warning; a restricted artifact: public record redacted', async () => {
    await ok(['push', 'ocidir://lay:v1', 'parks.geojson', '-a', 'dev.sealpack.sensitivity=restricted']);
    const result = await runCli(['catalog', 'patch', 'ocidir://lay:v1', '--stac', 'item.json', '--out', 'public'], { cwd, env });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: ocidir:\/\/.* is in a local layout/);
    const publicText = await readFile(join(cwd, 'public', 'item.json'), 'utf8');
    expect(publicText).not.toMatch(/ocidir:|oci:\/\//);
    expect(await readFile(join(cwd, 'public', 'restricted', 'item.json'), 'utf8')).toContain('ocidir://');
    expect(await readFile(join(cwd, 'item.json'), 'utf8')).toBe(item('https://files.example/parks.geojson'));
  });

  it('refuses bad input with one line, and leaves every file as it was', async () => {
    await ok(['push', 'ocidir://lay:v1', 'parks.geojson']);
    await writeFile(join(cwd, 'conflict.json'), item('https://files.example/parks.geojson').replace('"roles"', `"file:checksum": "1220${'0'.repeat(64)}", "roles"`));
    const conflict = await runCli(['catalog', 'patch', 'ocidir://lay:v1', '--stac', 'item.json', '--stac', 'conflict.json'], { cwd, env });
    expect(conflict).toMatchObject({ code: 2, stderr: expect.stringMatching(/conflict\.json: the record says parks\.geojson is sha256:0+, but the published file is sha256:/) });
    expect(await readFile(join(cwd, 'item.json'), 'utf8')).toBe(item('https://files.example/parks.geojson'));
    for (const [args, message] of [
      [['catalog', 'patch', 'ocidir://lay:v1'], /needs --stac FILE/],
      [['catalog', 'patch', 'ocidir://lay:v1', '--stac', 'item.json', '--asset', 'data'], /--asset 'data': want KEY=TITLE/],
      [['catalog', 'patch', 'ocidir://lay:v1', '--stac', 'item.json', '--asset', 'data=absent.bin'], /names a file the artifact does not have/],
      [['catalog', 'patch', 'ocidir://lay:v1', '--stac', 'missing.json'], /cannot read/],
      [['catalog', 'patch', 'ocidir://lay:v1', '--stac', 'dataset.jsonld'], /not a STAC record/],
      [['catalog', 'validate'], /at least one FILE/],
    ] as const) {
      const result = await runCli([...args], { cwd, env });
      expect(result).toMatchObject({ code: 2, stderr: expect.stringMatching(message) });
      // One line of error (a local layout also gets its one warning line).
      expect(
        result.stderr
          .trim()
          .split('\n')
          .filter((line) => !line.startsWith('warning:')),
      ).toHaveLength(1);
    }
    await writeFile(join(cwd, 'broken.json'), item('x').replace('"1.1.0"', '"1.1.0", "assets_x": 1').replace('"geometry": null', '"geometry": "here"'));
    const invalid = await runCli(['catalog', 'validate', 'broken.json'], { cwd, env });
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/^INVALID {2}broken\.json \(STAC 1\.1\)\n {2}\$\.geometry: /);
  });
});
