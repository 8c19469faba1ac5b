import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Feature, FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';

export type Country = Feature<Polygon | MultiPolygon, { name: string; iso_n3: string }>;

/**
 * The world's countries at 1:110m, from Natural Earth by way of the `world-atlas` npm package
 * (public domain data, ISC package): its TopoJSON turned into GeoJSON, coordinates rounded to
 * 1e-4° (about 11 m, finer than the 1:110m source), so the demo's files are small and the same on
 * every run.
 */
export async function countries(): Promise<FeatureCollection<Polygon | MultiPolygon, Country['properties']>> {
  const path = createRequire(import.meta.url).resolve('world-atlas/countries-110m.json');
  const topology = JSON.parse(await readFile(path, 'utf8')) as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const collection = feature(topology, topology.objects.countries);
  const features: Country[] = [];
  for (const f of collection.features) {
    const geometry = f.geometry;
    if (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon') continue;
    features.push({
      type: 'Feature',
      properties: { name: f.properties.name, iso_n3: String(f.id ?? '') },
      geometry: geometry.type === 'Polygon' ? { type: 'Polygon', coordinates: geometry.coordinates.map(ring) } : { type: 'MultiPolygon', coordinates: geometry.coordinates.map((p) => p.map(ring)) },
    });
  }
  features.sort((a, b) => a.properties.name.localeCompare(b.properties.name, 'en'));
  return { type: 'FeatureCollection', features };
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;
const ring = (positions: Position[]): Position[] => positions.map(([x = 0, y = 0]) => [round(x), round(y)]);

/** [west, south, east, north] of a set of geometries. */
export function bbox(geometries: ReadonlyArray<Polygon | MultiPolygon | { type: 'Point'; coordinates: Position }>): [number, number, number, number] {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = ([x = 0, y = 0]: Position) => {
    w = Math.min(w, x);
    s = Math.min(s, y);
    e = Math.max(e, x);
    n = Math.max(n, y);
  };
  for (const g of geometries) {
    if (g.type === 'Point') visit(g.coordinates);
    else if (g.type === 'Polygon') for (const r of g.coordinates) r.forEach(visit);
    else for (const p of g.coordinates) for (const r of p) r.forEach(visit);
  }
  return [w, s, e, n];
}

/** Even-odd ray casting: is the point inside the (multi)polygon, holes excluded. */
export function contains(geometry: Polygon | MultiPolygon, [x, y]: readonly [number, number]): boolean {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return polygons.some((rings) => {
    let inside = false;
    for (const r of rings) {
      for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
        const [xi = 0, yi = 0] = r[i] as Position;
        const [xj = 0, yj = 0] = r[j] as Position;
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
    return inside;
  });
}
