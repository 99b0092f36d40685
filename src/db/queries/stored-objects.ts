// What we hold of one pushed object, read back into the canonical model: the OCPI receiver needs it
// to answer a CPO's GET, to merge a PATCH into, and to tell an out-of-order update from a new one.
import type { Connector, Evse, Location, OpeningTimes, Tariff } from '../../model/types.js';
import type { Db } from '../types.js';
import type { ConnectorRow, EvseRow, LocationRow } from './locations.js';
import type { TariffRow } from './tariffs.js';

export interface StoredLocation {
  location: Location;
  cell: number;
  lastSeenRun: number | null;
  removed: boolean;
}

/** A locations row as the receiver reads it back: the public row's columns and the bookkeeping ones. */
export type LocationDbRow = Omit<
  LocationRow,
  'source_id' | 'max_power_w' | 'site_id' | 'license' | 'lifecycle'
> & {
  publish: number;
  cell: number;
  warnings: string;
  last_seen_run: number | null;
  removed_at: string | null;
};

/** An EVSE row as the public queries read it, without the power summary, with its removal flag. */
export type EvseDbRow = Omit<EvseRow, 'location_pk' | 'max_power_w'> & { removed_at: string | null };

/** A connectors row as the receiver reads it back: the public row's columns and the terms and date. */
export type ConnectorDbRow = Omit<ConnectorRow, 'location_pk'> & {
  terms_and_conditions: string | null;
  last_updated: string | null;
};

const json = <T>(s: string | null, fallback: T): T => (s == null ? fallback : (JSON.parse(s) as T));

export function connectorOf(r: ConnectorDbRow): Connector {
  return {
    id: r.connector_id,
    standard: r.standard,
    format: r.format,
    powerType: r.power_type,
    maxVoltage: r.max_voltage,
    maxAmperage: r.max_amperage,
    maxPowerW: r.max_power_w,
    tariffIds: json<string[]>(r.tariff_ids, []),
    termsAndConditions: r.terms_and_conditions,
    lastUpdated: r.last_updated,
  };
}

export function evseOf(r: EvseDbRow, connectors: Connector[]): Evse {
  return {
    uid: r.uid,
    evseId: r.evse_id,
    status: r.status,
    capabilities: json<string[]>(r.capabilities, []),
    floorLevel: r.floor_level,
    physicalReference: r.physical_reference,
    coordinates: r.lat != null && r.lon != null ? { lat: r.lat, lon: r.lon } : null,
    parkingRestrictions: json<string[]>(r.parking_restrictions, []),
    connectors,
    lastUpdated: r.last_updated,
  };
}

/** The stored location with its EVSEs that are not removed, or undefined. */
export async function storedLocation(db: Db, pk: string): Promise<StoredLocation | undefined> {
  const row = await db.get<LocationDbRow>(
    `SELECT pk, country_code, party_id, ocpi_id, publish, name, address, city, postal_code, state, country, lat,
       lon, cell, parking_type, time_zone, operator_name, operator_website, suboperator_name, owner_name, facilities,
       opening_times, charging_when_closed, warnings, last_updated, last_seen_run, removed_at
     FROM locations WHERE pk = ?`,
    [pk],
  );
  if (!row) return undefined;
  const evses = await db.all<EvseDbRow>(
    `SELECT pk, uid, evse_id, status, status_updated_at, capabilities, floor_level, physical_reference, lat, lon,
       parking_restrictions, last_updated, removed_at
     FROM evses WHERE location_pk = ? AND removed_at IS NULL ORDER BY uid`,
    [pk],
  );
  const connectors = await db.all<ConnectorDbRow>(
    `SELECT evse_pk, connector_id, standard, format, power_type, max_voltage, max_amperage, max_power_w, tariff_ids,
       terms_and_conditions, last_updated
     FROM connectors WHERE location_pk = ? ORDER BY evse_pk, connector_id`,
    [pk],
  );
  const byEvse = new Map<string, Connector[]>();
  for (const c of connectors) {
    const list = byEvse.get(c.evse_pk) ?? [];
    list.push(connectorOf(c));
    byEvse.set(c.evse_pk, list);
  }
  return {
    cell: row.cell,
    lastSeenRun: row.last_seen_run,
    removed: row.removed_at != null,
    location: locationOf(
      row,
      evses.map((e) => evseOf(e, byEvse.get(e.pk) ?? [])),
    ),
  };
}

/** A location row with its EVSEs as the canonical model. */
export function locationOf(row: LocationDbRow, evses: Evse[]): Location {
  const operator = row.operator_name ? { name: row.operator_name, website: row.operator_website } : null;
  return {
    countryCode: row.country_code,
    partyId: row.party_id,
    id: row.ocpi_id,
    publish: row.publish === 1,
    name: row.name,
    address: row.address,
    city: row.city,
    postalCode: row.postal_code,
    state: row.state,
    country: row.country,
    lat: row.lat,
    lon: row.lon,
    parkingType: row.parking_type,
    timeZone: row.time_zone,
    operator,
    suboperator: row.suboperator_name ? { name: row.suboperator_name, website: null } : null,
    owner: row.owner_name ? { name: row.owner_name, website: null } : null,
    facilities: json<string[]>(row.facilities, []),
    openingTimes: json<OpeningTimes | null>(row.opening_times, null),
    chargingWhenClosed: row.charging_when_closed == null ? null : row.charging_when_closed === 1,
    evses,
    lastUpdated: row.last_updated,
    warnings: json(row.warnings, []),
  };
}

/**
 * What a status-only PATCH needs to know of an EVSE: it exists, where, and how fresh it is. Read
 * from the EVSE's row alone: a location's row is never deleted (removal is a mark, removed_at, that
 * a PATCH does not look at), so a join to it would reject nothing and cost a lookup.
 */
export interface EvseHead {
  location_pk: string;
  last_updated: string | null;
  status_updated_at: string | null;
  removed_at: string | null;
}

export async function storedEvseHead(db: Db, evsePk: string): Promise<EvseHead | undefined> {
  return db.get<EvseHead>(
    'SELECT location_pk, last_updated, status_updated_at, removed_at FROM evses WHERE pk = ?',
    [evsePk],
  );
}

/** The stored EVSE (removed or not) with its connectors. */
export async function storedEvse(
  db: Db,
  evsePk: string,
): Promise<{ evse: Evse; removed: boolean } | undefined> {
  const row = await db.get<EvseDbRow>(
    `SELECT pk, uid, evse_id, status, status_updated_at, capabilities, floor_level, physical_reference, lat, lon,
       parking_restrictions, last_updated, removed_at FROM evses WHERE pk = ?`,
    [evsePk],
  );
  if (!row) return undefined;
  const connectors = await db.all<ConnectorDbRow>(
    `SELECT evse_pk, connector_id, standard, format, power_type, max_voltage, max_amperage, max_power_w, tariff_ids,
       terms_and_conditions, last_updated FROM connectors WHERE evse_pk = ? ORDER BY connector_id`,
    [evsePk],
  );
  return { evse: evseOf(row, connectors.map(connectorOf)), removed: row.removed_at != null };
}

export async function storedConnector(db: Db, connectorPk: string): Promise<Connector | undefined> {
  const row = await db.get<ConnectorDbRow>(
    `SELECT evse_pk, connector_id, standard, format, power_type, max_voltage, max_amperage, max_power_w, tariff_ids,
       terms_and_conditions, last_updated FROM connectors WHERE pk = ?`,
    [connectorPk],
  );
  return row ? connectorOf(row) : undefined;
}

/** A tariff row as the public queries read it, plus what the receiver needs to compare versions. */
export type TariffDbRow = Omit<TariffRow, 'pk' | 'source_id' | 'summary' | 'is_free'> & {
  warnings: string;
  removed_at: string | null;
  last_seen_run: number | null;
};

export async function storedTariff(
  db: Db,
  pk: string,
): Promise<{ tariff: Tariff; removed: boolean; lastSeenRun: number | null } | undefined> {
  const r = await db.get<TariffDbRow>(
    `SELECT country_code, party_id, tariff_id, currency, type, elements, alt_text, alt_url, min_price, max_price,
       start_date_time, end_date_time, tax_included, warnings, last_updated, removed_at, last_seen_run
     FROM tariffs WHERE pk = ?`,
    [pk],
  );
  if (!r) return undefined;
  return { removed: r.removed_at != null, lastSeenRun: r.last_seen_run, tariff: tariffOf(r) };
}

/** A tariff row as the canonical model. */
export function tariffOf(r: TariffDbRow): Tariff {
  return {
    countryCode: r.country_code,
    partyId: r.party_id,
    id: r.tariff_id,
    currency: r.currency,
    type: r.type,
    elements: json(r.elements, []),
    altText: json(r.alt_text, []),
    altUrl: r.alt_url,
    minPrice: json(r.min_price, null),
    maxPrice: json(r.max_price, null),
    startDateTime: r.start_date_time,
    endDateTime: r.end_date_time,
    taxIncluded: r.tax_included,
    lastUpdated: r.last_updated,
    warnings: json(r.warnings, []),
  };
}

// The two lookups below run once per pushed request (bench `push`: status PATCHes/s), hence raw SQL.

/** What a pushed PUT of a whole location is checked against: its age, its run mark, removal. */
export async function storedLocationHead(db: Db, pk: string) {
  return db.get<{ last_updated: string; last_seen_run: number | null; removed_at: string | null }>(
    'SELECT last_updated, last_seen_run, removed_at FROM locations WHERE pk = ?',
    [pk],
  );
}

/** Whether we hold location `pk` (not removed), for a push to one of its EVSEs. */
export async function holdsLocation(db: Db, pk: string): Promise<boolean> {
  const row = await db.get<{ one: number }>(
    'SELECT 1 AS one FROM locations WHERE pk = ? AND removed_at IS NULL',
    [pk],
  );
  return row !== undefined;
}
