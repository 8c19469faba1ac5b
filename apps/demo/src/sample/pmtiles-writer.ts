import { gzipSync } from 'node:zlib';
import { pushVarint } from './varint.ts';

// PMTiles v3 (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md): a 127-byte header,
// a root directory, JSON metadata and the tiles, clustered (ordered by tile id). Small archives
// only: every entry fits in the root directory (spec 3: header and root directory within the first
// 16 KiB), so there are no leaf directories. The npm `pmtiles` package is only a reader; the tests
// read what this writes with it.

export interface Tile {
  z: number;
  x: number;
  y: number;
  data: Uint8Array;
}

export interface ArchiveFacts {
  bounds: [number, number, number, number];
  center: [number, number, number];
  metadata: Record<string, unknown>;
}

const HEADER_LENGTH = 127;
const COMPRESSION_GZIP = 2;
const TILE_TYPE_MVT = 1;

/** The tile id (spec 2.1): tiles of lower zooms first, then the Hilbert curve position within the zoom. */
export function tileId(z: number, x: number, y: number): number {
  let id = (4 ** z - 1) / 3;
  const n = 2 ** z;
  let [tx, ty] = [x, y];
  for (let s = n / 2; s >= 1; s /= 2) {
    const rx = (tx & s) > 0 ? 1 : 0;
    const ry = (ty & s) > 0 ? 1 : 0;
    id += s * s * ((3 * rx) ^ ry);
    // Turn the quadrant so the curve's next level runs the same way (xy2d's rot step).
    if (ry === 0) {
      if (rx === 1) [tx, ty] = [n - 1 - tx, n - 1 - ty];
      [tx, ty] = [ty, tx];
    }
  }
  return id;
}

function varints(values: readonly number[]): number[] {
  const out: number[] = [];
  for (const value of values) pushVarint(out, value);
  return out;
}

/** A directory (spec 4): entry count, then the ids as deltas, run lengths, lengths and offsets, each column in turn. */
function directory(entries: ReadonlyArray<{ id: number; offset: number; length: number }>): Uint8Array {
  const ids = entries.map((e, i) => e.id - (i === 0 ? 0 : (entries[i - 1] as { id: number }).id));
  // An offset equal to the previous entry's end is written as 0; any other as offset + 1.
  const offsets = entries.map((e, i) => {
    const previous = entries[i - 1];
    return previous !== undefined && e.offset === previous.offset + previous.length ? 0 : e.offset + 1;
  });
  return Uint8Array.from(varints([entries.length, ...ids, ...entries.map(() => 1), ...entries.map((e) => e.length), ...offsets]));
}

const e7 = (degrees: number) => Math.round(degrees * 1e7);

/** The archive's bytes: gzip for the directory, metadata and tiles (MVT); deterministic for the same tiles. */
export function writePmtiles(tiles: readonly Tile[], facts: ArchiveFacts): Uint8Array {
  const sorted = tiles.map((t) => ({ ...t, id: tileId(t.z, t.x, t.y), gz: gzipSync(t.data, { level: 9 }) })).sort((a, b) => a.id - b.id);
  let offset = 0;
  const entries = sorted.map((t) => {
    const entry = { id: t.id, offset, length: t.gz.length };
    offset += t.gz.length;
    return entry;
  });
  const root = gzipSync(directory(entries), { level: 9 });
  const metadata = gzipSync(JSON.stringify(facts.metadata), { level: 9 });
  const tileData = Buffer.concat(sorted.map((t) => t.gz));
  const zooms = sorted.map((t) => t.z);
  const header = Buffer.alloc(HEADER_LENGTH);
  header.write('PMTiles', 0, 'ascii');
  header.writeUInt8(3, 7);
  const rootOffset = HEADER_LENGTH;
  const metadataOffset = rootOffset + root.length;
  const tileOffset = metadataOffset + metadata.length;
  const u64 = (value: number, at: number) => header.writeBigUInt64LE(BigInt(value), at);
  u64(rootOffset, 8);
  u64(root.length, 16);
  u64(metadataOffset, 24);
  u64(metadata.length, 32);
  u64(tileOffset + tileData.length, 40); // no leaf directories: an empty section after the tiles
  u64(0, 48);
  u64(tileOffset, 56);
  u64(tileData.length, 64);
  u64(sorted.length, 72); // addressed tiles
  u64(sorted.length, 80); // tile entries
  u64(sorted.length, 88); // tile contents
  header.writeUInt8(1, 96); // clustered
  header.writeUInt8(COMPRESSION_GZIP, 97);
  header.writeUInt8(COMPRESSION_GZIP, 98);
  header.writeUInt8(TILE_TYPE_MVT, 99);
  header.writeUInt8(Math.min(...zooms), 100);
  header.writeUInt8(Math.max(...zooms), 101);
  const [w, s, e, n] = facts.bounds;
  header.writeInt32LE(e7(w), 102);
  header.writeInt32LE(e7(s), 106);
  header.writeInt32LE(e7(e), 110);
  header.writeInt32LE(e7(n), 114);
  header.writeUInt8(facts.center[2], 118);
  header.writeInt32LE(e7(facts.center[0]), 119);
  header.writeInt32LE(e7(facts.center[1]), 123);
  return Buffer.concat([header, root, metadata, tileData]);
}
