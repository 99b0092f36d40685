// The PMTiles v3 archive format (protomaps' spec, "PMTiles Version 3"), the parts a writer needs.
// No kept npm package writes v3 (the `pmtiles` package only reads), so this is a small writer of
// the spec as it stands; test/api/dumps-pmtiles.test.ts reads its output with that package.
//
// An archive is, in this order: a 127-byte header, the root directory, the JSON metadata, the leaf
// directories, the tile data. Header fields, little-endian:
//
//   0  "PMTiles" (7 bytes)       7 version = 3 (u8)
//   8  root directory offset, length (u64, u64)
//  24  metadata offset, length   40 leaf directories offset, length   56 tile data offset, length
//  72  addressed tiles (u64)     80 tile entries (u64)                 88 tile contents (u64)
//  96  clustered (u8: 1 = tile data in tile id order)
//  97  internal compression, 98 tile compression (u8: 1 none, 2 gzip, 3 brotli, 4 zstd)
//  99  tile type (u8: 1 = MVT)   100 min zoom, 101 max zoom (u8)
// 102  min lon, min lat, max lon, max lat (i32, degrees x 1e7)
// 118  center zoom (u8)          119 center lon, center lat (i32, degrees x 1e7)
//
// A tile id numbers the tiles of every zoom along that zoom's Hilbert curve, zoom after zoom:
// id(z, x, y) = (4^z - 1) / 3 + hilbert(z, x, y).
//
// A directory is a list of entries (tile id, offset, length, run length) sorted by tile id; run
// length n >= 1: the tile and the n - 1 after it share these bytes (offset from the start of the
// tile data); run length 0: the entry points at a leaf directory (offset from the start of the leaf
// directories) whose first tile id it carries. Serialized as varints: the entry count, then every
// tile id as the difference from the previous one, every run length, every length, every offset
// (0 when it follows the previous entry's bytes, else offset + 1); then compressed. Header and root
// directory must fit in the first 16,384 bytes, so a large archive moves its entries to leaves.

export const HEADER_BYTES = 127;
/** Header plus root directory must fit here, so a client reads both with its first request. */
export const ROOT_LIMIT = 16_384;

export const Compression = { none: 1, gzip: 2 } as const;
export const TileType = { mvt: 1 } as const;

export interface Entry {
  tileId: number;
  offset: number;
  length: number;
  runLength: number;
}

export interface Header {
  rootOffset: number;
  rootLength: number;
  metadataOffset: number;
  metadataLength: number;
  leavesOffset: number;
  leavesLength: number;
  tilesOffset: number;
  tilesLength: number;
  addressedTiles: number;
  tileEntries: number;
  tileContents: number;
  clustered: boolean;
  internalCompression: number;
  tileCompression: number;
  tileType: number;
  minZoom: number;
  maxZoom: number;
  /** [minLon, minLat, maxLon, maxLat] in degrees. */
  bounds: [number, number, number, number];
  center: { zoom: number; lon: number; lat: number };
}

/** Position of (x, y) on the Hilbert curve filling the 2^z x 2^z grid. */
function hilbert(z: number, x: number, y: number): number {
  let d = 0;
  for (let s = 2 ** (z - 1); s >= 1; s /= 2) {
    const rx = (x & s) > 0 ? 1 : 0;
    const ry = (y & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    // Turn the quadrant so the curve's next level runs the same way in each.
    if (ry === 0) {
      if (rx === 1) {
        x = s - 1 - (x & (s - 1));
        y = s - 1 - (y & (s - 1));
      }
      [x, y] = [y, x];
    }
  }
  return d;
}

/** The archive's tile id of tile (z, x, y), XYZ scheme. Exact up to zoom 26 (below 2^53). */
export function tileId(z: number, x: number, y: number): number {
  if (z < 0 || z > 26 || x < 0 || y < 0 || x >= 2 ** z || y >= 2 ** z) {
    throw new RangeError(`no tile ${z}/${x}/${y}`);
  }
  return (4 ** z - 1) / 3 + hilbert(z, x, y);
}

/** Unsigned LEB128 varints of numbers up to 2^53 (bit operators stop at 32 bits: divide instead). */
class VarintWriter {
  private bytes: number[] = [];
  write(n: number): void {
    let v = n;
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** A directory's bytes before compression (see the top of this file). */
export function serializeDirectory(entries: Entry[]): Uint8Array {
  const w = new VarintWriter();
  w.write(entries.length);
  let last = 0;
  for (const e of entries) {
    w.write(e.tileId - last);
    last = e.tileId;
  }
  for (const e of entries) w.write(e.runLength);
  for (const e of entries) w.write(e.length);
  entries.forEach((e, i) => {
    const prev = entries[i - 1];
    w.write(prev && e.offset === prev.offset + prev.length ? 0 : e.offset + 1);
  });
  return w.done();
}

export type Compress = (bytes: Uint8Array) => Promise<Uint8Array>;

/**
 * The root directory and the leaf directories for `entries` (sorted by tile id): all in the root
 * when it fits beside the header, else leaves of `leafSize` entries, doubled until the root of
 * leaf pointers fits.
 */
export async function directories(
  entries: Entry[],
  compress: Compress,
): Promise<{ root: Uint8Array; leaves: Uint8Array[] }> {
  const root = await compress(serializeDirectory(entries));
  if (HEADER_BYTES + root.length <= ROOT_LIMIT) return { root, leaves: [] };
  for (let leafSize = 4096; ; leafSize *= 2) {
    const leaves: Uint8Array[] = [];
    const pointers: Entry[] = [];
    let offset = 0;
    for (let i = 0; i < entries.length; i += leafSize) {
      const leaf = await compress(serializeDirectory(entries.slice(i, i + leafSize)));
      pointers.push({ tileId: entries[i]!.tileId, offset, length: leaf.length, runLength: 0 });
      leaves.push(leaf);
      offset += leaf.length;
    }
    const top = await compress(serializeDirectory(pointers));
    if (HEADER_BYTES + top.length <= ROOT_LIMIT) return { root: top, leaves };
  }
}

const e7 = (deg: number) => Math.round(deg * 1e7);

export function serializeHeader(h: Header): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  const v = new DataView(out.buffer);
  out.set(new TextEncoder().encode('PMTiles'), 0);
  v.setUint8(7, 3);
  const u64 = [
    h.rootOffset,
    h.rootLength,
    h.metadataOffset,
    h.metadataLength,
    h.leavesOffset,
    h.leavesLength,
    h.tilesOffset,
    h.tilesLength,
    h.addressedTiles,
    h.tileEntries,
    h.tileContents,
  ];
  for (const [i, n] of u64.entries()) v.setBigUint64(8 + i * 8, BigInt(n), true);
  v.setUint8(96, h.clustered ? 1 : 0);
  v.setUint8(97, h.internalCompression);
  v.setUint8(98, h.tileCompression);
  v.setUint8(99, h.tileType);
  v.setUint8(100, h.minZoom);
  v.setUint8(101, h.maxZoom);
  for (const [i, deg] of h.bounds.entries()) v.setInt32(102 + i * 4, e7(deg), true);
  v.setUint8(118, h.center.zoom);
  v.setInt32(119, e7(h.center.lon), true);
  v.setInt32(123, e7(h.center.lat), true);
  return out;
}

export interface Archive {
  /** The tile entries, in tile id order, one per tile (offsets into the tile data, as spooled). */
  entries: Entry[];
  /** The JSON metadata (vector_layers, attribution, ...). */
  metadata: object;
  /** The compression of directories, metadata and tiles alike (gzip here). */
  compress: Compress;
  compression: number;
  tileType: number;
  minZoom: number;
  maxZoom: number;
  bounds: Header['bounds'];
  center: Header['center'];
}

/** Everything before the tile data (header, root, metadata, leaves), and the tile data's length. */
export async function archivePrefix(a: Archive): Promise<{ parts: Uint8Array[]; tilesLength: number }> {
  if (a.entries.length === 0) throw new Error('a PMTiles directory must not be empty');
  const { root, leaves } = await directories(a.entries, a.compress);
  const metadata = await a.compress(new TextEncoder().encode(JSON.stringify(a.metadata)));
  const leavesLength = leaves.reduce((n, l) => n + l.length, 0);
  const last = a.entries.at(-1)!;
  const tilesLength = last.offset + last.length;
  const metadataOffset = HEADER_BYTES + root.length;
  const leavesOffset = metadataOffset + metadata.length;
  const header = serializeHeader({
    rootOffset: HEADER_BYTES,
    rootLength: root.length,
    metadataOffset,
    metadataLength: metadata.length,
    leavesOffset,
    leavesLength,
    tilesOffset: leavesOffset + leavesLength,
    tilesLength,
    // One entry per tile and no tile shared (run lengths of 1, no deduplication).
    addressedTiles: a.entries.length,
    tileEntries: a.entries.length,
    tileContents: a.entries.length,
    clustered: true,
    internalCompression: a.compression,
    tileCompression: a.compression,
    tileType: a.tileType,
    minZoom: a.minZoom,
    maxZoom: a.maxZoom,
    bounds: a.bounds,
    center: a.center,
  });
  return { parts: [header, root, metadata, ...leaves], tilesLength };
}
