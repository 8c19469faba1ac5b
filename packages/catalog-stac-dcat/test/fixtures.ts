import { createHash } from 'node:crypto';
import { parseDistribution, type Distribution, type DistributionInput } from '../src/index.ts';

export const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

export const DISTRIBUTION_INPUT: DistributionInput = {
  location: 'registry',
  registry: 'registry.example',
  repository: 'data/parks',
  tag: '2026',
  digest: sha('manifest'),
  artifactType: 'application/vnd.sealpack.dataset.v1',
  files: [
    { name: 'parks.pmtiles', mediaType: 'application/vnd.pmtiles', size: 4096, digest: sha('tiles') },
    { name: 'parks.geojson', mediaType: 'application/geo+json', size: 1024, digest: sha('geojson') },
  ],
  referrers: { signature: sha('signature'), provenance: sha('provenance'), sbom: sha('sbom') },
  license: 'CC-BY-4.0',
};

export const distribution = (change: Partial<DistributionInput> = {}): Distribution => parseDistribution({ ...DISTRIBUTION_INPUT, ...change });

/** A STAC 1.1 Item as a catalog holds it, with fields of its own and 4-space indentation. */
export const ITEM = `{
    "type": "Feature",
    "stac_version": "1.1.0",
    "id": "parks-2026",
    "x-team": {"owner": "gis"},
    "geometry": {"type": "Point", "coordinates": [24.94, 60.17]},
    "bbox": [24.94, 60.17, 24.94, 60.17],
    "properties": {"datetime": "2026-06-01T00:00:00Z", "title": "Parks"},
    "links": [{"rel": "self", "href": "https://catalog.example/items/parks-2026.json"}],
    "assets": {
        "tiles": {"href": "https://files.example/2026/parks.pmtiles", "roles": ["data"]},
        "vectors": {"href": "./parks.geojson", "file:checksum": "${'1220'}${sha('geojson').slice(7)}"},
        "thumbnail": {"href": "https://files.example/thumb.png", "type": "image/png"}
    },
    "stac_extensions": []
}
`;

export const COLLECTION = JSON.stringify(
  {
    type: 'Collection',
    stac_version: '1.1.0',
    id: 'parks',
    description: 'City parks',
    license: 'CC-BY-4.0',
    extent: { spatial: { bbox: [[24.8, 60.1, 25.1, 60.3]] }, temporal: { interval: [['2026-01-01T00:00:00Z', null]] } },
    links: [],
    assets: { tiles: { href: 's3://bucket/parks.pmtiles' } },
  },
  null,
  2,
);

export const DATASET = JSON.stringify(
  {
    '@context': { dcat: 'http://www.w3.org/ns/dcat#', dct: 'http://purl.org/dc/terms/' },
    '@id': 'https://catalog.example/datasets/parks',
    '@type': 'dcat:Dataset',
    'dct:title': 'City parks',
    'dct:description': 'Parks of the city, yearly',
    'dcat:keyword': ['parks', 'green'],
  },
  null,
  2,
);
