import type { MultiPolygon, Point, Polygon, Position } from 'geojson';
import { parquetWriteBuffer } from 'hyparquet-writer';

// GeoParquet 1.1 (https://geoparquet.org/releases/v1.1.0/): a Parquet file whose geometry column
// holds ISO WKB, described by the `geo` key of the file's key-value metadata. No CRS is written,
// which the spec reads as OGC:CRS84 (longitude, latitude).

type Geometry = Point | Polygon | MultiPolygon;

const WKB_TYPE = { Point: 1, Polygon: 3, MultiPolygon: 6 } as const;

/** Well-known binary, little endian (OGC Simple Features 8.2). */
function toWkb(geometry: Geometry): Uint8Array {
  const chunks: Buffer[] = [];
  const header = (type: number) => {
    const b = Buffer.alloc(5);
    b.writeUInt8(1, 0);
    b.writeUInt32LE(type, 1);
    chunks.push(b);
  };
  const count = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n, 0);
    chunks.push(b);
  };
  const point = ([x = 0, y = 0]: Position) => {
    const b = Buffer.alloc(16);
    b.writeDoubleLE(x, 0);
    b.writeDoubleLE(y, 8);
    chunks.push(b);
  };
  const polygon = (rings: Position[][]) => {
    header(WKB_TYPE.Polygon);
    count(rings.length);
    for (const ring of rings) {
      count(ring.length);
      ring.forEach(point);
    }
  };
  if (geometry.type === 'Point') {
    header(WKB_TYPE.Point);
    point(geometry.coordinates);
  } else if (geometry.type === 'Polygon') polygon(geometry.coordinates);
  else {
    header(WKB_TYPE.MultiPolygon);
    count(geometry.coordinates.length);
    geometry.coordinates.forEach(polygon);
  }
  return Buffer.concat(chunks);
}

export interface GeoRows {
  /** Text columns, each as long as `geometries`. */
  columns: Record<string, string[]>;
  geometries: Geometry[];
  bbox: [number, number, number, number];
}

/** The GeoParquet file: the text columns, then `geometry` (WKB), with the `geo` metadata. */
export function writeGeoParquet(rows: GeoRows): Uint8Array {
  const types = [...new Set(rows.geometries.map((g) => g.type))].sort();
  const geo = { version: '1.1.0', primary_column: 'geometry', columns: { geometry: { encoding: 'WKB', geometry_types: types, bbox: rows.bbox } } };
  const buffer = parquetWriteBuffer({
    columnData: [...Object.entries(rows.columns).map(([name, data]) => ({ name, data, type: 'STRING' as const })), { name: 'geometry', data: rows.geometries.map(toWkb), type: 'BYTE_ARRAY' as const }],
    kvMetadata: [{ key: 'geo', value: JSON.stringify(geo) }],
    createdBy: 'sealpack demo (hyparquet-writer)',
  });
  return new Uint8Array(buffer);
}
