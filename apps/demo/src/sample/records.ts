// The catalog records the demo publishes with its data: STAC 1.1 Items (what map UIs and search
// read) and a DCAT 3 Dataset (what open-data portals harvest). Their hrefs are the local file
// names; `sealpack publish` replaces them with the digest-pinned refs once the gate allows.

type Bbox = [number, number, number, number];

const polygonOf = ([w, s, e, n]: Bbox) => ({
  type: 'Polygon',
  coordinates: [
    [
      [w, s],
      [e, s],
      [e, n],
      [w, n],
      [w, s],
    ],
  ],
});

interface ItemFacts {
  id: string;
  title: string;
  description: string;
  license: string;
  bbox: Bbox;
  datetime: string;
  assets: Record<string, { href: string; type: string; title: string; roles: string[] }>;
}

export function stacItem(facts: ItemFacts): string {
  const item = {
    type: 'Feature',
    stac_version: '1.1.0',
    id: facts.id,
    bbox: facts.bbox,
    geometry: polygonOf(facts.bbox),
    properties: { datetime: facts.datetime, title: facts.title, description: facts.description, license: facts.license },
    links: [],
    assets: facts.assets,
  };
  return `${JSON.stringify(item, null, 2)}\n`;
}

export function dcatDataset(facts: { id: string; title: string; description: string; keywords: string[]; license: string; bbox: Bbox }): string {
  const [w, s, e, n] = facts.bbox;
  const dataset = {
    '@context': { dcat: 'http://www.w3.org/ns/dcat#', dct: 'http://purl.org/dc/terms/', xsd: 'http://www.w3.org/2001/XMLSchema#' },
    '@id': `https://data.example/datasets/${facts.id}`,
    '@type': 'dcat:Dataset',
    'dct:title': facts.title,
    'dct:description': facts.description,
    'dcat:keyword': facts.keywords,
    'dct:license': { '@id': facts.license },
    'dct:spatial': {
      '@type': 'dct:Location',
      'dcat:bbox': { '@value': `POLYGON((${w} ${s}, ${e} ${s}, ${e} ${n}, ${w} ${n}, ${w} ${s}))`, '@type': 'http://www.opengis.net/ont/geosparql#wktLiteral' },
    },
  };
  return `${JSON.stringify(dataset, null, 2)}\n`;
}
