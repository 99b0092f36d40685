// Sites: the published locations that share a `site_id` (filled by dedupe, with a `sites` row) form
// one site, positioned by its `sites` row; a location without a site is a site of its own, whose
// id is the location's pk. A `site_id` without a live `sites` row (dedupe writes both in one batch,
// so only a half-written state) is treated as no site. So the API works before and after dedupe.
// A site matches a filter when one of its published locations does.
import type { Bbox } from '../../model/geo.js';
import type { Db } from '../types.js';
import {
  filterConditions,
  LOCATION_COLUMNS,
  type LocationFilter,
  type LocationRow,
  publishedLocationsByPk,
} from './locations.js';
import { PUBLISHED, REPUBLISHABLE_SOURCES } from './publication.js';
import { SITES, scanAll, spreadScan } from './spread-scan.js';
import type { SqlParams } from './sql-params.js';

/** lone: a location that is its own site; site: a `sites` row with its members. */
export type SiteKind = 'lone' | 'site';

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

/** The id of the site a location belongs to: its live site, else itself. */
export const siteKeySql = (alias: string) =>
  `CASE WHEN ${alias}.site_id IS NOT NULL AND EXISTS (SELECT 1 FROM sites s WHERE s.id = ${alias}.site_id
    AND s.merged_into IS NULL) THEN ${alias}.site_id ELSE ${alias}.pk END`;

/** A location outside any live site. */
export const NO_SITE = `(l.site_id IS NULL OR NOT EXISTS (SELECT 1 FROM sites s WHERE s.id = l.site_id AND s.merged_into IS NULL))`;

/** A live site (alias `s`) with a published location that matches the filter. */
export function memberMatches(filter: LocationFilter, p: SqlParams): string {
  const f = filterConditions(filter, 'l', p);
  return `EXISTS (SELECT 1 FROM locations l WHERE l.site_id = s.id AND ${PUBLISHED}
    ${f.length ? `AND ${f.join(' AND ')}` : ''})`;
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
    where: (p: SqlParams) => [PUBLISHED, NO_SITE, ...filterConditions(q.filter, 'l', p)],
  };
  const sites = {
    table: SITES,
    columns: 's.id AS pk, s.lat, s.lon',
    box: q.bbox,
    after: q.after,
    where: (p: SqlParams) => ['s.merged_into IS NULL', memberMatches(q.filter, p)],
  };
  const [a, b] = await Promise.all(
    q.limit == null
      ? [scanAll<Row>(db, lone), scanAll<Row>(db, sites)]
      : [spreadScan<Row>(db, lone, q.limit), spreadScan<Row>(db, sites, q.limit)],
  );
  const all = [...asPoints(a, 'lone'), ...asPoints(b, 'site')];
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
  const grouped = points.filter((s) => s.kind === 'site').map((s) => s.id);
  const withRow = grouped;
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
  const open = siteRows.length
    ? new Set((await db.all<{ id: string }>(REPUBLISHABLE_SOURCES)).map((r) => r.id))
    : new Set<string>();
  return {
    locations,
    rows: new Map(siteRows.map((r) => [r.id, { ...r, fields: publishableFields(r.fields, open) }])),
  };
}

/**
 * Dedupe's resolved fields without the values taken from a source we may not republish (dedupe
 * groups by place, not by licence); the member list keeps only republishable members too. Records
 * whose own licence forbids it lent no field when dedupe built the document (build-site.ts) and
 * are left out of the member list here.
 */
function publishableFields(json: string, open: Set<string>): string {
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return '{}';
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (Array.isArray(v)) {
      out[k] = v.filter((m: { source?: string; lends_fields?: boolean }) => {
        return open.has(m.source ?? '') && m.lends_fields !== false;
      });
    } else if (v && typeof v === 'object' && 'source' in v) {
      if (open.has(String((v as { source: unknown }).source))) out[k] = v;
    } else out[k] = v;
  }
  return JSON.stringify(out);
}

export type SiteLookup =
  | { found: 'site'; point: SitePoint }
  | { found: 'moved'; to: string }
  | { found: 'none' };

/**
 * Resolves a site id: a live site, a merged site or a location that belongs to a site (both
 * answered with where the site lives now), a location of its own, or nothing.
 */
export async function findSite(db: Db, id: string): Promise<SiteLookup> {
  const row = await db.get<{ id: string; lat: number; lon: number; merged_into: string | null }>(
    'SELECT id, lat, lon, merged_into FROM sites WHERE id = ?',
    [id],
  );
  if (row?.merged_into) return { found: 'moved', to: row.merged_into };
  if (row) {
    const member = await db.get(
      `SELECT 1 AS ok FROM locations l WHERE l.site_id = ? AND ${PUBLISHED} LIMIT 1`,
      [id],
    );
    if (member) return { found: 'site', point: { id, lat: row.lat, lon: row.lon, kind: 'site' } };
  }
  const loc = await db.get<{ pk: string; lat: number; lon: number; site_id: string | null; live: number }>(
    `SELECT l.pk, l.lat, l.lon, l.site_id, NOT ${NO_SITE} AS live FROM locations l WHERE l.pk = ? AND ${PUBLISHED}`,
    [id],
  );
  if (!loc) return { found: 'none' };
  if (loc.site_id != null && loc.live) return { found: 'moved', to: loc.site_id };
  return { found: 'site', point: { id: loc.pk, lat: loc.lat, lon: loc.lon, kind: 'lone' } };
}
