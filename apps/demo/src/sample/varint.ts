/**
 * Appends an unsigned LEB128 varint: seven bits a byte, low bits first, the top bit set on every
 * byte but the last. Protobuf (Mapbox Vector Tiles) and PMTiles directories both use it. Whole
 * numbers up to 2^53 (division, not 32-bit shifts, so PMTiles' 64-bit offsets stay right).
 */
export function pushVarint(out: number[], value: number): void {
  let v = value;
  while (v > 0x7f) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}
