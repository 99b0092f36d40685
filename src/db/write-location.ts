// Statements that write one canonical location with its EVSEs and connectors. They are plain
// single-row statements (well under D1's 100 bound parameters each), meant to run together in one
// Db.batch so a location is always either as before or as after.
// Statement journals: SQLite first copies each page a statement changes (4 KB) into a statement
// journal when the statement can write more than one row (any trigger: these tables all have the
// outbox's, src/db/outbox-triggers.ts; any INSERT ... SELECT) and a constraint could ABORT it
// midway. Under OR FAIL none can (a failing statement keeps what it did, which changes nothing
// here: a batch runs in one transaction and any error rolls it back whole), so no journal is
// kept; an upsert's DO UPDATE always aborts, so it always keeps one. The rows of a location not
// held when its page was read are therefore inserted (WriteContext.fresh), and events always are.
// Measured (session 18, three rounds interleaved, load ~2-4): 20k synthetic locations written a page
// of 1,000 a batch as a sync writes them (journal in memory), CPU 2,430-2,570 ms as upserts against
// 2,195-2,241 ms so; `npm run bench -- sync` CPU of the full sync 21.2-25.7 s against 20.3-23.6 s.
// With the journal in a temporary file (SQLite's default; not this writer's batches) the gap is
// larger: 140k rows in one transaction, 1,480-1,570 ms against 680 ms, 410 ms with no triggers.
import { connectorKey, evseKey, locationKey, normalizeEvseId } from '../model/ids.js';
import { lifecycleOf } from '../model/lifecycle.js';
import type { Evse, Location } from '../model/types.js';
import { countsHashOf } from './counts-hash.js';
import { cellOf } from './spatial-key.js';
import type { Stmt } from './types.js';
import { refreshSiteFeaturesStmts } from './write-site-features.js';

export interface WriteContext {
  sourceId: string;
  /** When we learned this (ISO). */
  now: string;
  via: 'pull' | 'push';
  runId: number | null;
  contentHash: string;
  /** countsHashOf(the location), when the caller has it already (a sync page); else computed here. */
  countsHash?: string;
  /**
   * What we hold of this location's EVSE statuses, read beforehand for a whole page: skips the event
   * statement of an EVSE whose held status is newer. Status events are otherwise decided in SQL
   * against the row, as what is held may be stale by the time the page's batch runs
   * (evseStatusStmts).
   */
  held?: { statuses: Map<string, { status: string; updatedAt: string | null }> };
  /**
   * false: the caller puts one absentCleanUpStmts for all the locations of its batch before their
   * writes (a sync page) instead of three statements per location. Default true.
   */
  cleanUp?: boolean;
  /**
   * false: the caller appends one refreshSiteFeaturesStmts for all the locations of its batch (a
   * sync page) instead of one per location. Default true.
   */
  refreshSite?: boolean;
  /**
   * true: the location was not held when its page was read, so its rows are inserted, not upserted
   * (see the header). One held after all (a push between the read and the batch, or another process)
   * fails the batch on its key (primary or natural), and the batch is built again with upserts
   * (commitLocationPages in src/ingest/apply-page.ts). An EVSE or connector the location lists
   * twice is upserted the second time. Default false.
   */
  fresh?: boolean;
}

/**
 * The day_prev_id of a new event (schema.ts): from the EVSE's previous event (the one `prevIdSql`
 * names), its own day_prev_id when it is of the same UTC day as the new event's occurred_at (the
 * one `?`), else its id; null when it is not held. One read of that event by rowid, no index.
 */
export const dayPrevOf = (prevIdSql: string) =>
  `(SELECT CASE WHEN substr(p.occurred_at, 1, 10) = substr(?, 1, 10) THEN p.day_prev_id ELSE p.id END
  FROM evse_status_events p WHERE p.id = ${prevIdSql})`;

// Every event statement links its event to the EVSE's previous one (prev_id, the EVSE row's
// last_event_id) and to its last one of an earlier day (day_prev_id), and the EVSE statement after
// it makes the event the head (UPSERT_EVSE).
const LAST_EVENT_OF = '(SELECT last_event_id FROM evses WHERE pk = ?)';

const LOCATION_ROW = `locations (pk, source_id, country_code, party_id, ocpi_id, publish, license,
  lifecycle, name, address,
  city, postal_code, state, country, lat, lon, cell, parking_type, time_zone, operator_name, operator_website,
  suboperator_name, owner_name, facilities, opening_times, charging_when_closed, warnings, max_power_w,
  last_updated, content_hash, counts_hash, removed_at, last_seen_run, first_seen_at, synced_at)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,?,?,?)`;
const INSERT_LOCATION = `INSERT OR FAIL INTO ${LOCATION_ROW}`;
const UPSERT_LOCATION = `INSERT INTO ${LOCATION_ROW}
ON CONFLICT(pk) DO UPDATE SET country_code=excluded.country_code, party_id=excluded.party_id,
  ocpi_id=excluded.ocpi_id, publish=excluded.publish, license=excluded.license,
  lifecycle=excluded.lifecycle, name=excluded.name, address=excluded.address,
  city=excluded.city, postal_code=excluded.postal_code, state=excluded.state, country=excluded.country,
  lat=excluded.lat, lon=excluded.lon, cell=excluded.cell, parking_type=excluded.parking_type,
  time_zone=excluded.time_zone, operator_name=excluded.operator_name, operator_website=excluded.operator_website,
  suboperator_name=excluded.suboperator_name, owner_name=excluded.owner_name, facilities=excluded.facilities,
  opening_times=excluded.opening_times, charging_when_closed=excluded.charging_when_closed,
  warnings=excluded.warnings, max_power_w=excluded.max_power_w, last_updated=excluded.last_updated,
  content_hash=excluded.content_hash, counts_hash=excluded.counts_hash, removed_at=NULL, last_seen_run=excluded.last_seen_run,
  synced_at=excluded.synced_at`;

// Status only moves forward in time: a pull or push older than what we hold (e.g. a pull page
// fetched before a newer push arrived) leaves the newer status in place.
// The head of the EVSE's chain of events: it runs right after the EVSE's event statement, so when
// that wrote an event, the newest event of the table is this EVSE's (read from the table, not
// last_insert_rowid(), which D1 does not promise across the statements of a batch). When it wrote
// none, the newest event is another EVSE's, or this EVSE's head already. The head moves only with
// the status: an event for a status the row does not take (older than ours) must never become the
// head, or the chain leaves time order (readers walk it as time order: queries/status.ts).
const NEWEST_EVENT_OF = `(SELECT id FROM evse_status_events WHERE id = (SELECT max(id) FROM evse_status_events)
  AND evse_pk = ?)`;
// first_seen_at is set by the INSERT alone: UPSERT_EVSE's DO UPDATE leaves it, so an EVSE keeps
// the time the atlas first held it through every later write, at no statement of its own.
const EVSE_ROW = `evses (pk, location_pk, uid, evse_id, evse_id_norm, status, status_updated_at,
  status_via, capabilities, floor_level, physical_reference, lat, lon, parking_restrictions, max_power_w,
  last_updated, removed_at, last_event_id, first_seen_at)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,${NEWEST_EVENT_OF},?)`;
const INSERT_EVSE = `INSERT OR FAIL INTO ${EVSE_ROW}`;
const UPSERT_EVSE = `INSERT INTO ${EVSE_ROW}
ON CONFLICT(pk) DO UPDATE SET uid=excluded.uid, evse_id=excluded.evse_id, evse_id_norm=excluded.evse_id_norm,
  status=CASE WHEN evses.status_updated_at IS NULL OR excluded.status_updated_at >= evses.status_updated_at
    THEN excluded.status ELSE evses.status END,
  status_via=CASE WHEN evses.status_updated_at IS NULL OR excluded.status_updated_at >= evses.status_updated_at
    THEN excluded.status_via ELSE evses.status_via END,
  status_updated_at=MAX(COALESCE(evses.status_updated_at, ''), COALESCE(excluded.status_updated_at, '')),
  capabilities=excluded.capabilities, floor_level=excluded.floor_level,
  physical_reference=excluded.physical_reference, lat=excluded.lat, lon=excluded.lon,
  parking_restrictions=excluded.parking_restrictions, max_power_w=excluded.max_power_w,
  last_updated=excluded.last_updated,
  removed_at=CASE WHEN excluded.removed_at IS NOT NULL THEN COALESCE(evses.removed_at, excluded.removed_at)
    ELSE NULL END,
  last_event_id=CASE WHEN excluded.last_event_id > COALESCE(evses.last_event_id, 0)
    AND (evses.status_updated_at IS NULL OR excluded.status_updated_at >= evses.status_updated_at)
    THEN excluded.last_event_id ELSE evses.last_event_id END`;

// Records a status change only when it is one: a different status that is not older than ours.
// Runs before the EVSE upsert in the same batch so it sees the previous row.
const STATUS_EVENT_COLUMNS = `evse_status_events (evse_pk, location_pk, old_status, new_status,
  occurred_at, received_at, via, prev_id, day_prev_id)`;
const INSERT_STATUS_EVENT = `INSERT OR FAIL INTO ${STATUS_EVENT_COLUMNS}
SELECT ?, ?, (SELECT status FROM evses WHERE pk = ?), ?, ?, ?, ?, ${LAST_EVENT_OF}, ${dayPrevOf(LAST_EVENT_OF)}
WHERE NOT EXISTS (SELECT 1 FROM evses WHERE pk = ? AND (status = ? OR status_updated_at > ?))`;

// The first event of an EVSE the batch inserts (WriteContext.fresh): what INSERT_STATUS_EVENT
// writes when no row is held, without its four lookups of that row (one held after all fails the
// batch on the EVSE's insert, which comes next: the batch is then built again with upserts).
// Measured with callgrind (a first sync of 5,000 locations): 4,709 M instructions in SQLite against
// 5,176 M with the general statement; each lookup is a descent of the EVSEs' hashed primary key.
const INSERT_FIRST_STATUS_EVENT = `INSERT OR FAIL INTO ${STATUS_EVENT_COLUMNS} VALUES (?, ?, NULL, ?, ?, ?, ?, NULL, NULL)`;

const CONNECTOR_ROW = `connectors (pk, evse_pk, location_pk, connector_id, standard, format,
  power_type, max_voltage, max_amperage, max_power_w, tariff_ids, terms_and_conditions, last_updated)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`;
const INSERT_CONNECTOR = `INSERT OR FAIL INTO ${CONNECTOR_ROW}`;
const UPSERT_CONNECTOR = `INSERT INTO ${CONNECTOR_ROW}
ON CONFLICT(pk) DO UPDATE SET connector_id=excluded.connector_id, standard=excluded.standard,
  format=excluded.format, power_type=excluded.power_type, max_voltage=excluded.max_voltage,
  max_amperage=excluded.max_amperage, max_power_w=excluded.max_power_w, tariff_ids=excluded.tariff_ids,
  terms_and_conditions=excluded.terms_and_conditions, last_updated=excluded.last_updated`;

const DELETE_LOCATION_TARIFFS = 'DELETE FROM location_tariffs WHERE location_pk = ?';
/** The location's tariff ids, as a JSON list: one statement for any count (OR IGNORE: ids differing in case). */
const INSERT_LOCATION_TARIFFS = `INSERT OR IGNORE INTO location_tariffs (location_pk, tariff_id)
  SELECT ?, value FROM json_each(?)`;
/** The same, read from the connectors as stored: after a write of some of them (write-evse.ts). */
const RELINK_LOCATION_TARIFFS = `INSERT OR IGNORE INTO location_tariffs (location_pk, tariff_id)
  SELECT c.location_pk, j.value FROM connectors c, json_each(c.tariff_ids) j WHERE c.location_pk = ?`;

/** A JSON list bound to `IN (SELECT value FROM json_each(?))`. */
const IN_LIST = 'IN (SELECT value FROM json_each(?))';

/**
 * What is stored of the locations about to be written and their new versions no longer list goes,
 * for any count of locations in three statements: absent EVSEs flagged removed, their connectors
 * and all the old tariff links deleted (the writes then add the versions' own). The writes of a
 * location touch only the EVSEs and connectors it lists, so these run before them, as the tariff
 * links' delete must. A sync page runs them for every location it writes, as read or not: a push
 * may have created one between the page's read and its batch (D1's stepwise sync, `atlas sync` in
 * another process than the server), and what that push wrote and the page no longer lists goes as
 * in the serial order push, then pull. For a location still new each is an index probe to an empty
 * range (location_tariffs pk, evses_location, connectors_location), where three statements per
 * location would be three more for each of a full sync's 70k new ones. A push writes its location
 * as a list of one. Bound: JSON lists of the locations and of every EVSE and connector pk they list
 * (three parameters at most, D1's limit is 100). Absent EVSEs lose their power with their
 * connectors: an EVSE a status PATCH brings back must not lift its location's max power with
 * connectors it lost.
 */
export function absentCleanUpStmts(locs: readonly { pk: string; value: Location }[], now: string): Stmt[] {
  if (locs.length === 0) return [];
  const evsePks: string[] = [];
  const connectorPks: string[] = [];
  for (const { pk, value } of locs)
    for (const evse of value.evses) {
      const epk = evseKey(pk, evse.uid);
      evsePks.push(epk);
      for (const c of evse.connectors) connectorPks.push(connectorKey(epk, c.id));
    }
  const pks = JSON.stringify(locs.map((l) => l.pk));
  return [
    { sql: `DELETE FROM location_tariffs WHERE location_pk ${IN_LIST}`, params: [pks] },
    {
      sql: `UPDATE evses SET removed_at = ?, max_power_w = NULL
        WHERE location_pk ${IN_LIST} AND removed_at IS NULL AND pk NOT ${IN_LIST}`,
      params: [now, pks, JSON.stringify(evsePks)],
    },
    {
      sql: `DELETE FROM connectors WHERE location_pk ${IN_LIST} AND pk NOT ${IN_LIST}`,
      params: [pks, JSON.stringify(connectorPks)],
    },
  ];
}

/** Makes location_tariffs of location `pk` equal to what its stored connectors reference. */
export function relinkLocationTariffsStmts(pk: string): Stmt[] {
  return [
    { sql: DELETE_LOCATION_TARIFFS, params: [pk] },
    { sql: RELINK_LOCATION_TARIFFS, params: [pk] },
  ];
}

export function locationPkOf(
  sourceId: string,
  loc: Pick<Location, 'countryCode' | 'partyId' | 'id'>,
): string {
  return locationKey(sourceId, loc.countryCode, loc.partyId, loc.id);
}

export function maxPowerOf(evse: Evse): number | null {
  let max: number | null = null;
  for (const c of evse.connectors) {
    if (c.maxPowerW != null && (max == null || c.maxPowerW > max)) max = c.maxPowerW;
  }
  return max;
}

/** All statements that make the stored location equal to `loc` (EVSEs not in it are flagged removed). */
export function writeLocationStmts(loc: Location, ctx: WriteContext): Stmt[] {
  const pk = locationPkOf(ctx.sourceId, loc);
  const cell = cellOf(loc.lat, loc.lon);
  let locMax: number | null = null;
  const evseStmts: Stmt[] = [];
  const tariffIds = new Set<string>();
  // The keys this write inserts (a fresh location's): one listed again is upserted.
  const inserted = ctx.fresh ? new Set<string>() : null;
  const firstInsert = (key: string) => {
    if (inserted === null || inserted.has(key)) return false;
    inserted.add(key);
    return true;
  };
  for (const evse of loc.evses) {
    const epk = evseKey(pk, evse.uid);
    const max = maxPowerOf(evse);
    // Live EVSEs only, as every EVSE-level write counts it (REFRESH_LOCATION_POWER in write-evse.ts).
    if (max != null && evse.status !== 'REMOVED' && (locMax == null || max > locMax)) locMax = max;
    const occurredAt = evse.lastUpdated ?? loc.lastUpdated;
    const insert = firstInsert(epk);
    if (insert) evseStmts.push(firstStatusEventStmt(epk, pk, evse.status, occurredAt, ctx));
    else evseStmts.push(...evseStatusStmts(epk, pk, evse.status, occurredAt, ctx));
    evseStmts.push(evseUpsertStmt(epk, pk, evse, max, ctx, loc.lastUpdated, insert));
    for (const c of evse.connectors) {
      const cpk = connectorKey(epk, c.id);
      evseStmts.push(connectorUpsertStmt(cpk, epk, pk, c, firstInsert(cpk)));
      for (const t of c.tariffIds) tariffIds.add(t);
    }
  }
  const stmts = ctx.cleanUp === false ? [] : absentCleanUpStmts([{ pk, value: loc }], ctx.now);
  stmts.push(locationUpsertStmt(pk, cell, loc, locMax, ctx));
  if (tariffIds.size > 0)
    stmts.push({ sql: INSERT_LOCATION_TARIFFS, params: [pk, JSON.stringify([...tariffIds])] });
  stmts.push(...evseStmts);
  if (ctx.refreshSite !== false) stmts.push(...refreshSiteFeaturesStmts({ locationPks: [pk] }));
  return stmts;
}

/**
 * The status event of an EVSE, if its status changed. With the statuses held in memory (a sync
 * page) the change is decided here; otherwise the statement compares with the stored row.
 */
function evseStatusStmts(
  epk: string,
  pk: string,
  status: Evse['status'],
  occurredAt: string,
  ctx: WriteContext,
): Stmt[] {
  // What is held may be stale: a push can commit between the page's read and its batch (D1's
  // separate round trips, or `atlas sync` in another process than the server). The row's status
  // time only grows, so a held one newer than this status still is, and no event is due. Anything
  // else is decided against the row in SQL: a held "changed" may be older than a push since, and a
  // held "same status" may differ from one (the event would be lost).
  const prev = ctx.held?.statuses.get(epk);
  if (prev?.updatedAt && prev.updatedAt > occurredAt) return [];
  return statusEventStmts(epk, pk, status, occurredAt, ctx);
}

export function connectorUpsertStmt(
  cpk: string,
  epk: string,
  pk: string,
  c: Evse['connectors'][number],
  insert = false,
): Stmt {
  return {
    sql: insert ? INSERT_CONNECTOR : UPSERT_CONNECTOR,
    params: [
      cpk,
      epk,
      pk,
      c.id,
      c.standard,
      c.format,
      c.powerType,
      c.maxVoltage,
      c.maxAmperage,
      c.maxPowerW,
      JSON.stringify(c.tariffIds),
      c.termsAndConditions,
      c.lastUpdated,
    ],
  };
}

function locationUpsertStmt(
  pk: string,
  cell: number,
  loc: Location,
  locMax: number | null,
  ctx: WriteContext,
): Stmt {
  return {
    sql: ctx.fresh ? INSERT_LOCATION : UPSERT_LOCATION,
    params: [
      pk,
      ctx.sourceId,
      loc.countryCode,
      loc.partyId,
      loc.id,
      loc.publish ? 1 : 0,
      loc.license ?? null,
      lifecycleOf(loc),
      loc.name,
      loc.address,
      loc.city,
      loc.postalCode,
      loc.state,
      loc.country,
      loc.lat,
      loc.lon,
      cell,
      loc.parkingType,
      loc.timeZone,
      loc.operator?.name ?? null,
      loc.operator?.website ?? null,
      loc.suboperator?.name ?? null,
      loc.owner?.name ?? null,
      JSON.stringify(loc.facilities),
      loc.openingTimes ? JSON.stringify(loc.openingTimes) : null,
      loc.chargingWhenClosed == null ? null : loc.chargingWhenClosed ? 1 : 0,
      JSON.stringify(loc.warnings),
      locMax,
      loc.lastUpdated,
      ctx.contentHash,
      ctx.countsHash ?? countsHashOf(loc),
      ctx.runId,
      ctx.now,
      ctx.now,
    ],
  };
}

export function evseUpsertStmt(
  epk: string,
  locationPk: string,
  evse: Evse,
  maxPowerW: number | null,
  ctx: WriteContext,
  fallbackUpdated: string,
  insert = false,
): Stmt {
  const removed = evse.status === 'REMOVED' ? ctx.now : null;
  return {
    sql: insert ? INSERT_EVSE : UPSERT_EVSE,
    params: [
      epk,
      locationPk,
      evse.uid,
      evse.evseId,
      normalizeEvseId(evse.evseId),
      evse.status,
      evse.lastUpdated ?? fallbackUpdated,
      ctx.via,
      JSON.stringify(evse.capabilities),
      evse.floorLevel,
      evse.physicalReference,
      evse.coordinates?.lat ?? null,
      evse.coordinates?.lon ?? null,
      JSON.stringify(evse.parkingRestrictions),
      maxPowerW,
      evse.lastUpdated,
      removed,
      epk,
      ctx.now,
    ],
  };
}

/** The first event of an EVSE this write inserts (INSERT_FIRST_STATUS_EVENT). */
function firstStatusEventStmt(
  evsePk: string,
  locationPk: string,
  status: string,
  occurredAt: string,
  ctx: Pick<WriteContext, 'now' | 'via'>,
): Stmt {
  return {
    sql: INSERT_FIRST_STATUS_EVENT,
    params: [evsePk, locationPk, status, occurredAt, ctx.now, ctx.via],
  };
}

/** The event row for a status change (a no-op when the status is unchanged or older than ours). */
export function statusEventStmts(
  evsePk: string,
  locationPk: string,
  status: string,
  occurredAt: string,
  ctx: Pick<WriteContext, 'now' | 'via'>,
): Stmt[] {
  return [
    {
      sql: INSERT_STATUS_EVENT,
      params: [
        evsePk,
        locationPk,
        evsePk,
        status,
        occurredAt,
        ctx.now,
        ctx.via,
        evsePk,
        occurredAt,
        evsePk,
        evsePk,
        status,
        occurredAt,
      ],
    },
  ];
}

/** Marks a location seen by a run without rewriting it (identical content re-pulled). */
export function touchLocationStmt(pk: string, runId: number | null, now: string): Stmt {
  return {
    sql: 'UPDATE locations SET last_seen_run = ?, synced_at = ? WHERE pk = ?',
    params: [runId, now, pk],
  };
}
