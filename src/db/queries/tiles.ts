// What vector tiles read: the live counts of the sites in a tile (site zooms); at cluster zooms the
// precomputed cells (src/db/tile-cells.ts) with the fresh AVAILABLE statuses per cell, or, for a
// filtered tile, the matching sites of the tile folded into a grid by SQLite itself. No request
// holds more than one tile's rows, never every site of a country.
//
// Everything reads the same site rule as /v1/sites (src/db/queries/sites.ts): a live `sites` row
// with a matching published member, or a published location outside any live site. Live counts
// (statuses go stale with the clock) are aggregated from EVSE rows in siteCountsSql.
import type { Bbox } from '../../model/geo.js';
import { FINE_BITS } from '../fine-grid.js';
import { cellFirstKey } from '../site-tiles.js';
import { cellRanges } from '../spatial-key.js';
import {
  CELL_BITS,
  CELL_MAX_ZOOM,
  cellKeySql,
  TILE_CELLS_READY,
  TILE_CELLS_VERSION,
  TILE_CELLS_VERSION_KEY,
} from '../tile-cells.js';
import type { Db } from '../types.js';
import { STATUS_CLASSES } from '../write-site-features.js';
import { filterConditions, type LocationFilter } from './locations.js';
import { PUBLISHED, REPUBLISHABLE_SOURCES } from './publication.js';
import { memberMatches, NO_SITE, siteKeySql } from './sites.js';
import { SITE_FEATURES, scanAll } from './spread-scan.js';
import { SqlParams } from './sql-params.js';

/** A tile in lon/lat: a closed box, and the east and south edges it does not own (null: it does). */
export interface TileArea {
  box: Bbox;
  lonBelow: number | null;
  latAbove: number | null;
}

/** Whether a point lies in the area, by the same rule as the SQL below. */
export function inTileArea(a: TileArea, lat: number, lon: number): boolean {
  const b = a.box;
  return (
    lon >= b.minLon &&
    lon <= b.maxLon &&
    lat >= b.minLat &&
    lat <= b.maxLat &&
    (a.lonBelow == null || lon < a.lonBelow) &&
    (a.latAbove == null || lat > a.latAbove)
  );
}

function inAreaSql(a: TileArea, alias: string, p: SqlParams): string {
  const b = a.box;
  const parts = [
    `${alias}.lon >= ${p.add(b.minLon)}`,
    a.lonBelow == null ? `${alias}.lon <= ${p.add(b.maxLon)}` : `${alias}.lon < ${p.add(a.lonBelow)}`,
    `${alias}.lat <= ${p.add(b.maxLat)}`,
    a.latAbove == null ? `${alias}.lat >= ${p.add(b.minLat)}` : `${alias}.lat > ${p.add(a.latAbove)}`,
  ];
  return parts.join(' AND ');
}

/** Status values counted as in use, and as out of order (OCPI Status). */
const [, BUSY_STATUSES, BROKEN_STATUSES] = STATUS_CLASSES as [string[], string[], string[]];
const sqlList = (values: string[]) => `(${values.map((v) => `'${v}'`).join(', ')})`;
const BUSY = sqlList(BUSY_STATUSES);
const BROKEN = sqlList(BROKEN_STATUSES);

/** Per-site counts over the live EVSEs of its members; a status older than `fresh` is not counted. */
export interface SiteCounts {
  evses: number;
  available: number;
  busy: number;
  broken: number;
  installed_w: number;
}

/** The live part of a site's counts: fresh statuses, and whether a connector has a no-cost tariff (0/1, stored). */
export type LiveCounts = Pick<SiteCounts, 'available' | 'busy' | 'broken'> & { free: number };

/** Sites of a tile (kind 0: a lone location, 1: a `sites` row), read through the cell index. */
function sitesInAreaSql(a: TileArea, filter: LocationFilter, p: SqlParams): string {
  const ranges = p.add(JSON.stringify(cellRanges(a.box, 24)));
  const cell = (alias: string) =>
    `${alias}.cell BETWEEN json_extract(r.value, '$[0]') AND json_extract(r.value, '$[1]')`;
  const f = filterConditions(filter, 'l', p);
  return `SELECT 0 AS kind, l.pk AS key, l.lat, l.lon FROM json_each(${ranges}) r CROSS JOIN locations l INDEXED BY locations_tile
      WHERE ${cell('l')} AND ${inAreaSql(a, 'l', p)} AND ${PUBLISHED} AND ${NO_SITE}
        ${f.length ? `AND ${f.join(' AND ')}` : ''}
    UNION ALL
    SELECT 1, s.id, s.lat, s.lon FROM json_each(${ranges}) r CROSS JOIN sites s INDEXED BY sites_cell
      WHERE ${cell('s')} AND ${inAreaSql(a, 's', p)} AND s.merged_into IS NULL AND ${memberMatches(filter, p)}`;
}

/** The published locations of the sites in `pts` (kind, key), as (key, pk). */
const MEMBERS = `SELECT pts.key, l.pk FROM pts CROSS JOIN locations l ON l.pk = pts.key WHERE pts.kind = 0
    UNION ALL
    SELECT pts.key, l.pk FROM pts CROSS JOIN locations l INDEXED BY locations_site ON l.site_id = pts.key
      WHERE pts.kind = 1 AND ${PUBLISHED}`;

/** Counts per site key over `members`: the single place that reads EVSE rows for cluster tiles. */
function siteCountsSql(p: SqlParams, fresh: string): string {
  const f = p.add(fresh);
  return `SELECT m.key,
      count(e.pk) AS evses,
      coalesce(sum(e.status = 'AVAILABLE' AND e.status_updated_at >= ${f}), 0) AS available,
      coalesce(sum(e.status IN ${BUSY} AND e.status_updated_at >= ${f}), 0) AS busy,
      coalesce(sum(e.status IN ${BROKEN} AND e.status_updated_at >= ${f}), 0) AS broken,
      coalesce(sum(e.max_power_w), 0) AS installed_w
    FROM members m LEFT JOIN evses e INDEXED BY evses_location ON e.location_pk = m.pk AND e.removed_at IS NULL
    GROUP BY m.key`;
}

/** A site of a site-zoom tile as the `sites` layer shows it: its stored fields and its live counts. */
export interface TileSite extends LiveCounts {
  id: string;
  lat: number;
  lon: number;
  evse_count: number;
  name: string | null;
  operator: string | null;
  max_power_kw: number | null;
  /** JSON list of { standard, power_kw, count }, as the list feature holds it. */
  connectors: string;
}

type TileSiteRow = Omit<TileSite, 'available' | 'busy' | 'broken'> & { statuses: string };

/**
 * The row with its live counts: the stored statuses (site_features.statuses, [[class, since, n]])
 * confirmed at or after `fresh`, compared as text, as SQL compared status_updated_at with it.
 */
function withLive(r: TileSiteRow, fresh: string): TileSite {
  const counts = [0, 0, 0];
  for (const [c, since, n] of JSON.parse(r.statuses) as [number, string, number][]) {
    if (since >= fresh) counts[c]! += n;
  }
  return {
    id: r.id,
    lat: r.lat,
    lon: r.lon,
    evse_count: r.evse_count,
    name: r.name,
    operator: r.operator,
    max_power_kw: r.max_power_kw,
    connectors: r.connectors,
    free: r.free,
    available: counts[0]!,
    busy: counts[1]!,
    broken: counts[2]!,
  };
}

/** The layer's fields of read-model rows (alias f), name, operator, power and connectors picked in SQL. */
const TILE_SITE_COLUMNS = `f.id, f.lat, f.lon, f.evse_count, f.free,
  json_extract(f.feature, '$.properties.name') AS name,
  json_extract(f.feature, '$.properties.operator') AS operator,
  json_extract(f.feature, '$.properties.max_power_kw') AS max_power_kw,
  json_extract(f.feature, '$.properties.connectors') AS connectors, f.statuses`;

type AreaParams = {
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
};

/**
 * A statement written once: placeholders are bound to the names of `TileParams`, so a request only
 * fills in values (building the statement's text and rewriting its placeholders each time cost
 * ~0.05 ms, a fifth of a z14 tile).
 */
function staticQuery<P>(build: (p: (k: keyof P & string) => string) => string) {
  const sp = new SqlParams();
  const q = sp.bind(build((k) => sp.add(k)));
  const keys = q.params as (keyof P)[];
  return { sql: q.sql, params: (v: P) => keys.map((k) => v[k]) };
}

const inBox = (a: string, p: (k: keyof AreaParams) => string) =>
  `${a}.lat BETWEEN ${p('minLat')} AND ${p('maxLat')} AND ${a}.lon BETWEEN ${p('minLon')} AND ${p('maxLon')}`;

/** Whether site_tiles is built and kept (the tile cells' setup did both), read by the tile's statement. */
const SITE_TILES_READY = `(SELECT value FROM meta WHERE key = '${TILE_CELLS_VERSION_KEY}') IS '${TILE_CELLS_VERSION}'`;

/**
 * The sites of a tile area from site_tiles: a range read per fine-grid row of the tile (the
 * cell ranges' CTE `r`, see withRanges). While the table is not set up (a Worker before its first
 * scheduled run) it answers one row with a NULL id, and the caller reads the read model instead.
 */
const SITE_TILES_IN_AREA = staticQuery<AreaParams>(
  (
    p,
  ) => `SELECT t.id, t.lat, t.lon, t.evse_count, t.free, t.name, t.operator, t.max_power_kw, t.connectors, t.statuses
    FROM r CROSS JOIN site_tiles t WHERE ${SITE_TILES_READY} AND t.key BETWEEN r.lo AND r.hi AND ${inBox('t', p)}
    UNION ALL SELECT NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL, '[]' WHERE NOT ${SITE_TILES_READY}`,
);

/**
 * The sites of a tile area from the read model, without site_tiles: candidates from the cell
 * indexes of locations and sites, then each one's read-model row by id, which exists only for a
 * published site and holds the site's own position. A location candidate must be published (read
 * from the covering index locations_tile): an unpublished one has no row.
 */
const SITES_IN_AREA = staticQuery<AreaParams>(
  (p) => `, cand(id) AS (SELECT l.pk FROM r CROSS JOIN locations l INDEXED BY locations_tile
        WHERE l.publish = 1 AND l.removed_at IS NULL AND l.cell BETWEEN r.lo AND r.hi AND ${inBox('l', p)}
          AND ${PUBLISHED}
      UNION SELECT s.id FROM r CROSS JOIN sites s INDEXED BY sites_cell
        WHERE s.cell BETWEEN r.lo AND r.hi AND ${inBox('s', p)})
    SELECT ${TILE_SITE_COLUMNS} FROM cand CROSS JOIN site_features f ON f.id = cand.id
    WHERE ${inBox('f', p)}`,
);

const withRangesTexts = new Map<string, string>();

/**
 * A statement (a SELECT, or more CTEs from a comma on) after `n` key ranges, bound as its first 2n
 * parameters in a VALUES list `r(lo, hi)` (one text per statement and n, so each is prepared
 * once): a JSON list of them, parsed per request by json_each, cost ~5 us.
 */
function withRanges(sql: string, n: number): string {
  const key = `${n} ${sql}`;
  let text = withRangesTexts.get(key);
  if (!text) {
    text = `WITH r(lo, hi) AS (VALUES ${Array.from({ length: n }, () => '(?, ?)').join(', ')})${sql.startsWith(',') ? '' : ' '}${sql}`;
    withRangesTexts.set(key, text);
  }
  return text;
}

/**
 * The site_tiles key ranges of tile t (zoom 11 or more): one per fine-grid row the tile covers
 * (4 at zoom 11, 2 at 12, 1 from 13, where the range is the cell holding the tile).
 */
export function siteTileRanges(t: { z: number; x: number; y: number }): [number, number][] {
  const shift = FINE_BITS - t.z;
  if (shift <= 0) {
    const row = Math.floor(t.y / 2 ** -shift);
    const col = Math.floor(t.x / 2 ** -shift);
    return [[cellFirstKey(row, col), cellFirstKey(row, col + 1) - 1]];
  }
  const side = 2 ** shift;
  return Array.from({ length: side }, (_, i) => {
    const row = t.y * side + i;
    return [cellFirstKey(row, t.x * side), cellFirstKey(row, (t.x + 1) * side) - 1];
  });
}

/** Every published site of tile t (its area `area`), in no order. */
export async function tileSitesInArea(
  db: Db,
  t: { z: number; x: number; y: number },
  area: TileArea,
  fresh: string,
): Promise<TileSite[]> {
  const b = area.box;
  const keys = siteTileRanges(t);
  let rows = await db.all<TileSiteRow>(withRanges(SITE_TILES_IN_AREA.sql, keys.length), [
    ...keys.flat(),
    ...SITE_TILES_IN_AREA.params(b),
  ]);
  if (rows[0]?.id === null) {
    const cells = cellRanges(b, 8);
    rows = await db.all<TileSiteRow>(withRanges(SITES_IN_AREA.sql, cells.length), [
      ...cells.flat(),
      ...SITES_IN_AREA.params(b),
    ]);
  }
  return rows.filter((s) => inTileArea(area, s.lat, s.lon)).map((s) => withLive(s, fresh));
}

const SITES_BY_IDS = `SELECT ${TILE_SITE_COLUMNS} FROM json_each(?) j CROSS JOIN site_features f ON f.id = j.value`;

/** The given sites (a filtered tile's matches), by primary key. */
export async function tileSitesByIds(db: Db, ids: string[], fresh: string): Promise<TileSite[]> {
  if (ids.length === 0) return [];
  return (await db.all<TileSiteRow>(SITES_BY_IDS, [JSON.stringify(ids)])).map((s) => withLive(s, fresh));
}

export interface ClusterCell {
  col: number;
  row: number;
  sites: number;
  evses: number;
  available: number;
  installed_w: number;
  lat: number;
  lon: number;
  min_lat: number;
  min_lon: number;
  max_lat: number;
  max_lon: number;
}

export interface ClusterGrid {
  area: TileArea;
  filter: LocationFilter;
  /** Columns (and rows) per tile. */
  size: number;
  /** The latitudes between rows, south to north (Web Mercator rows are not equal in latitude). */
  rowLats: number[];
  fresh: string;
}

/**
 * The sites of a tile folded into grid cells: counts, sums and the mean position of each cell,
 * in row then column order. Every site of the tile is in exactly one cell.
 */
export async function clusterCells(db: Db, g: ClusterGrid): Promise<ClusterCell[]> {
  const p = new SqlParams();
  const pts = sitesInAreaSql(g.area, g.filter, p);
  const west = p.add(g.area.box.minLon);
  const width = p.add(g.area.box.maxLon - g.area.box.minLon);
  const size = p.add(g.size);
  const row = g.rowLats.map((lat) => `(pts.lat <= ${p.add(lat)})`).join(' + ') || '0';
  const q = p.bind(`WITH pts AS MATERIALIZED (${pts}),
    members AS (${MEMBERS}),
    counts AS (${siteCountsSql(p, g.fresh)})
    SELECT min(${size} - 1, CAST((pts.lon - ${west}) * ${size} / ${width} AS INTEGER)) AS col, ${row} AS row,
      count(*) AS sites, sum(c.evses) AS evses, sum(c.available) AS available, sum(c.installed_w) AS installed_w,
      avg(pts.lat) AS lat, avg(pts.lon) AS lon,
      min(pts.lat) AS min_lat, min(pts.lon) AS min_lon, max(pts.lat) AS max_lat, max(pts.lon) AS max_lon
    FROM pts JOIN counts c ON c.key = pts.key
    GROUP BY col, row ORDER BY row, col`);
  return db.all<ClusterCell>(q.sql, q.params);
}

/** A precomputed cluster cell (src/db/tile-cells.ts); sums are in 1e-7 degrees. */
export interface StoredCell {
  y: number;
  x: number;
  sites: number;
  evses: number;
  installed_w: number;
  lat_sum: number;
  lon_sum: number;
  split_zoom: number;
}

/** The cell rows and columns of tile (z, x, y): 8 each, from (y << 3, x << 3). */
function cellRange(t: { z: number; x: number; y: number }) {
  const side = 2 ** CELL_BITS;
  const ys = Array.from({ length: side }, (_, i) => t.y * side + i);
  return { ys, minX: t.x * side, maxX: t.x * side + side - 1 };
}

/**
 * The precomputed cells of a cluster tile, in row then column order: one primary-key seek per cell
 * row, at most 64 rows. Null while the cells are not set up (a Worker before its first cron run).
 */
export async function storedCells(
  db: Db,
  t: { z: number; x: number; y: number },
): Promise<StoredCell[] | null> {
  if (!(await db.get(TILE_CELLS_READY))) return null;
  const r = cellRange(t);
  return db.all<StoredCell>(
    `SELECT y, x, sites, evses, installed_w, lat_sum, lon_sum, split_zoom FROM tile_cells
     WHERE zoom = ? AND y IN (${r.ys.map(() => '?').join(', ')}) AND x BETWEEN ? AND ? ORDER BY y, x`,
    [t.z, ...r.ys, r.minX, r.maxX],
  );
}

/**
 * The published sites of a tile: its precomputed cells' sum (at most 64 rows by primary key), or,
 * before the cells are set up, the tile's ids counted on the spread index.
 */
export async function tileSiteCount(
  db: Db,
  t: { z: number; x: number; y: number },
  area: TileArea,
): Promise<number> {
  const cells = t.z <= CELL_MAX_ZOOM ? await storedCells(db, t) : null;
  if (cells) return cells.reduce((n, c) => n + c.sites, 0);
  const rows = await scanAll<{ lat: number; lon: number }>(db, {
    table: SITE_FEATURES,
    columns: 'f.id AS pk, f.lat, f.lon',
    box: area.box,
    where: () => [],
  });
  return rows.filter((s) => inTileArea(area, s.lat, s.lon)).length;
}

/**
 * The EVSEs AVAILABLE with a status confirmed since `fresh`, per cell of a cluster tile: the one
 * count of a cell that moves with the clock, so it is read per request, through the index of fresh
 * statuses (its cost grows with the statuses confirmed within the stale threshold, not with the
 * sites of the tile). `box` is the tile's, closed; the cell keys decide.
 */
export async function freshAvailableByCell(
  db: Db,
  t: { z: number; x: number; y: number },
  box: Bbox,
  fresh: string,
): Promise<Map<string, number>> {
  const key = cellKeySql('sf', t.z);
  const r = cellRange(t);
  const rows = await db.all<{ y: number; x: number; n: number }>(
    `SELECT y, x, count(*) AS n FROM (
       SELECT ${key.y} AS y, ${key.x} AS x
       FROM evses e INDEXED BY evses_fresh_available
       JOIN locations l ON l.pk = e.location_pk
       JOIN site_features sf ON sf.id = ${siteKeySql('l')}
       WHERE e.status = 'AVAILABLE' AND e.removed_at IS NULL AND e.status_updated_at >= ? AND ${PUBLISHED}
         AND sf.lon >= ? AND sf.lon <= ? AND sf.lat >= ? AND sf.lat <= ?)
     WHERE y BETWEEN ? AND ? AND x BETWEEN ? AND ? GROUP BY y, x`,
    [fresh, box.minLon, box.maxLon, box.minLat, box.maxLat, r.ys[0], r.ys.at(-1), r.minX, r.maxX],
  );
  return new Map(rows.map((c) => [`${c.y}/${c.x}`, c.n]));
}

export interface PublishedSource {
  id: string;
  name: string;
  license: string;
  attribution: string | null;
}

/** Sources with a republishable licence that have a published location: whose data tiles show. */
export async function publishedSources(db: Db): Promise<PublishedSource[]> {
  return db.all<PublishedSource>(
    `SELECT s.id, s.name, s.license, s.attribution FROM sources s
     WHERE s.id IN (${REPUBLISHABLE_SOURCES})
       AND EXISTS (SELECT 1 FROM locations l WHERE l.source_id = s.id AND ${PUBLISHED})
     ORDER BY s.id`,
  );
}

/** The box around every published location, or null when there is none. */
export async function publishedBounds(db: Db): Promise<Bbox | null> {
  const r = await db.get<{ minLon: number | null; minLat: number; maxLon: number; maxLat: number }>(
    `SELECT min(l.lon) AS minLon, min(l.lat) AS minLat, max(l.lon) AS maxLon, max(l.lat) AS maxLat
     FROM locations l WHERE ${PUBLISHED}`,
  );
  return r && r.minLon != null ? (r as Bbox) : null;
}

/**
 * The cells of the finest cluster zoom that hold a published site, as (y, x) on its 2^13 x 2^13
 * grid, which is the grid of zoom 13 tiles: the tiles with sites at zooms up to 13 are these
 * shifted right. Null while the cells are not set up.
 */
export async function occupiedFineCells(db: Db): Promise<{ y: number; x: number }[] | null> {
  if (!(await db.get(TILE_CELLS_READY))) return null;
  return db.all<{ y: number; x: number }>(
    `SELECT y, x FROM tile_cells WHERE zoom = ${CELL_MAX_ZOOM} AND sites > 0`,
  );
}
