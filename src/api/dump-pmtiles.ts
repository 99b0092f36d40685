// /v1/dumps/sites.pmtiles: the map tiles of /v1/tiles as one PMTiles v3 archive, so a map app can
// host the whole atlas as a static file (MapLibre reads it by Range through the pmtiles protocol).
//
// Zooms 0 to PMTILES_MAX_ZOOM only: the clusters of zooms 0-10 and the sites of 11 and 12. A map
// shows zoom 12's sites when zoomed in further (MapLibre overzooms a source past its maxzoom), and
// a zoom 12 tile still places a point within 2.4 m (4096 units per tile). Each further zoom would
// hold every site once more and add up to 4x the tiles: on the 1M-EVSE bench 12 means ~22,000 tiles.
//
// The tiles are those of /v1/tiles, built by the same function (buildTile, unfiltered, with the
// statuses as fresh at build time), only the tiles that hold a site, gzip-compressed and spooled
// in tile id order (a temp file on Node); then header, root directory, metadata and leaf
// directories are sent, then the spooled tile data. Memory holds one tile and the directory.
import { occupiedFineCells, publishedBounds, publishedSources } from '../db/queries/tiles.js';
import { CELL_BITS, CELL_MAX_ZOOM } from '../db/tile-cells.js';
import type { Db } from '../db/types.js';
import { type Compressors, compressBytes } from './http/compression.js';
import type { FeatureSpool } from './http/options.js';
import { buildTile } from './tiles/build-tile.js';
import { archivePrefix, Compression, type Entry, TileType, tileId } from './tiles/pmtiles-format.js';
import type { TileId } from './tiles/tile-grid.js';
import { attributionOf, vectorLayers } from './tiles/tilejson.js';

export const PMTILES_MAX_ZOOM = 12;
/** The finest zoom whose occupied tiles the cluster cells name: zoom 10's 8 x 8 cells per tile. */
const FINE_ZOOM = CELL_MAX_ZOOM + CELL_BITS;

export interface PmtilesOptions {
  /** Statuses confirmed before this instant are stale (as /v1/tiles at build time). */
  fresh: string;
  generatedAt: string;
  compressors?: Compressors;
  /** Tiles written so far, of `total`. */
  onProgress?: (done: number, total: number) => void;
}

/** The tiles holding a site at zooms 0..PMTILES_MAX_ZOOM, in tile id order; tile 0 at least. */
async function occupiedTiles(db: Db): Promise<(TileId & { id: number })[]> {
  const cells = await occupiedFineCells(db);
  if (!cells) throw new Error('the PMTiles archive needs the tile cells (src/db/tile-cells.ts) set up');
  const tiles = new Map<number, TileId>([[0, { z: 0, x: 0, y: 0 }]]);
  for (let z = 1; z <= PMTILES_MAX_ZOOM; z++) {
    const shift = FINE_ZOOM - z;
    for (const c of cells) {
      const t = { z, x: c.x >> shift, y: c.y >> shift };
      tiles.set(tileId(t.z, t.x, t.y), t);
    }
  }
  return [...tiles].sort((a, b) => a[0] - b[0]).map(([id, t]) => ({ ...t, id }));
}

/** Builds, compresses and spools every tile; their directory entries. */
async function spoolTiles(db: Db, spool: FeatureSpool, o: PmtilesOptions): Promise<Entry[]> {
  const tiles = await occupiedTiles(db);
  const entries: Entry[] = [];
  let offset = 0;
  for (const [i, t] of tiles.entries()) {
    const raw = await buildTile(db, { tile: t, filter: {}, fresh: o.fresh });
    // An empty tile is left out (a reader treats it as absent), except tile 0: a directory must not be empty.
    if (raw.length > 0 || t.id === 0) {
      const bytes = await compressBytes(raw as Uint8Array<ArrayBuffer>, 'gzip', o.compressors ?? {});
      await spool.append(bytes);
      entries.push({ tileId: t.id, offset, length: bytes.length, runLength: 1 });
      offset += bytes.length;
    }
    if (i % 500 === 0 || i === tiles.length - 1) o.onProgress?.(i + 1, tiles.length);
  }
  return entries;
}

async function metadata(db: Db, o: PmtilesOptions) {
  const [sources, bounds] = await Promise.all([publishedSources(db), publishedBounds(db)]);
  const b = bounds ?? { minLon: -180, minLat: -85.0511, maxLon: 180, maxLat: 85.0511 };
  const json = {
    name: 'Open charging atlas',
    description: 'EV charging sites: clusters at zooms 0-10, one point per site from zoom 11',
    attribution: attributionOf(sources),
    type: 'overlay',
    version: '1.0.0',
    generated_at: o.generatedAt,
    license: '/v1/dumps/LICENSE.txt',
    vector_layers: vectorLayers(PMTILES_MAX_ZOOM),
  };
  const span = Math.max(b.maxLon - b.minLon, b.maxLat - b.minLat);
  const zoom = span > 0 ? Math.max(0, Math.min(PMTILES_MAX_ZOOM, Math.floor(Math.log2(360 / span)))) : 10;
  return {
    json,
    bounds: [b.minLon, b.minLat, b.maxLon, b.maxLat] as [number, number, number, number],
    center: { zoom, lon: (b.minLon + b.maxLon) / 2, lat: (b.minLat + b.maxLat) / 2 },
  };
}

/** Everything before the tile data, and the tile data's length. */
async function archiveHead(db: Db, spool: FeatureSpool, o: PmtilesOptions) {
  const entries = await spoolTiles(db, spool, o);
  const meta = await metadata(db, o);
  return archivePrefix({
    entries,
    metadata: meta.json,
    compress: (b) => compressBytes(b as Uint8Array<ArrayBuffer>, 'gzip', o.compressors ?? {}),
    compression: Compression.gzip,
    tileType: TileType.mvt,
    minZoom: 0,
    maxZoom: PMTILES_MAX_ZOOM,
    bounds: meta.bounds,
    center: meta.center,
  });
}

/** Tile data is read back from the spool in pieces of this size. */
const READ_CHUNK = 1 << 20;

export function pmtilesDump(db: Db, spool: FeatureSpool, o: PmtilesOptions): ReadableStream<Uint8Array> {
  let tilesLength: number | null = null;
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (tilesLength === null) {
          const head = await archiveHead(db, spool, o);
          tilesLength = head.tilesLength;
          for (const part of head.parts) controller.enqueue(part);
          return;
        }
        if (sent >= tilesLength) {
          await spool.close();
          controller.close();
          return;
        }
        const n = Math.min(READ_CHUNK, tilesLength - sent);
        controller.enqueue(await spool.read(sent, n));
        sent += n;
      },
      async cancel() {
        await spool.close();
      },
    },
    { highWaterMark: 1 },
  );
}
