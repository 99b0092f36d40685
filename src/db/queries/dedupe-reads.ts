// What dedupe reads: live locations with their EVSE ids, connectors and stated references, the
// places around changed records, and what the sites table already holds.
//
// Raw SQL on purpose: these are bulk reads over every live location (a full run) or id lists bound
// as one JSON parameter, timed by `npm run bench -- dedupe`; a location row is the stored one
// (queries/locations.ts) narrowed to what dedupe reads.

import type { Db } from '../types.js';
import { chunked } from './json-list.js';
import type { LocationRow as StoredLocationRow } from './locations.js';
import { licenseAllowsSql } from './publication.js';

/**
 * Records that take part: held, not unpublished by their CPO, not decommissioned (a removed site
 * must not lend its place to a live one). A record whose licence forbids republishing does take
 * part (it is evidence of place), but lends no field to its site (build-site.ts), and so does a
 * record of a source whose licence forbids it (`source_open`).
 */
export const LIVE = "l.removed_at IS NULL AND l.publish = 1 AND l.lifecycle <> 'removed'";

/** A location as dedupe reads it: the stored columns it compares, its source's type and content hash. */
export type LocationRow = Pick<
  StoredLocationRow,
  | 'pk'
  | 'source_id'
  | 'country_code'
  | 'party_id'
  | 'ocpi_id'
  | 'name'
  | 'address'
  | 'city'
  | 'postal_code'
  | 'country'
  | 'lat'
  | 'lon'
  | 'operator_name'
  | 'operator_website'
  | 'owner_name'
  | 'parking_type'
  | 'time_zone'
  | 'facilities'
  | 'opening_times'
  | 'max_power_w'
  | 'last_updated'
  | 'site_id'
  | 'license'
> & {
  source_type: string;
  content_hash: string;
  /** 1 when the source's licence allows republishing (publication.ts), else 0. */
  source_open: number;
};

export interface EvseIdRow {
  location_pk: string;
  evse_id_norm: string | null;
  status: string;
  status_updated_at: string | null;
}

export interface ConnectorRow {
  location_pk: string;
  standard: string;
  power_type: string | null;
  max_power_w: number | null;
}

export interface RefRow {
  location_pk: string;
  kind: string;
  value: string;
  provider: string | null;
}

export interface LiveRows {
  locations: LocationRow[];
  evses: EvseIdRow[];
  connectors: ConnectorRow[];
  refs: RefRow[];
}

const LOCATIONS_SQL = `SELECT l.pk, l.source_id, COALESCE(s.type, 'ocpi') AS source_type, l.country_code, l.party_id,
  l.ocpi_id, l.name, l.address, l.city, l.postal_code, l.country, l.lat, l.lon, l.operator_name, l.operator_website,
  l.owner_name, l.parking_type, l.time_zone, l.facilities, l.opening_times, l.max_power_w, l.last_updated, l.site_id,
  l.content_hash, l.license, ${licenseAllowsSql('s.license')} AS source_open
  FROM locations l LEFT JOIN sources s ON s.id = l.source_id WHERE ${LIVE}`;
const EVSES_SQL =
  'SELECT location_pk, evse_id_norm, status, status_updated_at FROM evses WHERE removed_at IS NULL';
const CONNECTORS_SQL = 'SELECT location_pk, standard, power_type, max_power_w FROM connectors WHERE true';
const REFS_SQL = 'SELECT location_pk, kind, value, provider FROM location_refs WHERE true';
const OF_LOCATIONS = 'location_pk IN (SELECT value FROM json_each(?))';

/** Live published locations (all, or the given pks) with their EVSEs, connectors and references. */
export async function liveLocationRows(db: Db, pks: readonly string[] | null): Promise<LiveRows> {
  if (pks === null) {
    return {
      locations: await db.all<LocationRow>(LOCATIONS_SQL),
      evses: await db.all<EvseIdRow>(EVSES_SQL),
      connectors: await db.all<ConnectorRow>(CONNECTORS_SQL),
      refs: await db.all<RefRow>(REFS_SQL),
    };
  }
  const out: LiveRows = { locations: [], evses: [], connectors: [], refs: [] };
  for (const chunk of chunked(pks)) {
    const list = [JSON.stringify(chunk)];
    out.locations.push(
      ...(await db.all<LocationRow>(`${LOCATIONS_SQL} AND l.pk IN (SELECT value FROM json_each(?))`, list)),
    );
    out.evses.push(...(await db.all<EvseIdRow>(`${EVSES_SQL} AND ${OF_LOCATIONS}`, list)));
    out.connectors.push(...(await db.all<ConnectorRow>(`${CONNECTORS_SQL} AND ${OF_LOCATIONS}`, list)));
    out.refs.push(...(await db.all<RefRow>(`${REFS_SQL} AND ${OF_LOCATIONS}`, list)));
  }
  return out;
}

/** A record's place and site: what the incremental region is grown from. */
export interface PlaceRow {
  pk: string;
  lat: number;
  lon: number;
  site_id: string | null;
  live: number;
}

const PLACE = 'SELECT l.pk, l.lat, l.lon, l.site_id';

/** The given records, live or not (`live` says which). */
export async function placesOf(db: Db, pks: readonly string[]): Promise<PlaceRow[]> {
  const out: PlaceRow[] = [];
  for (const chunk of chunked(pks)) {
    out.push(
      ...(await db.all<PlaceRow>(
        `${PLACE}, (${LIVE}) AS live FROM locations l WHERE l.pk IN (SELECT value FROM json_each(?))`,
        [JSON.stringify(chunk)],
      )),
    );
  }
  return out;
}

/** Live records sharing an EVSE id or a stated reference (either way) with any of the given ones. */
export async function linkedLivePlaces(db: Db, pks: readonly string[]): Promise<PlaceRow[]> {
  const out: PlaceRow[] = [];
  for (const chunk of chunked(pks)) {
    const list = JSON.stringify(chunk);
    out.push(
      ...(await db.all<PlaceRow>(
        `${PLACE}, 1 AS live FROM locations l WHERE ${LIVE} AND l.pk IN (
           SELECT e2.location_pk FROM evses e1 JOIN evses e2 ON e2.evse_id_norm = e1.evse_id_norm
           WHERE e1.location_pk IN (SELECT value FROM json_each(?)) AND e1.evse_id_norm IS NOT NULL
             AND e1.removed_at IS NULL AND e2.removed_at IS NULL
           UNION SELECT r.location_pk FROM locations t JOIN location_refs r
             ON r.kind IN ('ocpi-location', 'register-id') AND r.value = t.ocpi_id
           WHERE t.pk IN (SELECT value FROM json_each(?))
           UNION SELECT t.pk FROM location_refs r JOIN locations t ON t.ocpi_id = r.value
           WHERE r.location_pk IN (SELECT value FROM json_each(?)) AND r.kind IN ('ocpi-location', 'register-id'))`,
        [list, list, list],
      )),
    );
  }
  return out;
}

/** Live members of the given sites. */
export async function livePlacesInSites(db: Db, siteIds: readonly string[]): Promise<PlaceRow[]> {
  const out: PlaceRow[] = [];
  for (const chunk of chunked(siteIds)) {
    out.push(
      ...(await db.all<PlaceRow>(
        `${PLACE}, 1 AS live FROM locations l WHERE ${LIVE} AND l.site_id IN (SELECT value FROM json_each(?))`,
        [JSON.stringify(chunk)],
      )),
    );
  }
  return out;
}

/** Live records in a box, through the cell index (`ranges` from cellRanges over the same box). */
export async function livePlacesInBox(
  db: Db,
  ranges: readonly [number, number][],
  box: { minLat: number; maxLat: number; minLon: number; maxLon: number },
): Promise<PlaceRow[]> {
  const cells = ranges.map(() => 'l.cell BETWEEN ? AND ?').join(' OR ');
  return db.all<PlaceRow>(
    `${PLACE}, 1 AS live FROM locations l
     WHERE (${cells}) AND l.lat BETWEEN ? AND ? AND l.lon BETWEEN ? AND ? AND ${LIVE}`,
    [...ranges.flat(), box.minLat, box.maxLat, box.minLon, box.maxLon],
  );
}

/** How often references of each OCM provider resolve to a held location of each other source. */
export async function refProviderCounts(db: Db) {
  return db.all<{ provider: string; source_id: string; n: number }>(
    `SELECT r.provider, t.source_id, COUNT(*) AS n FROM location_refs r
     JOIN locations t ON t.ocpi_id = r.value AND t.removed_at IS NULL AND t.source_id <> (
       SELECT source_id FROM locations WHERE pk = r.location_pk)
     WHERE r.kind IN ('ocpi-location', 'register-id') AND r.provider IS NOT NULL
     GROUP BY r.provider, t.source_id`,
  );
}

/** Whether a record may lend its site fields now (build-site.ts lendsFields), on aliases l and src. */
const LENDS = `(${licenseAllowsSql('src.license')} AND (l.license IS NULL OR ${licenseAllowsSql('l.license')}))`;

/**
 * Live locations whose dedupe input changed since they were last grouped: new ones (no site yet),
 * gone ones still in a site, those whose content hash differs from the one their site recorded,
 * and those whose site recorded them as lending fields or not when now they would not or would
 * (their source's licence changed, or the site was built before a source's licence counted).
 * Meant for the call after a sync: `dedupeSites(db, { changedNear: await changedLocationPks(db) })`.
 */
export async function changedLocationPks(db: Db): Promise<string[]> {
  const rows = await db.all<{ pk: string }>(
    `SELECT l.pk FROM locations l LEFT JOIN sites s ON s.id = l.site_id LEFT JOIN sources src ON src.id = l.source_id
     WHERE (${LIVE} AND (
              l.site_id IS NULL OR s.id IS NULL OR NOT EXISTS (
                SELECT 1 FROM json_each(s.fields, '$.members') m
                WHERE json_extract(m.value, '$.pk') = l.pk AND json_extract(m.value, '$.content_hash') = l.content_hash
                  AND (json_extract(m.value, '$.lends_fields') IS NOT 0) = ${LENDS})))
        OR (NOT (${LIVE}) AND l.site_id IS NOT NULL)`,
  );
  return rows.map((r) => r.pk);
}

/** Ids of sites that are neither merged away nor removed. */
export async function liveSiteIds(db: Db): Promise<Set<string>> {
  const rows = await db.all<{ id: string }>(
    "SELECT id FROM sites WHERE merged_into IS NULL AND json_extract(fields, '$.removed_at') IS NULL",
  );
  return new Set(rows.map((r) => r.id));
}

/** Of the given ids, which the sites table holds: 'taken' (live or merged) or 'removed' (reusable). */
export async function siteIdStates(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, 'taken' | 'removed'>> {
  const out = new Map<string, 'taken' | 'removed'>();
  for (const chunk of chunked(ids)) {
    const rows = await db.all<{ id: string; removed: number }>(
      `SELECT id, (merged_into IS NULL AND json_extract(fields, '$.removed_at') IS NOT NULL) AS removed
       FROM sites WHERE id IN (SELECT value FROM json_each(?))`,
      [JSON.stringify(chunk)],
    );
    for (const r of rows) out.set(r.id, r.removed ? 'removed' : 'taken');
  }
  return out;
}

export interface StoredSite {
  fields: string;
  lat: number;
  lon: number;
  merged_into: string | null;
}

/** The stored rows of the given sites, fields as the JSON text written (compared byte for byte). */
export async function storedSites(db: Db, ids: readonly string[]): Promise<Map<string, StoredSite>> {
  const out = new Map<string, StoredSite>();
  for (const chunk of chunked(ids)) {
    const rows = await db.all<StoredSite & { id: string }>(
      'SELECT id, fields, lat, lon, merged_into FROM sites WHERE id IN (SELECT value FROM json_each(?))',
      [JSON.stringify(chunk)],
    );
    for (const r of rows) out.set(r.id, r);
  }
  return out;
}
