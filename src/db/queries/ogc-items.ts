// What /ogc reads beyond the /v1 queries: pages in descending id order (the `prev` links; the
// ascending pages reuse the spread scans of sites.ts and locations.ts) and the collections' extents.
import type { Bbox } from '../../model/geo.js';
import { TILE_CELLS_READY } from '../tile-cells.js';
import type { Db } from '../types.js';
import { cellBox } from './cell-box.js';
import { bboxCondition, filterConditions, type LocationFilter } from './locations.js';
import { PUBLISHED } from './publication.js';
import { memberMatches, NO_SITE, type SitePoint } from './sites.js';
import { SqlParams } from './sql-params.js';

type Row = { pk: string; lat: number; lon: number };

function descending(
  table: string,
  where: (p: SqlParams) => string[],
  box: Bbox | undefined,
  before: string,
  limit: number,
) {
  const p = new SqlParams();
  const alias = table.startsWith('sites') ? 's' : 'l';
  const id = alias === 's' ? 's.id' : 'l.pk';
  const conds = [...where(p), `${id} < ${p.add(before)}`];
  if (box) conds.push(bboxCondition(box, alias, p));
  return p.bind(
    `SELECT ${id} AS pk, ${alias}.lat, ${alias}.lon FROM ${table} WHERE ${conds.join(' AND ')}
     ORDER BY ${id} DESC LIMIT ${p.add(limit)}`,
  );
}

/** The `limit` published sites (matching `filter` as /v1/sites does) before `before` in id order, nearest first. */
export async function sitePointsBefore(
  db: Db,
  box: Bbox | undefined,
  before: string,
  limit: number,
  filter: LocationFilter = {},
) {
  const lone = descending(
    'locations l',
    (p) => [PUBLISHED, NO_SITE, ...filterConditions(filter, 'l', p)],
    box,
    before,
    limit,
  );
  const grouped = descending(
    'sites s',
    (p) => ['s.merged_into IS NULL', memberMatches(filter, p)],
    box,
    before,
    limit,
  );
  const [a, b] = await Promise.all([
    db.all<Row>(lone.sql, lone.params),
    db.all<Row>(grouped.sql, grouped.params),
  ]);
  const all: SitePoint[] = [
    ...a.map((r) => ({ id: r.pk, lat: r.lat, lon: r.lon, kind: 'lone' as const })),
    ...b.map((r) => ({ id: r.pk, lat: r.lat, lon: r.lon, kind: 'site' as const })),
  ];
  all.sort((x, y) => (x.id < y.id ? 1 : x.id > y.id ? -1 : 0));
  return all.slice(0, limit);
}

/** The pks of the `limit` published locations (matching `filter`) before `before`, nearest first. */
export async function locationIdsBefore(
  db: Db,
  box: Bbox | undefined,
  before: string,
  limit: number,
  filter: LocationFilter = {},
) {
  const q = descending(
    'locations l',
    (p) => [PUBLISHED, ...filterConditions(filter, 'l', p)],
    box,
    before,
    limit,
  );
  return (await db.all<Row>(q.sql, q.params)).map((r) => r.pk);
}

// A published location in cells r.a..r.b, and (for `sites`) a live site there with a published
// member: the position dedupe chose for a site is one of its members', but not always a published one.
export const LOCATION_IN_CELLS = `EXISTS (SELECT 1 FROM locations l WHERE l.cell BETWEEN r.a AND r.b AND ${PUBLISHED})`;
export const SITE_IN_CELLS = `EXISTS (SELECT 1 FROM sites s WHERE s.cell BETWEEN r.a AND r.b AND s.merged_into IS NULL
  AND EXISTS (SELECT 1 FROM locations l WHERE l.site_id = s.id AND ${PUBLISHED}))`;
const locationRows = (cells: string) =>
  `SELECT l.lat, l.lon FROM locations l WHERE l.cell IN (${cells}) AND ${PUBLISHED}`;
const siteRows = (cells: string) =>
  `SELECT s.lat, s.lon FROM sites s WHERE s.cell IN (${cells}) AND s.merged_into IS NULL
   AND EXISTS (SELECT 1 FROM locations l WHERE l.site_id = s.id AND ${PUBLISHED})`;

export interface Extent {
  bbox: [number, number, number, number] | null;
  /** Always open at both ends: see publishedExtent. */
  interval: [null, null];
}

/**
 * Where the published data lies: the box of the published locations (and of live sites, whose
 * position dedupe chose), exact, from the cell index (./cell-box.ts: ~130 index probes, 54-64 ms on
 * 1M EVSEs, against one scan of every location: 1.0-1.6 s warm).
 *
 * The time range is left open (null, null: "unbounded" in OGC API - Features). Its exact ends are the
 * min and max last_updated of the published locations, which no index orders: a scan, the cost this
 * replaces, or an index on last_updated, which every location write would keep (+0.9 % of SQLite's
 * work in a full sync, the project's one unmet figure). The items' `datetime` filter still selects
 * on last_updated exactly (docs/ogc.md).
 */
export async function publishedExtent(db: Db, withSites: boolean): Promise<Extent> {
  const box = withSites
    ? await cellBox(
        db,
        `(${LOCATION_IN_CELLS} OR ${SITE_IN_CELLS})`,
        (c) => `${locationRows(c)} UNION ALL ${siteRows(c)}`,
      )
    : await cellBox(db, LOCATION_IN_CELLS, locationRows);
  if (!box) return { bbox: null, interval: [null, null] };
  // Outwards to the 7 decimals features carry, so every rounded position lies inside.
  const down = (v: number) => Math.floor(v * 1e7) / 1e7;
  const up = (v: number) => Math.ceil(v * 1e7) / 1e7;
  return {
    bbox: [down(box[0]), down(box[1]), up(box[2]), up(box[3])],
    interval: [null, null],
  };
}

/**
 * How many sites the unfiltered `sites` collection holds, from the cluster cells of zoom 0 (at most
 * 64 rows, kept by triggers on the read model: docs/tiles.md) rather than a count over every site;
 * null while the cells are not built (a Worker before its first scheduled run).
 */
export async function publishedSiteCount(db: Db): Promise<number | null> {
  const row = await db.get<{ n: number | null }>(
    `SELECT (SELECT coalesce(sum(sites), 0) FROM tile_cells WHERE zoom = 0) AS n WHERE EXISTS (${TILE_CELLS_READY})`,
  );
  return row?.n ?? null;
}
