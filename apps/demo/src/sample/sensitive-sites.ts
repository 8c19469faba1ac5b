import type { Feature, FeatureCollection, Point, Polygon, MultiPolygon } from 'geojson';
import { bbox, contains } from './world.ts';

export type Site = Feature<Point, { site_id: string; species: string; observed: string }>;
export type GeneralisedSite = Feature<Point, { species: string; sites: number; grid_degrees: number }>;

/** A small deterministic generator (mulberry32): the same sites on every run and every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Invented nesting sites of a protected bird inside one country: the kind of layer whose exact
 * locations must not be public (they would guide a poacher), made up here so the demo can tell the
 * story without real sensitive data. Coordinates to 1e-5° (about a metre).
 */
export function sensitiveSites(country: Polygon | MultiPolygon, count: number, seed = 20260601): FeatureCollection<Point, Site['properties']> {
  const next = random(seed);
  const [w, s, e, n] = bbox([country]);
  const features: Site[] = [];
  while (features.length < count) {
    const point: [number, number] = [Math.round((w + next() * (e - w)) * 1e5) / 1e5, Math.round((s + next() * (n - s)) * 1e5) / 1e5];
    if (!contains(country, point)) continue;
    const id = String(features.length + 1).padStart(3, '0');
    features.push({ type: 'Feature', properties: { site_id: `site-${id}`, species: 'Haliaeetus albicilla', observed: '2026-05-15' }, geometry: { type: 'Point', coordinates: point } });
  }
  return { type: 'FeatureCollection', features };
}

/**
 * The declassifying step: each site's coordinates snapped to a grid of `step` degrees and sites
 * in one cell merged into a count, their ids dropped. What remains says where the species nests at
 * the scale of a region, never at the scale of a tree.
 */
export function generaliseSites(sites: FeatureCollection<Point, Site['properties']>, step: number): FeatureCollection<Point, GeneralisedSite['properties']> {
  const snap = (v: number) => Math.round(Math.round(v / step) * step * 1e6) / 1e6;
  const cells = new Map<string, GeneralisedSite>();
  for (const site of sites.features) {
    const [x = 0, y = 0] = site.geometry.coordinates;
    const cell: [number, number] = [snap(x), snap(y)];
    const key = `${site.properties.species}|${cell.join(',')}`;
    const known = cells.get(key);
    if (known !== undefined) known.properties.sites += 1;
    else cells.set(key, { type: 'Feature', properties: { species: site.properties.species, sites: 1, grid_degrees: step }, geometry: { type: 'Point', coordinates: cell } });
  }
  return { type: 'FeatureCollection', features: [...cells.values()].sort((a, b) => a.geometry.coordinates.join().localeCompare(b.geometry.coordinates.join())) };
}
