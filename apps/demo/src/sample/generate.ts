import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import GeoJSONVT from 'geojson-vt';
import { writeGeoParquet } from './geoparquet.ts';
import { encodeTile } from './mvt.ts';
import { type Tile, writePmtiles } from './pmtiles-writer.ts';
import { dcatDataset, stacItem } from './records.ts';
import { generaliseSites, sensitiveSites } from './sensitive-sites.ts';
import { bbox, countries } from './world.ts';

/** The grid, in degrees, the public derivative of the sensitive layer is snapped to. */
export const GENERALISATION_STEP = 0.5;
export const SITES_COUNTRY = 'Finland';
const MAX_ZOOM = 3;
const EXTENT = 4096;
const DATETIME = '2026-06-01T00:00:00Z';

/** The file names `generateSampleData` writes, by deliverable. */
export const SAMPLE_FILES = {
  world: ['countries.pmtiles', 'countries.parquet', 'countries.geojson'],
  worldRecords: { stac: 'world.stac.json', dcat: 'world.dcat.jsonld' },
  sites: ['sites.geojson'],
  sitesRecord: 'sites.stac.json',
  generalised: ['sites-generalised.geojson'],
  generalisedRecord: 'sites-generalised.stac.json',
} as const;

const json = (value: unknown) => `${JSON.stringify(value)}\n`;

/**
 * Writes the demo's deliverables into `dir`, the same bytes on every run: the world's countries as
 * a PMTiles archive of vector tiles (zoom 0–3), a GeoParquet table and GeoJSON, with a STAC Item
 * and a DCAT Dataset; invented sensitive sites in one country (restricted) and their generalised
 * derivative (public), each with a STAC Item.
 */
export async function generateSampleData(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const world = await countries();
  const worldBbox = bbox(world.features.map((f) => f.geometry));
  const index = new GeoJSONVT(world, { maxZoom: MAX_ZOOM, indexMaxZoom: MAX_ZOOM, extent: EXTENT, buffer: 64 });
  const tiles: Tile[] = [];
  for (let z = 0; z <= MAX_ZOOM; z++) {
    for (let x = 0; x < 2 ** z; x++) {
      for (let y = 0; y < 2 ** z; y++) {
        const tile = index.getTile(z, x, y);
        if (tile !== null && tile.features.length > 0) tiles.push({ z, x, y, data: encodeTile('countries', tile, EXTENT) });
      }
    }
  }
  const metadata = {
    name: 'countries',
    description: 'Countries of the world, Natural Earth 1:110m (world-atlas)',
    attribution: 'Made with Natural Earth',
    type: 'overlay',
    vector_layers: [{ id: 'countries', minzoom: 0, maxzoom: MAX_ZOOM, fields: { name: 'String', iso_n3: 'String' } }],
  };
  await writeFile(join(dir, 'countries.pmtiles'), writePmtiles(tiles, { bounds: worldBbox, center: [0, 20, 1], metadata }));
  await writeFile(
    join(dir, 'countries.parquet'),
    writeGeoParquet({
      columns: { name: world.features.map((f) => f.properties.name), iso_n3: world.features.map((f) => f.properties.iso_n3) },
      geometries: world.features.map((f) => f.geometry),
      bbox: worldBbox,
    }),
  );
  await writeFile(join(dir, 'countries.geojson'), json(world));
  // Natural Earth is in the public domain, which SPDX has no identifier for: STAC says "other".
  const about = { id: 'world-countries-110m', title: 'Countries of the world (1:110m)', description: 'Natural Earth admin-0 boundaries, as vector tiles, GeoParquet and GeoJSON' };
  await writeFile(
    join(dir, SAMPLE_FILES.worldRecords.stac),
    stacItem({
      ...about,
      license: 'other',
      bbox: worldBbox,
      datetime: DATETIME,
      assets: {
        tiles: { href: './countries.pmtiles', type: 'application/vnd.pmtiles', title: 'Vector tiles, zoom 0–3', roles: ['data', 'visual'] },
        table: { href: './countries.parquet', type: 'application/vnd.apache.parquet', title: 'GeoParquet table', roles: ['data'] },
        features: { href: './countries.geojson', type: 'application/geo+json', title: 'GeoJSON features', roles: ['data'] },
      },
    }),
  );
  await writeFile(
    join(dir, SAMPLE_FILES.worldRecords.dcat),
    dcatDataset({
      ...about,
      keywords: ['boundaries', 'countries', 'natural earth'],
      license: 'https://www.naturalearthdata.com/about/terms-of-use/',
      bbox: worldBbox,
    }),
  );

  const country = world.features.find((f) => f.properties.name === SITES_COUNTRY);
  if (country === undefined) throw new Error(`world-atlas has no ${SITES_COUNTRY}`);
  const sites = sensitiveSites(country.geometry, 24);
  const generalised = generaliseSites(sites, GENERALISATION_STEP);
  await writeFile(join(dir, 'sites.geojson'), json(sites));
  await writeFile(join(dir, 'sites-generalised.geojson'), json(generalised));
  const siteItem = (id: string, file: string, title: string, collection: typeof sites | typeof generalised) =>
    stacItem({
      id,
      title,
      description: 'Invented nesting sites of a protected bird, made up for the sealpack demo',
      license: 'CC0-1.0',
      bbox: bbox(collection.features.map((f) => f.geometry)),
      datetime: DATETIME,
      assets: { data: { href: `./${file}`, type: 'application/geo+json', title, roles: ['data'] } },
    });
  await writeFile(join(dir, SAMPLE_FILES.sitesRecord), siteItem('nesting-sites', 'sites.geojson', 'Nesting sites (exact)', sites));
  await writeFile(join(dir, SAMPLE_FILES.generalisedRecord), siteItem('nesting-sites-generalised', 'sites-generalised.geojson', `Nesting sites (generalised to ${GENERALISATION_STEP}°)`, generalised));
}
