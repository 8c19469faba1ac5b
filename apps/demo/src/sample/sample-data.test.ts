import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VectorTile } from '@mapbox/vector-tile';
import { parseDistribution, patchDcat, StacValidator, validateDcat } from '@sealpack/catalog-stac-dcat';
import type { FeatureCollection, MultiPolygon, Point, Polygon } from 'geojson';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { PbfReader } from 'pbf';
import { PMTiles, type Source, TileType, zxyToTileId } from 'pmtiles';
import { beforeAll, describe, expect, it } from 'vitest';
import { GENERALISATION_STEP, generateSampleData, SAMPLE_FILES } from './generate.ts';
import { tileId } from './pmtiles-writer.ts';
import { contains } from './world.ts';

// Each file is read back by a reader that shares no code with the writer: pmtiles (the archive),
// @mapbox/vector-tile (the tiles), hyparquet (the Parquet file and its WKB geometries).

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sealpack-sample-'));
  await generateSampleData(dir);
});

const bytes = async (name: string) => new Uint8Array(await readFile(join(dir, name)));
const geojson = async <G extends Point | Polygon | MultiPolygon>(name: string) => JSON.parse(await readFile(join(dir, name), 'utf8')) as FeatureCollection<G, Record<string, unknown>>;

function memorySource(data: Uint8Array): Source {
  return {
    getKey: () => 'memory',
    getBytes: async (offset, length) => ({ data: data.slice(offset, offset + length).buffer }),
  };
}

/** Longitude, latitude to the tile that holds them (Web Mercator, XYZ). */
function tileOf(z: number, lon: number, lat: number): [number, number] {
  const n = 2 ** z;
  const rad = (lat * Math.PI) / 180;
  return [Math.floor(((lon + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n)];
}

describe('the PMTiles archive', () => {
  it('numbers tiles as the PMTiles reference does (Hilbert order, zoom by zoom)', () => {
    for (let z = 0; z <= 6; z++) for (let x = 0; x < 2 ** z; x += 1 + (z > 4 ? 3 : 0)) for (let y = 0; y < 2 ** z; y++) expect(tileId(z, x, y)).toBe(zxyToTileId(z, x, y));
  });

  it('opens in the pmtiles reader: an MVT archive, zoom 0–3, its metadata naming the layer, every tile decodable', async () => {
    const archive = new PMTiles(memorySource(await bytes('countries.pmtiles')));
    const header = await archive.getHeader();
    expect(header).toMatchObject({ specVersion: 3, tileType: TileType.Mvt, minZoom: 0, maxZoom: 3, clustered: true });
    expect(header.minLon).toBeCloseTo(-180, 3);
    expect(header.maxLat).toBeGreaterThan(80);
    expect(await archive.getMetadata()).toMatchObject({ vector_layers: [{ id: 'countries', fields: { name: 'String' } }] });

    const world = await archive.getZxy(0, 0, 0);
    if (world === undefined) throw new Error('no tile 0/0/0');
    const layer = new VectorTile(new PbfReader(new Uint8Array(world.data))).layers.countries;
    if (layer === undefined) throw new Error('no countries layer');
    const names = Array.from({ length: layer.length }, (_, i) => layer.feature(i).properties.name);
    const countries = await geojson<Polygon | MultiPolygon>('countries.geojson');
    expect(new Set(names)).toEqual(new Set(countries.features.map((f) => f.properties.name)));

    // At zoom 3, the tile over Helsinki has Finland in it, drawn where Finland is.
    const [x, y] = tileOf(3, 24.94, 60.17);
    const tile = await archive.getZxy(3, x, y);
    if (tile === undefined) throw new Error(`no tile 3/${x}/${y}`);
    const finland = new VectorTile(new PbfReader(new Uint8Array(tile.data))).layers.countries;
    const feature = Array.from({ length: finland?.length ?? 0 }, (_, i) => finland?.feature(i)).find((f) => f?.properties.name === 'Finland');
    const shape = feature?.toGeoJSON(x, y, 3).geometry as Polygon | MultiPolygon | undefined;
    if (shape === undefined) throw new Error('Finland is not in its tile');
    expect(contains(shape, [26, 62])).toBe(true);
    expect(contains(shape, [10, 62])).toBe(false);
    // The open South Pacific has no tile at all.
    const [px, py] = tileOf(3, -120, -50);
    expect(await archive.getZxy(3, px, py)).toBeUndefined();
  });
});

describe('the GeoParquet table', () => {
  it('reads in hyparquet: GeoParquet 1.1 metadata, every country, its geometry decoded from WKB equal to the GeoJSON', async () => {
    const file = (await bytes('countries.parquet')).buffer as ArrayBuffer;
    const metadata = parquetMetadata(file);
    const geo = JSON.parse(metadata.key_value_metadata?.find((kv) => kv.key === 'geo')?.value ?? '{}');
    expect(geo).toMatchObject({ version: '1.1.0', primary_column: 'geometry', columns: { geometry: { encoding: 'WKB', geometry_types: ['MultiPolygon', 'Polygon'] } } });
    const rows = (await parquetReadObjects({ file })) as Array<{ name: string; iso_n3: string; geometry: Polygon | MultiPolygon }>;
    const countries = await geojson<Polygon | MultiPolygon>('countries.geojson');
    expect(rows).toHaveLength(countries.features.length);
    const finland = rows.find((r) => r.name === 'Finland');
    expect(finland?.geometry).toEqual(countries.features.find((f) => f.properties.name === 'Finland')?.geometry);
    expect(rows.map((r) => r.geometry.type).filter((t) => t !== 'Polygon' && t !== 'MultiPolygon')).toEqual([]);
  });
});

describe('the catalog records', () => {
  it('STAC Items valid against the STAC 1.1 schemas, each asset a file that exists; the DCAT Dataset valid once patched', async () => {
    const validator = new StacValidator();
    for (const name of [SAMPLE_FILES.worldRecords.stac, SAMPLE_FILES.sitesRecord, SAMPLE_FILES.generalisedRecord]) {
      const item = JSON.parse(await readFile(join(dir, name), 'utf8')) as { assets: Record<string, { href: string }> };
      expect(validator.validate(item)).toMatchObject({ valid: true });
      for (const asset of Object.values(item.assets)) await expect(readFile(join(dir, asset.href))).resolves.toBeDefined();
    }
    const sha = (c: string) => `sha256:${c.repeat(64)}`;
    const distribution = parseDistribution({
      location: 'registry',
      registry: 'registry.example',
      repository: 'data/world',
      digest: sha('a'),
      files: [{ name: 'countries.pmtiles', mediaType: 'application/vnd.pmtiles', size: 1, digest: sha('b') }],
      referrers: {},
    });
    const patched = patchDcat(await readFile(join(dir, SAMPLE_FILES.worldRecords.dcat), 'utf8'), distribution, { record: 'world.dcat.jsonld' });
    expect(validateDcat(JSON.parse(patched.text))).toEqual([]);
  });
});

describe('the sensitive layer and its public derivative', () => {
  it('sites lie inside their country; the derivative keeps the count, snaps every coordinate to the grid and keeps no exact position or id', async () => {
    const sites = await geojson<Point>('sites.geojson');
    const generalised = await geojson<Point>('sites-generalised.geojson');
    const countries = await geojson<Polygon | MultiPolygon>('countries.geojson');
    const finland = countries.features.find((f) => f.properties.name === 'Finland')?.geometry;
    if (finland === undefined) throw new Error('no Finland');
    for (const site of sites.features) expect(contains(finland, site.geometry.coordinates as [number, number])).toBe(true);
    expect(generalised.features.reduce((n, f) => n + (f.properties.sites as number), 0)).toBe(sites.features.length);
    const onGrid = (v: number) => Math.abs(v / GENERALISATION_STEP - Math.round(v / GENERALISATION_STEP)) < 1e-9;
    for (const f of generalised.features) expect(f.geometry.coordinates.every(onGrid)).toBe(true);
    const exact = new Set(sites.features.map((f) => f.geometry.coordinates.join()));
    expect(generalised.features.filter((f) => exact.has(f.geometry.coordinates.join()))).toEqual([]);
    expect(await readFile(join(dir, 'sites-generalised.geojson'), 'utf8')).not.toContain('site_id');
  });

  it('the same bytes on every run', async () => {
    const again = await mkdtemp(join(tmpdir(), 'sealpack-sample-'));
    await generateSampleData(again);
    const hash = async (d: string, n: string) =>
      createHash('sha256')
        .update(await readFile(join(d, n)))
        .digest('hex');
    for (const name of [...SAMPLE_FILES.world, ...SAMPLE_FILES.sites, ...SAMPLE_FILES.generalised]) expect(await hash(again, name)).toBe(await hash(dir, name));
  });
});
