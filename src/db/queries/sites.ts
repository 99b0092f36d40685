// Sites: the published locations that share a `site_id` (filled by dedupe) form one site; a location
// without one is a site of its own, whose id is the location's pk. A site's position is its `sites`
// row when dedupe wrote one, else that of its first location (by pk), so the API works before,
// during and after dedupe. A site matches a filter when one of its published locations does.
import type { Bbox } from '../spatial-key.js';
import type { Db } from '../types.js';
import {
  bboxCondition,
  filterConditions,
  LOCATION_COLUMNS,
  type LocationFilter,
  type LocationRow,
  PUBLISHED,
  publishedLocationsByPk,
  publishedSql,
} from './locations.js';
import { scanAll, spreadScan } from './spread-scan.js';
import { SqlParams } from './sql-params.js';

/** lone: a location without site_id; site: a `sites` row; group: a site_id without a row (yet). */
export type SiteKind = 'lone' | 'site' | 'group';

export interface SitePoint {
  id: string;
  lat: number;
  lon: number;
  kind: SiteKind;
}

export interface SiteQuery {
  bbox?: Bbox;
  filter: LocationFilter;
  /** Keyset paging by site id. */
  after?: string;
  /** Omitted: every matching site, unordered (distance queries sort them themselves). */
  limit?: number;
}

function memberMatches(siteIdSql: string, filter: LocationFilter, p: SqlParams): string {
  const f = filterConditions(filter, 'l', p);
  return `EXISTS (SELECT 1 FROM locations l WHERE l.site_id = ${siteIdSql} AND ${PUBLISHED}
    ${f.length ? `AND ${f.join(' AND ')}` : ''})`;
}

function siteRowsSql(q: SiteQuery): { sql: string; params: unknown[] } {
  const p = new SqlParams();
  const where = ['s.merged_into IS NULL', memberMatches('s.id', q.filter, p)];
  if (q.bbox) where.push(bboxCondition(q.bbox, 's', p));
  if (q.after != null) where.push(`s.id > ${p.add(q.after)}`);
  const tail = q.limit == null ? '' : ` ORDER BY s.id LIMIT ${p.add(q.limit)}`;
  return p.bind(`SELECT s.id AS pk, s.lat, s.lon FROM sites s WHERE ${where.join(' AND ')}${tail}`);
}

function groupRowsSql(q: SiteQuery): { sql: string; params: unknown[] } {
  const p = new SqlParams();
  const where = [
    'g.site_id IS NOT NULL',
    publishedSql('g'),
    'NOT EXISTS (SELECT 1 FROM sites s WHERE s.id = g.site_id AND s.merged_into IS NULL)',
    `g.pk = (SELECT min(l.pk) FROM locations l WHERE l.site_id = g.site_id AND ${PUBLISHED})`,
    memberMatches('g.site_id', q.filter, p),
  ];
  if (q.bbox) where.push(bboxCondition(q.bbox, 'g', p));
  if (q.after != null) where.push(`g.site_id > ${p.add(q.after)}`);
  const tail = q.limit == null ? '' : ` ORDER BY g.site_id LIMIT ${p.add(q.limit)}`;
  return p.bind(`SELECT g.site_id AS pk, g.lat, g.lon FROM locations g WHERE ${where.join(' AND ')}${tail}`);
}

type Row = { pk: string; lat: number; lon: number };

const asPoints = (rows: Row[], kind: SiteKind): SitePoint[] =>
  rows.map((r) => ({ id: r.pk, lat: r.lat, lon: r.lon, kind }));

/** Matching sites in id order (or all of them, unordered, without a limit). */
export async function sitePoints(db: Db, q: SiteQuery): Promise<SitePoint[]> {
  const lone = {
    columns: 'l.pk, l.lat, l.lon',
    box: q.bbox,
    after: q.after,
    where: (p: SqlParams) => [PUBLISHED, 'l.site_id IS NULL', ...filterConditions(q.filter, 'l', p)],
  };
  const sites = siteRowsSql(q);
  const groups = groupRowsSql(q);
  const [a, b, c] = await Promise.all([
    q.limit == null ? scanAll<Row>(db, lone) : spreadScan<Row>(db, lone, q.limit),
    db.all<Row>(sites.sql, sites.params),
    db.all<Row>(groups.sql, groups.params),
  ]);
  const all = [...asPoints(a, 'lone'), ...asPoints(b, 'site'), ...asPoints(c, 'group')];
  if (q.limit == null) return all;
  all.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return all.slice(0, q.limit);
}

export interface SiteRow {
  id: string;
  lat: number;
  lon: number;
  fields: string;
  updated_at: string;
}

export interface SiteMembers {
  /** Published locations by site id, each list in pk order. */
  locations: Map<string, LocationRow[]>;
  /** `sites` rows of the sites that have one. */
  rows: Map<string, SiteRow>;
}

/** The published locations (and sites rows) of the given sites. */
export async function siteMembers(db: Db, points: Pick<SitePoint, 'id' | 'kind'>[]): Promise<SiteMembers> {
  const lone = points.filter((s) => s.kind === 'lone').map((s) => s.id);
  const grouped = points.filter((s) => s.kind !== 'lone').map((s) => s.id);
  const withRow = points.filter((s) => s.kind === 'site').map((s) => s.id);
  const [loneRows, groupRows, siteRows] = await Promise.all([
    publishedLocationsByPk(db, lone),
    grouped.length === 0
      ? Promise.resolve([] as LocationRow[])
      : db.all<LocationRow>(
          `SELECT ${LOCATION_COLUMNS} FROM locations l
           WHERE l.site_id IN (SELECT value FROM json_each(?)) AND ${PUBLISHED} ORDER BY l.pk`,
          [JSON.stringify(grouped)],
        ),
    withRow.length === 0
      ? Promise.resolve([] as SiteRow[])
      : db.all<SiteRow>(
          'SELECT id, lat, lon, fields, updated_at FROM sites WHERE id IN (SELECT value FROM json_each(?))',
          [JSON.stringify(withRow)],
        ),
  ]);
  const locations = new Map<string, LocationRow[]>();
  for (const r of loneRows) locations.set(r.pk, [r]);
  for (const r of groupRows) {
    const list = locations.get(r.site_id!);
    if (list) list.push(r);
    else locations.set(r.site_id!, [r]);
  }
  return { locations, rows: new Map(siteRows.map((r) => [r.id, r])) };
}

export type SiteLookup =
  | { found: 'site'; point: SitePoint }
  | { found: 'moved'; to: string }
  | { found: 'none' };

/**
 * Resolves a site id: a live site, a merged site or a location that belongs to a site (both
 * answered with where the site lives now), or nothing.
 */
export async function findSite(db: Db, id: string): Promise<SiteLookup> {
  const row = await db.get<{ id: string; lat: number; lon: number; merged_into: string | null }>(
    'SELECT id, lat, lon, merged_into FROM sites WHERE id = ?',
    [id],
  );
  if (row?.merged_into) return { found: 'moved', to: row.merged_into };
  const first = await db.get<{ pk: string; lat: number; lon: number }>(
    `SELECT l.pk, l.lat, l.lon FROM locations l WHERE l.site_id = ? AND ${PUBLISHED} ORDER BY l.pk LIMIT 1`,
    [id],
  );
  if (first) {
    return row
      ? { found: 'site', point: { id, lat: row.lat, lon: row.lon, kind: 'site' } }
      : { found: 'site', point: { id, lat: first.lat, lon: first.lon, kind: 'group' } };
  }
  const loc = await db.get<{ pk: string; lat: number; lon: number; site_id: string | null }>(
    `SELECT l.pk, l.lat, l.lon, l.site_id FROM locations l WHERE l.pk = ? AND ${PUBLISHED}`,
    [id],
  );
  if (!loc) return { found: 'none' };
  if (loc.site_id != null) return { found: 'moved', to: loc.site_id };
  return { found: 'site', point: { id: loc.pk, lat: loc.lat, lon: loc.lon, kind: 'lone' } };
}
