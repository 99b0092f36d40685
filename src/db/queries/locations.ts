// Read queries for the public location view. Published = OCPI publish, not removed, and from a
// source whose licence allows republishing (a source without a stated licence is never served).
import { type Bbox, cellRanges } from '../spatial-key.js';
import type { Db } from '../types.js';

export const PUBLISHED = `l.publish = 1 AND l.removed_at IS NULL
  AND l.source_id IN (SELECT id FROM sources WHERE license IS NOT NULL)`;

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
}

const LOCATION_COLUMNS = `l.pk, l.source_id, l.country_code, l.party_id, l.ocpi_id, l.name, l.address, l.city,
  l.postal_code, l.state, l.country, l.lat, l.lon, l.parking_type, l.time_zone, l.operator_name,
  l.operator_website, l.suboperator_name, l.owner_name, l.facilities, l.opening_times, l.charging_when_closed,
  l.max_power_w, l.last_updated, l.site_id`;

/** SQL and parameters selecting rows inside the box (split in two across the antimeridian). */
export function bboxFilter(box: Bbox, alias = 'l'): { sql: string; params: unknown[] } {
  const boxes: Bbox[] =
    box.minLon <= box.maxLon
      ? [box]
      : [
          { ...box, maxLon: 180 },
          { ...box, minLon: -180 },
        ];
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

export interface LocationQuery {
  bbox?: Bbox;
  limit: number;
}

export async function publishedLocations(db: Db, q: LocationQuery): Promise<LocationRow[]> {
  const where = [PUBLISHED];
  const params: unknown[] = [];
  if (q.bbox) {
    const f = bboxFilter(q.bbox);
    where.push(f.sql);
    params.push(...f.params);
  }
  // Ordering by the hashed primary key is stable and spreads a limited answer over the whole box
  // instead of filling one corner first.
  params.push(q.limit);
  return db.all<LocationRow>(
    `SELECT ${LOCATION_COLUMNS} FROM locations l WHERE ${where.join(' AND ')} ORDER BY l.pk LIMIT ?`,
    params,
  );
}

export async function publishedLocation(db: Db, pk: string): Promise<LocationRow | undefined> {
  return db.get<LocationRow>(`SELECT ${LOCATION_COLUMNS} FROM locations l WHERE l.pk = ? AND ${PUBLISHED}`, [pk]);
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
export async function evsesOf(db: Db, locationPks: string[]): Promise<{ evses: EvseRow[]; connectors: ConnectorRow[] }> {
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
