import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMPTY_JSON_DIGEST } from './media-types.ts';
import { guessMediaType, packFiles, parseFileArgument } from './pack.ts';

describe('packFiles', () => {
  it('builds an OCI 1.1 artifact manifest: empty config, artifactType, titled layers, created', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-pack-'));
    await writeFile(join(dir, 'tiles.pmtiles'), 'PMTiles');
    await writeFile(join(dir, 'table.parquet'), 'PAR1');
    const packed = await packFiles([{ path: join(dir, 'tiles.pmtiles') }, { path: join(dir, 'table.parquet'), mediaType: 'application/x-custom' }], {
      artifactType: 'application/vnd.example.set.v1',
      annotations: { 'org.opencontainers.image.licenses': 'CC-BY-4.0' },
      created: new Date('2026-01-02T03:04:05.678Z'),
    });
    expect(packed.manifest.config).toEqual({ mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY_JSON_DIGEST, size: 2, data: 'e30=' });
    expect(packed.manifest.artifactType).toBe('application/vnd.example.set.v1');
    expect(packed.manifest.layers.map((l) => [l.mediaType, l.annotations?.['org.opencontainers.image.title']])).toEqual([
      ['application/vnd.pmtiles', 'tiles.pmtiles'],
      ['application/x-custom', 'table.parquet'],
    ]);
    expect(packed.manifest.annotations).toEqual({ 'org.opencontainers.image.licenses': 'CC-BY-4.0', 'org.opencontainers.image.created': '2026-01-02T03:04:05Z' });
  });

  it('is reproducible when created is left out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-pack-'));
    await writeFile(join(dir, 'a.geojson'), '{}');
    const one = await packFiles([{ path: join(dir, 'a.geojson') }], { created: null });
    const two = await packFiles([{ path: join(dir, 'a.geojson') }], { created: null });
    expect(one.descriptor.digest).toBe(two.descriptor.digest);
    expect(one.manifest.annotations).toBeUndefined();
  });

  it('refuses missing files, directories and duplicate titles with INVALID_INPUT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-pack-'));
    await writeFile(join(dir, 'a.txt'), 'a');
    await expect(packFiles([{ path: join(dir, 'missing.txt') }])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(packFiles([{ path: dir }])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(packFiles([{ path: join(dir, 'a.txt') }, { path: join(dir, 'a.txt') }])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('reads FILE[:MEDIATYPE] the way oras does', () => {
    expect(parseFileArgument('data.bin:application/x-thing')).toEqual({ path: 'data.bin', mediaType: 'application/x-thing' });
    expect(parseFileArgument('data.bin')).toEqual({ path: 'data.bin' });
    expect(parseFileArgument('c:odd name')).toEqual({ path: 'c:odd name' });
    expect(guessMediaType('X.GEOJSON')).toBe('application/geo+json');
    expect(guessMediaType('unknown.xyz')).toBe('application/octet-stream');
  });
});
