// One vector tile from the database. Below SITE_MIN_ZOOM a tile holds only the `clusters` layer
// (a CLUSTER_GRID x CLUSTER_GRID grid: precomputed cells, or folded per request when filtered);
// from SITE_MIN_ZOOM on only the `sites`
// layer, one point per site. The switch is at a fixed zoom, not at a density, so a style can rely
// on it (tiles.json states both layers' zoom ranges). A tile owns only the sites inside it (no
// buffer): every site is in exactly one tile of a zoom, and a cluster's counts are its tile's.
import type { LocationFilter } from '../../db/queries/locations.js';
import { sitePoints } from '../../db/queries/sites.js';
import {
  type ClusterCell,
  clusterCells,
  freshAvailableByCell,
  inTileArea,
  type SiteCounts,
  storedCells,
  type TileSite,
  tileSiteCount,
  tileSitesByIds,
  tileSitesInArea,
} from '../../db/queries/tiles.js';
import { CELL_BITS, CELL_MAX_ZOOM } from '../../db/tile-cells.js';
import type { Db } from '../../db/types.js';
import { ApiError } from '../errors.js';
import { encodeTile, type TilePoint } from './encode.js';
import { mercator, rowBoundaries, type TileId, tileArea, tilePixel } from './tile-grid.js';

export const SITE_MIN_ZOOM = CELL_MAX_ZOOM + 1;
/** Cells per tile side at cluster zooms (src/db/tile-cells.ts). */
export const CLUSTER_GRID = 2 ** CELL_BITS;

/**
 * A filtered cluster tile is folded per request from its sites (the cells cannot hold every
 * combination of filters), and a filter on connectors or power reads their rows at random: up to
 * ~0.3 ms a site on a loaded machine (docs/tiles.md). So it may hold at most this many published
 * sites; a larger one is a 400 `tile_too_large` (zoom in).
 */
export const FILTERED_TILE_MAX_SITES = 1_000;
/**
 * The zoom from which tiles.json offers filtered tiles (its minzoom): a z10 tile of the 1M-EVSE
 * bench's densest area holds ~330 sites, a third of the cap. The map page asks for nothing below it.
 */
export const FILTERED_MIN_ZOOM = 10;

export interface TileRequest {
  tile: TileId;
  filter: LocationFilter;
  /** Statuses confirmed before this instant are stale and not counted as available or in use. */
  fresh: string;
  /** Published sites a filtered cluster tile may fold (default FILTERED_TILE_MAX_SITES). */
  maxFilteredSites?: number;
}

export async function buildTile(db: Db, r: TileRequest): Promise<Uint8Array> {
  return r.tile.z >= SITE_MIN_ZOOM
    ? encodeTile({ sites: await sitesOfTile(db, r) })
    : encodeTile({ clusters: await clustersOfTile(db, r) });
}

/** One summary value a style can colour by: what a driver arriving now would most likely find. */
export function siteStatus(
  evses: number,
  c: Pick<SiteCounts, 'available' | 'busy' | 'broken'>,
): 'available' | 'occupied' | 'out_of_order' | 'unknown' {
  if (c.available > 0) return 'available';
  if (c.busy > 0) return 'occupied';
  if (evses > 0 && c.broken === evses) return 'out_of_order';
  return 'unknown';
}

type ConnectorSummary = { standard: string; power_kw: number | null; count: number };

const compactConnectors = (json: string | null) =>
  ((json ? JSON.parse(json) : []) as ConnectorSummary[])
    .map((c) => `${c.standard} ${c.power_kw ?? '?'}kW x${c.count}`)
    .join(', ');

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The sites of a tile in id order, from the read model: unfiltered, every site of the tile area;
 * filtered, the sites /v1/sites matches with the same filter.
 */
async function tileSites(db: Db, r: TileRequest): Promise<TileSite[]> {
  const area = tileArea(r.tile);
  if (unfiltered(r.filter)) return (await tileSitesInArea(db, r.tile, area, r.fresh)).sort(byId);
  const points = (await sitePoints(db, { bbox: area.box, filter: r.filter })).filter((p) =>
    inTileArea(area, p.lat, p.lon),
  );
  return (
    await tileSitesByIds(
      db,
      points.map((p) => p.id),
      r.fresh,
    )
  ).sort(byId);
}

async function sitesOfTile(db: Db, r: TileRequest): Promise<TilePoint[]> {
  const sites = await tileSites(db, r);
  return sites.map((site) => {
    const [x, y] = tilePixel(r.tile, site.lat, site.lon);
    return {
      x,
      y,
      properties: {
        id: site.id,
        name: site.name,
        operator: site.operator,
        max_power_kw: site.max_power_kw,
        evse_count: site.evse_count,
        available: site.available,
        status: siteStatus(site.evse_count, site),
        connectors: compactConnectors(site.connectors),
        free: site.free > 0,
      },
    };
  });
}

/**
 * For a filtered tile, an estimate of the zoom at which a cluster's sites stop sharing one grid
 * cell, from the span of their box (at most SITE_MIN_ZOOM); the precomputed cells know it exactly.
 */
function expansionZoom(z: number, c: ClusterCell): number {
  const a = mercator(c.min_lat, c.min_lon);
  const b = mercator(c.max_lat, c.max_lon);
  const span = Math.max(b.mx - a.mx, a.my - b.my);
  if (span <= 0) return SITE_MIN_ZOOM;
  const zoom = Math.ceil(Math.log2(1 / (span * CLUSTER_GRID)));
  return Math.max(z + 1, Math.min(SITE_MIN_ZOOM, zoom));
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

function abbreviated(n: number): string {
  if (n >= 1_000_000) return `${round(n / 1_000_000, 1)}M`;
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  if (n >= 1_000) return `${round(n / 1000, 1)}k`;
  return String(n);
}

/** Whether a filter narrows the sites at all: the precomputed cells hold every published site. */
export const unfiltered = (f: LocationFilter) =>
  Object.values(f).every((v) => v == null || (Array.isArray(v) && v.length === 0));

function clusterPoint(t: TileId, c: Omit<TileCluster, 'x' | 'y'> & { lat: number; lon: number }): TilePoint {
  const [x, y] = tilePixel(t, c.lat, c.lon);
  return {
    x,
    y,
    properties: {
      point_count: c.sites,
      point_count_abbreviated: abbreviated(c.sites),
      evse_count: c.evses,
      installed_kw: round(c.installed_w / 1000, 1),
      available: c.available,
      expansion_zoom: c.expansion_zoom,
    },
  };
}

interface TileCluster {
  sites: number;
  evses: number;
  installed_w: number;
  available: number;
  expansion_zoom: number;
}

/**
 * Clusters of a tile. Unfiltered (what a map shows first): the precomputed cells, a primary-key
 * read, plus the fresh AVAILABLE statuses of the tile, which move with the clock. Filtered, or
 * before the cells are set up: the sites of the tile folded by SQLite per request.
 */
async function clustersOfTile(db: Db, r: TileRequest): Promise<TilePoint[]> {
  const stored = unfiltered(r.filter) ? await storedCells(db, r.tile) : null;
  if (stored) {
    const available = await freshAvailableByCell(db, r.tile, tileArea(r.tile).box, r.fresh);
    return stored.map((c) =>
      clusterPoint(r.tile, {
        ...c,
        lat: c.lat_sum / c.sites / 1e7,
        lon: c.lon_sum / c.sites / 1e7,
        available: available.get(`${c.y}/${c.x}`) ?? 0,
        expansion_zoom: c.split_zoom,
      }),
    );
  }
  const max = r.maxFilteredSites ?? FILTERED_TILE_MAX_SITES;
  const count = await tileSiteCount(db, r.tile, tileArea(r.tile));
  if (count > max) {
    throw new ApiError(
      400,
      'tile_too_large',
      `a filtered tile is built per request from at most ${max} sites, and tile ` +
        `${r.tile.z}/${r.tile.x}/${r.tile.y} holds ${count}: ask for its tiles at a higher zoom (or without filters)`,
    );
  }
  const cells = await clusterCells(db, {
    area: tileArea(r.tile),
    filter: r.filter,
    size: CLUSTER_GRID,
    rowLats: rowBoundaries(r.tile, CLUSTER_GRID),
    fresh: r.fresh,
  });
  return cells.map((c) => clusterPoint(r.tile, { ...c, expansion_zoom: expansionZoom(r.tile.z, c) }));
}
