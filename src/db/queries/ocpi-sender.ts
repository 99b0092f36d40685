// What our OCPI sender serves (docs/ocpi-out.md): the locations and tariffs of OCPI sources that are
// published by the shared rule (publish flag, republishable licence), each as its CPO sent it, in a
// stable order (rowid: creation order, so new objects append and offsets stay put).
//
// Removal as OCPI expresses it: a removed EVSE is served with status REMOVED; a removed location is
// served (all its EVSEs REMOVED) to date-filtered pulls only, because an unfiltered pull's absence
// already says "gone". The served last_updated is the CPO's, moved to the removal time when the
// removal is ours (a full pull no longer listing it), so a date_from pull after the removal sees it.
import type { Evse, Location, Tariff } from '../../model/types.js';
import type { Db } from '../types.js';
import { publishedButGoneSql, publishedSql, REPUBLISHABLE_SOURCES } from './publication.js';
import {
  type ConnectorDbRow,
  connectorOf,
  type EvseDbRow,
  evseOf,
  type LocationDbRow,
  locationOf,
  type TariffDbRow,
  tariffOf,
} from './stored-objects.js';

/** Canonical UTC bounds on the served last_updated: from inclusive, to exclusive (2.2+ rules). */
export interface SenderWindow {
  dateFrom?: string;
  dateTo?: string;
}

export interface SenderPage<T> {
  items: T[];
  /** Matches for the window, all pages together (X-Total-Count). */
  total: number;
}

const OCPI_SOURCES = `SELECT id FROM sources WHERE type = 'ocpi'`;
const live = (a: string) => `${publishedSql(a)} AND ${a}.source_id IN (${OCPI_SOURCES})`;
const removed = (a: string) => `${publishedButGoneSql(a)} AND ${a}.source_id IN (${OCPI_SOURCES})`;

// An EVSE the CPO itself set to REMOVED carries the CPO's time; one we removed (absent from a full
// pull) carries the time we noticed.
const SENT_UPDATED = `max(l.last_updated, coalesce(l.removed_at, ''),
  coalesce((SELECT max(e.removed_at) FROM evses e WHERE e.location_pk = l.pk AND e.status <> 'REMOVED'), ''))`;

/**
 * Two sources may carry the same party's object (its own feed and a hub): one copy is served, the
 * most recently updated (then the first seen), so ids stay unique per party as OCPI requires.
 */
const NO_NEWER_COPY = `NOT EXISTS (SELECT 1 FROM locations d WHERE d.source_id IN (${OCPI_SOURCES})
  AND d.country_code = l.country_code AND d.party_id = l.party_id AND d.ocpi_id = l.ocpi_id AND d.pk <> l.pk
  AND ${live('d')} AND (d.last_updated > l.last_updated OR (d.last_updated = l.last_updated AND d.rowid < l.rowid)))`;

const LOCATION_COLUMNS = `l.pk, l.country_code, l.party_id, l.ocpi_id, l.publish, l.name, l.address, l.city,
  l.postal_code, l.state, l.country, l.lat, l.lon, l.cell, l.parking_type, l.time_zone, l.operator_name,
  l.operator_website, l.suboperator_name, l.owner_name, l.facilities, l.opening_times, l.charging_when_closed,
  l.warnings, l.last_updated, l.last_seen_run, l.removed_at`;

type SentRow = LocationDbRow & { sent_updated: string };
type SentEvseRow = EvseDbRow & { location_pk: string };

function windowed(w: SenderWindow, params: unknown[]): { where: string; filtered: boolean } {
  const parts: string[] = [];
  if (w.dateFrom) {
    parts.push(`${SENT_UPDATED} >= ?`);
    params.push(w.dateFrom);
  }
  if (w.dateTo) {
    parts.push(`${SENT_UPDATED} < ?`);
    params.push(w.dateTo);
  }
  const filtered = parts.length > 0;
  const visible = filtered ? `((${live('l')}) OR (${removed('l')}))` : `(${live('l')})`;
  return { where: [visible, NO_NEWER_COPY, ...parts].join(' AND '), filtered };
}

/** A page of served locations, with their EVSEs (removed ones included) and connectors. */
export async function senderLocations(
  db: Db,
  w: SenderWindow,
  offset: number,
  limit: number,
): Promise<SenderPage<Location>> {
  const params: unknown[] = [];
  const { where } = windowed(w, params);
  const [count] = await db.all<{ n: number }>(`SELECT count(*) AS n FROM locations l WHERE ${where}`, params);
  const rows = await db.all<SentRow>(
    `SELECT ${LOCATION_COLUMNS}, ${SENT_UPDATED} AS sent_updated FROM locations l WHERE ${where}
     ORDER BY l.rowid LIMIT ? OFFSET ?`,
    [...params, limit, offset],
  );
  return { items: await withEvses(db, rows), total: count?.n ?? 0 };
}

/** One served location by its owner's ids (ids compared case-insensitively, as CiStrings). */
export async function senderLocation(
  db: Db,
  key: { countryCode: string; partyId: string; id: string },
): Promise<Location | undefined> {
  const rows = await db.all<SentRow>(
    `SELECT ${LOCATION_COLUMNS}, ${SENT_UPDATED} AS sent_updated FROM locations l
     WHERE l.country_code = ? AND l.party_id = ? AND l.ocpi_id = ? AND ((${live('l')}) OR (${removed('l')}))
     ORDER BY (l.removed_at IS NOT NULL OR l.lifecycle = 'removed'), l.last_updated DESC, l.rowid LIMIT 1`,
    [key.countryCode, key.partyId, key.id],
  );
  return (await withEvses(db, rows))[0];
}

async function withEvses(db: Db, rows: SentRow[]): Promise<Location[]> {
  if (rows.length === 0) return [];
  const pks = JSON.stringify(rows.map((r) => r.pk));
  const evses = await db.all<SentEvseRow>(
    `SELECT pk, location_pk, uid, evse_id, status, status_updated_at, capabilities, floor_level,
       physical_reference, lat, lon, parking_restrictions, last_updated, removed_at
     FROM evses WHERE location_pk IN (SELECT value FROM json_each(?)) ORDER BY location_pk, uid`,
    [pks],
  );
  const connectors = await db.all<ConnectorDbRow>(
    `SELECT evse_pk, connector_id, standard, format, power_type, max_voltage, max_amperage, max_power_w,
       tariff_ids, terms_and_conditions, last_updated
     FROM connectors WHERE location_pk IN (SELECT value FROM json_each(?)) ORDER BY evse_pk, connector_id`,
    [pks],
  );
  const connectorsOf = new Map<string, ConnectorDbRow[]>();
  for (const c of connectors) {
    const list = connectorsOf.get(c.evse_pk) ?? [];
    list.push(c);
    connectorsOf.set(c.evse_pk, list);
  }
  const evsesOf = new Map<string, Evse[]>();
  const locationRemoved = new Map(rows.map((r) => [r.pk, r.removed_at]));
  for (const e of evses) {
    const list = evsesOf.get(e.location_pk) ?? [];
    list.push(
      servedEvse(e, (connectorsOf.get(e.pk) ?? []).map(connectorOf), locationRemoved.get(e.location_pk)),
    );
    evsesOf.set(e.location_pk, list);
  }
  return rows.map((r) => ({ ...locationOf(r, evsesOf.get(r.pk) ?? []), lastUpdated: r.sent_updated }));
}

/** An EVSE as served: REMOVED when it, or its whole location, is gone. */
function servedEvse(
  e: EvseDbRow,
  connectors: ReturnType<typeof connectorOf>[],
  locationRemovedAt?: string | null,
) {
  const evse = evseOf(e, connectors);
  const removedAt = e.removed_at ?? locationRemovedAt ?? null;
  if (removedAt === null || e.status === 'REMOVED') return evse;
  const updated = evse.lastUpdated !== null && evse.lastUpdated > removedAt ? evse.lastUpdated : removedAt;
  return { ...evse, status: 'REMOVED', lastUpdated: updated };
}

const TARIFF_COLUMNS = `t.country_code, t.party_id, t.tariff_id, t.currency, t.type, t.elements, t.alt_text,
  t.alt_url, t.min_price, t.max_price, t.start_date_time, t.end_date_time, t.tax_included, t.warnings,
  t.last_updated, t.removed_at, t.last_seen_run`;

const liveTariff = (a: string) => `${a}.removed_at IS NULL AND ${a}.source_id IN (${REPUBLISHABLE_SOURCES})
  AND ${a}.source_id IN (${OCPI_SOURCES})`;
const NO_NEWER_TARIFF = `NOT EXISTS (SELECT 1 FROM tariffs d WHERE d.source_id IN (${OCPI_SOURCES})
  AND d.country_code = t.country_code AND d.party_id = t.party_id AND d.tariff_id = t.tariff_id AND d.pk <> t.pk
  AND ${liveTariff('d')} AND (d.last_updated > t.last_updated OR (d.last_updated = t.last_updated AND d.rowid < t.rowid)))`;

/** A page of served tariffs. A deleted tariff is not listed (OCPI: it vanishes; pushes send DELETE). */
export async function senderTariffs(
  db: Db,
  w: SenderWindow,
  offset: number,
  limit: number,
): Promise<SenderPage<Tariff>> {
  const parts = [liveTariff('t'), NO_NEWER_TARIFF];
  const params: unknown[] = [];
  if (w.dateFrom) {
    parts.push('t.last_updated >= ?');
    params.push(w.dateFrom);
  }
  if (w.dateTo) {
    parts.push('t.last_updated < ?');
    params.push(w.dateTo);
  }
  const where = parts.join(' AND ');
  const [count] = await db.all<{ n: number }>(`SELECT count(*) AS n FROM tariffs t WHERE ${where}`, params);
  const rows = await db.all<TariffDbRow>(
    `SELECT ${TARIFF_COLUMNS} FROM tariffs t WHERE ${where} ORDER BY t.rowid LIMIT ? OFFSET ?`,
    [...params, limit, offset],
  );
  return { items: rows.map(tariffOf), total: count?.n ?? 0 };
}

export async function senderTariff(
  db: Db,
  key: { countryCode: string; partyId: string; id: string },
): Promise<Tariff | undefined> {
  const row = await db.get<TariffDbRow>(
    `SELECT ${TARIFF_COLUMNS} FROM tariffs t
     WHERE t.country_code = ? AND t.party_id = ? AND t.tariff_id = ? AND ${liveTariff('t')}
     ORDER BY t.last_updated DESC, t.rowid LIMIT 1`,
    [key.countryCode, key.partyId, key.id],
  );
  return row ? tariffOf(row) : undefined;
}

/** A served location or tariff by its stored pk (the push outbox names objects so). */
export async function senderLocationByPk(db: Db, pk: string): Promise<Location | undefined> {
  const rows = await db.all<SentRow>(
    `SELECT ${LOCATION_COLUMNS}, ${SENT_UPDATED} AS sent_updated FROM locations l
     WHERE l.pk = ? AND ((${live('l')}) OR (${removed('l')})) AND ${NO_NEWER_COPY}`,
    [pk],
  );
  return (await withEvses(db, rows))[0];
}

export async function senderTariffByPk(
  db: Db,
  pk: string,
): Promise<{ tariff: Tariff; removed: boolean } | undefined> {
  const row = await db.get<TariffDbRow>(
    `SELECT ${TARIFF_COLUMNS} FROM tariffs t WHERE t.pk = ? AND t.source_id IN (${REPUBLISHABLE_SOURCES})
       AND t.source_id IN (${OCPI_SOURCES})`,
    [pk],
  );
  return row ? { tariff: tariffOf(row), removed: row.removed_at != null } : undefined;
}

/** Where a status change of a served EVSE goes: its location's owner ids and its uid. */
export async function senderEvseTarget(
  db: Db,
  evsePk: string,
): Promise<{ country_code: string; party_id: string; ocpi_id: string; uid: string } | undefined> {
  return db.get(
    `SELECT l.country_code, l.party_id, l.ocpi_id, e.uid FROM evses e JOIN locations l ON l.pk = e.location_pk
     WHERE e.pk = ? AND ${live('l')} AND ${NO_NEWER_COPY}`,
    [evsePk],
  );
}
