import type { LegacyTile } from 'geojson-vt';
import { pushVarint } from './varint.ts';

// Mapbox Vector Tile 2.1 (https://github.com/mapbox/vector-tile-spec/tree/master/2.1): a protobuf
// message per tile. Written here with a few lines of protobuf rather than a library, so that the
// tests' reader (@mapbox/vector-tile) checks an encoder it shares nothing with.

class ProtoWriter {
  private readonly bytes: number[] = [];

  varint(value: number): this {
    pushVarint(this.bytes, value);
    return this;
  }

  /** A field key: field number and wire type (0 varint, 2 length-delimited). */
  key(field: number, wireType: 0 | 2): this {
    return this.varint((field << 3) | wireType);
  }

  message(field: number, body: ProtoWriter): this {
    this.key(field, 2).varint(body.bytes.length);
    for (const b of body.bytes) this.bytes.push(b);
    return this;
  }

  text(field: number, value: string): this {
    const encoded = new TextEncoder().encode(value);
    this.key(field, 2).varint(encoded.length);
    for (const b of encoded) this.bytes.push(b);
    return this;
  }

  packed(field: number, values: readonly number[]): this {
    const body = new ProtoWriter();
    for (const v of values) body.varint(v);
    return this.message(field, body);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const zigzag = (n: number) => (n << 1) ^ (n >> 31);
const command = (id: number, count: number) => (count << 3) | (id & 0x7);

/** Geometry commands (spec 4.3): MoveTo, LineTo…, ClosePath per ring; coordinates as zigzag deltas. */
function encodeGeometry(type: 1 | 2 | 3, parts: ReadonlyArray<ReadonlyArray<readonly [number, number]>>): number[] {
  const out: number[] = [];
  let [cx, cy] = [0, 0];
  const point = ([x, y]: readonly [number, number]) => {
    out.push(zigzag(x - cx), zigzag(y - cy));
    [cx, cy] = [x, y];
  };
  if (type === 1) {
    const points = parts.flat();
    out.push(command(1, points.length));
    points.forEach(point);
    return out;
  }
  for (const part of parts) {
    // A polygon ring repeats its first point at the end in geojson-vt's output; MVT closes it by command.
    const ring = type === 3 && part.length > 1 && part[0]?.[0] === part.at(-1)?.[0] && part[0]?.[1] === part.at(-1)?.[1] ? part.slice(0, -1) : part;
    if (ring.length < (type === 3 ? 3 : 2)) continue;
    out.push(command(1, 1));
    point(ring[0] as readonly [number, number]);
    out.push(command(2, ring.length - 1));
    ring.slice(1).forEach(point);
    if (type === 3) out.push(command(7, 1));
  }
  return out;
}

/** One tile with one layer, its features' properties as string or number values (spec 4.1, 4.2). */
export function encodeTile(layerName: string, tile: LegacyTile, extent: number): Uint8Array {
  const keys: string[] = [];
  const values: Array<string | number> = [];
  const index = <T>(list: T[], value: T) => {
    const at = list.indexOf(value);
    if (at >= 0) return at;
    list.push(value);
    return list.length - 1;
  };
  const layer = new ProtoWriter()
    .varint((15 << 3) | 0)
    .varint(2)
    .text(1, layerName);
  for (const feature of tile.features) {
    const tags: number[] = [];
    for (const [k, v] of Object.entries(feature.tags ?? {})) {
      if (typeof v !== 'string' && typeof v !== 'number') continue;
      // Whole numbers go as sint (field 6); any other number as its text, so no 64-bit float is needed.
      tags.push(index(keys, k), index(values, typeof v === 'number' && !(Number.isInteger(v) && Math.abs(v) < 2 ** 30) ? String(v) : v));
    }
    const parts = feature.type === 1 ? [feature.geometry] : feature.geometry;
    const geometry = encodeGeometry(feature.type, parts);
    if (geometry.length === 0) continue;
    const body = new ProtoWriter().packed(2, tags).key(3, 0).varint(feature.type).packed(4, geometry);
    layer.message(2, body);
  }
  for (const k of keys) layer.text(3, k);
  for (const v of values) {
    const value = new ProtoWriter();
    if (typeof v === 'string') value.text(1, v);
    else value.key(6, 0).varint(zigzag(v));
    layer.message(4, value);
  }
  layer.key(5, 0).varint(extent);
  return new ProtoWriter().message(3, layer).finish();
}
