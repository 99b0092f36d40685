// Read queries for the public location view. What is published is decided in publication.ts.

import type { Bbox } from '../../model/geo.js';
import type { Lifecycle } from '../../model/types.js';
import { cellRanges } from '../spatial-key.js';
import type { Db } from '../types.js';
import { PUBLISHED } from './publication.js';
import { scanAll, splitAtAntimeridian, spreadScan } from './spread-scan.js';
import type { SqlParams } from './sql-params.js';

export interface LocationRow {
  pk: string;
  source_id: string;
  country_code: string;
  party_id: string;
  ocpi_id: string;
  name: string | null;
  address: string | null;
  city: string | null;
  postal_code: string | null;
  state: string | null;
  country: string | null;
  lat: number;
  lon: number;
  parking_type: string | null;
  time_zone: string | null;
  operator_name: string | null;
  operator_website: string | null;
  suboperator_name: string | null;
  owner_name: string | null;
  facilities: string;
  opening_times: string | null;
  charging_when_closed: number | null;
  max_power_w: number | null;
  last_updated: string;
  site_id: string | null;
  /** The record's own licence (null: the source's). */
  license: string | null;
  lifecycle: Lifecycle;
}

export const LOCATION_COLUMNS = `l.pk, l.source_id, l.country_code, l.party_id, l.ocpi_id, l.name, l.address, l.city,
  l.postal_code, l.state, l.country, l.lat, l.lon, l.parking_type, l.time_zone, l.operator_name,
  l.operator_website, l.suboperator_name, l.owner_name, l.facilities, l.opening_times, l.charging_when_closed,
  l.max_power_w, l.last_updated, l.site_id, l.license, l.lifecycle`;

/** SQL and parameters selecting rows inside the box (split in two across the antimeridian). */
export function bboxFilter(box: Bbox, alias = 'l'): { sql: string; params: unknown[] } {
  const boxes = splitAtAntimeridian(box);
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const b of boxes) {
    const ranges = cellRanges(b, boxes.length === 1 ? 24 : 12);
    const cellSql = ranges.map(() => `${alias}.cell BETWEEN ? AND ?`).join(' OR ');
    parts.push(`((${cellSql}) AND ${alias}.lat BETWEEN ? AND ? AND ${alias}.lon BETWEEN ? AND ?)`);
    for (const [from, to] of ranges) params.push(from, to);
    params.push(b.minLat, b.maxLat, b.minLon, b.maxLon);
  }
  return { sql: `(${parts.join(' OR ')})`, params };
}

/**
 * The same box condition with numbered parameters: the key ranges travel as one JSON parameter, so
 * a query that repeats the box (sites, a union of three parts) stays far below D1's 100 bound
 * parameters, and SQLite still answers each range from the cell index.
 */
export function bboxCondition(box: Bbox, alias: string, p: SqlParams): string {
  const boxes = splitAtAntimeridian(box);
  const parts = boxes.map((b) => {
    const ranges = p.add(JSON.stringify(cellRanges(b, boxes.length === 1 ? 24 : 12)));
    return `(EXISTS (SELECT 1 FROM json_each(${ranges}) r
        WHERE ${alias}.cell BETWEEN json_extract(r.value, '$[0]') AND json_extract(r.value, '$[1]'))
      AND ${alias}.lat BETWEEN ${p.add(b.minLat)} AND ${p.add(b.maxLat)}
      AND ${alias}.lon BETWEEN ${p.add(b.minLon)} AND ${p.add(b.maxLon)})`;
  });
  return `(${parts.join(' OR ')})`;
}

/** What a map or a researcher filters on; every field optional, all given ones must hold. */
export interface LocationFilter {
  /** ISO 3166-1 alpha-3 codes of the site's country (alpha-2 of the party when the site has none). */
  countries?: { alpha3: string; alpha2: string | null }[];
  operator?: string;
  /** OCPI ConnectorType values, upper-cased. */
  connectors?: string[];
  minPowerW?: number;
  maxPowerW?: number;
  /** At least one EVSE whose current status is AVAILABLE. */
  available?: boolean;
  /** true: a connector references a no-cost tariff; false: none does. */
  free?: boolean;
  sources?: string[];
  /** Licence ids, lower-cased: the record's own, else its source's. */
  licenses?: string[];
  /** Life cycles (model/lifecycle.ts); removed ones are never published whatever is asked. */
  lifecycles?: Lifecycle[];
  /** `YYYY-MM-DDTHH:MM:SSZ`, compared with the OCPI last_updated (which covers EVSEs and connectors). */
  updatedSince?: string;
  /** The same, an upper bound (OGC datetime intervals). */
  updatedUntil?: string;
  /** The row's strongest connector (locations.max_power_w) at least this: a cheap prefilter. */
  rowMaxPowerAtLeastW?: number;
  /**
   * Text columns matching LIKE patterns whose escape character is `\` (CQL2's). SQLite's LIKE
   * folds ASCII case, so it keeps every case-sensitive match and more: a prefilter, not a decision.
   */
  likes?: { column: LikeColumn; pattern: string }[];
}

/** The location columns a LIKE may be pushed to: those served as they are stored. */
export type LikeColumn = 'address' | 'city' | 'postal_code' | 'operator_name' | 'ocpi_id' | 'source_id';

/**
 * Whether a live connector of the location (alias) references a no-cost tariff of its party: the
 * `free` filter, and the read model's `free` column (src/db/write-site-features.ts). The location's
 * tariff ids (location_tariffs) are the union over all its stored connectors, so a location with a
 * free one and no removed EVSE is free without reading a connector; only one with a removed EVSE
 * looks for a live connector that lists the tariff. `+lt.tariff_id`: the links are read by the
 * location's key (by the tariff's, the planner read every location of a shared tariff id), and the
 * last condition names `lt` and `t` so that it runs once a link to a free tariff is found, whichever
 * order the planner picks (with or without ANALYZE).
 */
export const hasFreeTariffSql = (l: string) => `EXISTS (SELECT 1 FROM location_tariffs lt
      JOIN tariffs t ON t.source_id = ${l}.source_id AND t.country_code = ${l}.country_code
        AND t.party_id = ${l}.party_id AND t.tariff_id = +lt.tariff_id
      WHERE lt.location_pk = ${l}.pk AND t.is_free = 1 AND t.removed_at IS NULL
        AND (NOT EXISTS (SELECT 1 FROM evses r WHERE r.location_pk = lt.location_pk AND r.removed_at IS NOT NULL)
          OR EXISTS (SELECT 1 FROM connectors c JOIN evses e ON e.pk = c.evse_pk AND e.removed_at IS NULL
            WHERE c.location_pk = ${l}.pk
              AND EXISTS (SELECT 1 FROM json_each(c.tariff_ids) j WHERE t.tariff_id = j.value))))`;

/** Conditions on a locations alias for the filter (without the box), ANDed together. */
export function filterConditions(f: LocationFilter, alias: string, p: SqlParams): string[] {
  const l = alias;
  const out: string[] = [];
  if (f.countries?.length) {
    const a3 = p.add(JSON.stringify(f.countries.map((c) => c.alpha3)));
    const a2 = p.add(JSON.stringify(f.countries.map((c) => c.alpha2).filter(Boolean)));
    out.push(`(upper(${l}.country) IN (SELECT value FROM json_each(${a3}))
      OR (${l}.country IS NULL AND upper(${l}.country_code) IN (SELECT value FROM json_each(${a2}))))`);
  }
  if (f.operator != null) out.push(`${l}.operator_name = ${p.add(f.operator)} COLLATE NOCASE`);
  if (f.connectors?.length || f.minPowerW != null || f.maxPowerW != null) {
    const conds = [`c.location_pk = ${l}.pk`];
    if (f.connectors?.length) {
      conds.push(
        `upper(c.standard) IN (SELECT value FROM json_each(${p.add(JSON.stringify(f.connectors))}))`,
      );
    }
    if (f.minPowerW != null) {
      // The location's strongest connector is stored on the row: a cheap prefilter before the join.
      out.push(`${l}.max_power_w >= ${p.add(f.minPowerW)}`);
      conds.push(`c.max_power_w >= ${p.add(f.minPowerW)}`);
    }
    if (f.maxPowerW != null) conds.push(`c.max_power_w <= ${p.add(f.maxPowerW)}`);
    out.push(`EXISTS (SELECT 1 FROM connectors c JOIN evses e ON e.pk = c.evse_pk AND e.removed_at IS NULL
      WHERE ${conds.join(' AND ')})`);
  }
  if (f.available) {
    out.push(`EXISTS (SELECT 1 FROM evses e WHERE e.location_pk = ${l}.pk AND e.removed_at IS NULL
      AND e.status = 'AVAILABLE')`);
  }
  if (f.free != null) out.push(`${f.free ? '' : 'NOT '}${hasFreeTariffSql(l)}`);
  if (f.sources?.length) {
    out.push(`${l}.source_id IN (SELECT value FROM json_each(${p.add(JSON.stringify(f.sources))}))`);
  }
  if (f.licenses?.length) {
    const wanted = p.add(JSON.stringify(f.licenses));
    out.push(`lower(trim(coalesce(${l}.license, (SELECT license FROM sources WHERE id = ${l}.source_id))))
      IN (SELECT value FROM json_each(${wanted}))`);
  }
  if (f.lifecycles?.length) {
    out.push(`${l}.lifecycle IN (SELECT value FROM json_each(${p.add(JSON.stringify(f.lifecycles))}))`);
  }
  if (f.updatedSince) out.push(`${l}.last_updated >= ${p.add(f.updatedSince)}`);
  if (f.updatedUntil) out.push(`${l}.last_updated <= ${p.add(f.updatedUntil)}`);
  if (f.rowMaxPowerAtLeastW != null) out.push(`${l}.max_power_w >= ${p.add(f.rowMaxPowerAtLeastW)}`);
  // SQLite's LIKE has no escape character unless told: without ESCAPE, `\%` is a backslash and a wildcard.
  for (const like of f.likes ?? []) out.push(`${l}.${like.column} LIKE ${p.add(like.pattern)} ESCAPE '\\'`);
  return out;
}

export interface LocationQuery {
  bbox?: Bbox;
  filter?: LocationFilter;
  /** Keyset paging: only rows whose pk sorts after this one. */
  after?: string;
  limit: number;
}

/**
 * Published locations in pk order (see spread-scan.ts: stable for cursor paging, and a limited
 * answer is a spread over the whole box instead of its corner).
 */
export async function publishedLocations(db: Db, q: LocationQuery): Promise<LocationRow[]> {
  return publishedLocationsByPk(db, await publishedLocationIds(db, q));
}

/** The pks of `publishedLocations`, read from the index alone. */
export async function publishedLocationIds(db: Db, q: LocationQuery): Promise<string[]> {
  const rows = await spreadScan<{ pk: string }>(
    db,
    {
      columns: 'l.pk',
      box: q.bbox,
      after: q.after,
      where: (p) => [PUBLISHED, ...filterConditions(q.filter ?? {}, 'l', p)],
    },
    q.limit,
  );
  return rows.map((r) => r.pk);
}

/** Every published location in the box with its position only: the candidates of a `near` query. */
export async function publishedLocationPoints(
  db: Db,
  box: Bbox,
  filter: LocationFilter,
): Promise<{ pk: string; lat: number; lon: number }[]> {
  return scanAll(db, {
    columns: 'l.pk, l.lat, l.lon',
    box,
    where: (p) => [PUBLISHED, ...filterConditions(filter, 'l', p)],
  });
}

export async function publishedLocation(db: Db, pk: string): Promise<LocationRow | undefined> {
  return db.get<LocationRow>(`SELECT ${LOCATION_COLUMNS} FROM locations l WHERE l.pk = ? AND ${PUBLISHED}`, [
    pk,
  ]);
}

/** Published locations by pk, in pk order (missing or unpublished ones are left out). */
export async function publishedLocationsByPk(db: Db, pks: string[]): Promise<LocationRow[]> {
  if (pks.length === 0) return [];
  return db.all<LocationRow>(
    `SELECT ${LOCATION_COLUMNS} FROM locations l
     WHERE l.pk IN (SELECT value FROM json_each(?)) AND ${PUBLISHED} ORDER BY l.pk`,
    [JSON.stringify(pks)],
  );
}

export interface EvseRow {
  pk: string;
  location_pk: string;
  uid: string;
  evse_id: string | null;
  status: string;
  status_updated_at: string | null;
  capabilities: string;
  floor_level: string | null;
  physical_reference: string | null;
  lat: number | null;
  lon: number | null;
  parking_restrictions: string;
  max_power_w: number | null;
  last_updated: string | null;
}

export interface ConnectorRow {
  evse_pk: string;
  location_pk: string;
  connector_id: string;
  standard: string;
  format: string | null;
  power_type: string | null;
  max_voltage: number | null;
  max_amperage: number | null;
  max_power_w: number | null;
  tariff_ids: string;
}

/** EVSEs (not removed) and their connectors for a set of locations, in one query each. */
export async function evsesOf(
  db: Db,
  locationPks: string[],
): Promise<{ evses: EvseRow[]; connectors: ConnectorRow[] }> {
  if (locationPks.length === 0) return { evses: [], connectors: [] };
  const ids = JSON.stringify(locationPks);
  const evses = await db.all<EvseRow>(
    `SELECT pk, location_pk, uid, evse_id, status, status_updated_at, capabilities, floor_level,
       physical_reference, lat, lon, parking_restrictions, max_power_w, last_updated
     FROM evses WHERE location_pk IN (SELECT value FROM json_each(?)) AND removed_at IS NULL
     ORDER BY location_pk, uid`,
    [ids],
  );
  const connectors = await db.all<ConnectorRow>(
    `SELECT c.evse_pk, c.location_pk, c.connector_id, c.standard, c.format, c.power_type, c.max_voltage,
       c.max_amperage, c.max_power_w, c.tariff_ids
     FROM connectors c JOIN evses e ON e.pk = c.evse_pk AND e.removed_at IS NULL
     WHERE c.location_pk IN (SELECT value FROM json_each(?)) ORDER BY c.evse_pk, c.connector_id`,
    [ids],
  );
  return { evses, connectors };
}
