// EVSE status over time: the current status of published EVSEs, the changes after a cursor (the
// id of evse_status_events), the events behind history and occupancy, and the rollup of raw events
// older than the retention window into evse_status_hourly.
//
// The events table is the source of truth for every reader: the SSE stream, /v1/availability?since
// and the statistics all read it by id or time, so a change written by any process is seen by all.

import type { Bbox } from '../../model/geo.js';
import { groupBy } from '../../model/group-by.js';
import { iso } from '../../model/iso-time.js';
import type { Db, Stmt } from '../types.js';
import { bboxFilter, type EvseRow } from './locations.js';
import { setMetaStmt } from './meta.js';
import { PUBLISHED } from './publication.js';

/** Where a status query looks: a box, or a list of location ids (public ids = location pks). */
export interface StatusArea {
  bbox?: Bbox;
  locationPks?: string[];
}

function areaWhere(area: StatusArea): { sql: string; params: unknown[] } {
  const parts = [PUBLISHED];
  const params: unknown[] = [];
  if (area.bbox) {
    const f = bboxFilter(area.bbox, 'l');
    parts.push(f.sql);
    params.push(...f.params);
  }
  if (area.locationPks) {
    parts.push('l.pk IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(area.locationPks));
  }
  return { sql: parts.join(' AND '), params };
}

export interface EvseStatusRow {
  evse_pk: string;
  location_pk: string;
  evse_id: string | null;
  status: string;
  status_updated_at: string | null;
  /** 1 when the CPO no longer lists the EVSE (it is then reported as REMOVED). */
  removed: number;
}

const STATUS_COLUMNS = `e.pk AS evse_pk, e.location_pk, e.evse_id, e.status, e.status_updated_at,
  (e.removed_at IS NOT NULL) AS removed`;

/** Id of the newest status event (0 when there is none): the cursor of a snapshot taken now. */
export async function latestEventId(db: Db): Promise<number> {
  const row = await db.get<{ id: number | null }>('SELECT max(id) AS id FROM evse_status_events');
  return row?.id ?? 0;
}

/** Id of the oldest event still held; older cursors point into rolled-up history. */
export async function oldestEventId(db: Db): Promise<number | null> {
  const row = await db.get<{ id: number | null }>('SELECT min(id) AS id FROM evse_status_events');
  return row?.id ?? null;
}

/** Current status of the published, not removed EVSEs in the area; at most `limit` + 1 rows. */
export async function currentStatuses(db: Db, area: StatusArea, limit: number): Promise<EvseStatusRow[]> {
  const w = areaWhere(area);
  return db.all<EvseStatusRow>(
    `SELECT ${STATUS_COLUMNS} FROM evses e JOIN locations l ON l.pk = e.location_pk
     WHERE ${w.sql} AND e.removed_at IS NULL ORDER BY e.pk LIMIT ?`,
    [...w.params, limit + 1],
  );
}

/**
 * EVSEs of the area with a status event after `since`, in the order of their last such event,
 * looking at no more than `limit` events (the returned `lastId` is where the next call resumes).
 * Rows carry the status as it is now, which may be newer than the last event looked at: a client
 * then sees it again on its next call, never misses it.
 */
export async function statusChangesSince(
  db: Db,
  area: StatusArea,
  since: number,
  limit: number,
): Promise<{ rows: EvseStatusRow[]; lastId: number; more: boolean }> {
  const events = await db.all<{ id: number; evse_pk: string }>(
    'SELECT id, evse_pk FROM evse_status_events WHERE id > ? ORDER BY id LIMIT ?',
    [since, limit + 1],
  );
  const more = events.length > limit;
  const seen = events.slice(0, limit);
  const lastId = seen.length > 0 ? seen[seen.length - 1]!.id : since;
  if (seen.length === 0) return { rows: [], lastId, more: false };
  const order = new Map<string, number>();
  for (const e of seen) order.set(e.evse_pk, e.id);
  const w = areaWhere(area);
  const rows = await db.all<EvseStatusRow>(
    `SELECT ${STATUS_COLUMNS} FROM evses e JOIN locations l ON l.pk = e.location_pk
     WHERE e.pk IN (SELECT value FROM json_each(?)) AND ${w.sql}`,
    [JSON.stringify([...order.keys()]), ...w.params],
  );
  rows.sort((a, b) => order.get(a.evse_pk)! - order.get(b.evse_pk)!);
  return { rows, lastId, more };
}

export interface StatusEventRow {
  id: number;
  evse_pk: string;
  location_pk: string;
  evse_id: string | null;
  old_status: string | null;
  new_status: string;
  occurred_at: string;
  received_at: string;
  via: string;
  lat: number;
  lon: number;
}

/**
 * Events after an id, oldest first, of published locations (optionally only inside a box).
 * `lastId` is the id of the last event looked at, published or not, so a caller can move on.
 */
export async function eventsAfter(
  db: Db,
  afterId: number,
  limit: number,
  bbox?: Bbox,
): Promise<{ events: StatusEventRow[]; lastId: number }> {
  const ids = await db.get<{ last: number | null }>(
    'SELECT max(id) AS last FROM (SELECT id FROM evse_status_events WHERE id > ? ORDER BY id LIMIT ?)',
    [afterId, limit],
  );
  const lastId = ids?.last ?? afterId;
  if (lastId === afterId) return { events: [], lastId };
  const w = areaWhere(bbox ? { bbox } : {});
  const events = await db.all<StatusEventRow>(
    `SELECT s.id, s.evse_pk, s.location_pk, e.evse_id, s.old_status, s.new_status, s.occurred_at, s.received_at,
       s.via, l.lat, l.lon
     FROM evse_status_events s JOIN locations l ON l.pk = s.location_pk LEFT JOIN evses e ON e.pk = s.evse_pk
     WHERE s.id > ? AND s.id <= ? AND ${w.sql} ORDER BY s.id`,
    [afterId, lastId, ...w.params],
  );
  return { events, lastId };
}

// ---------------------------------------------------------------------------------------------
// History and occupancy

/** An EVSE with the place its history is shown at (its own position, else its location's). */
export type HistoryEvse = Pick<
  EvseRow,
  'pk' | 'location_pk' | 'uid' | 'evse_id' | 'status' | 'status_updated_at' | 'max_power_w'
> & { lat: number; lon: number };

const HISTORY_EVSE_COLUMNS = `e.pk, e.location_pk, e.uid, e.evse_id, e.status, e.status_updated_at, e.max_power_w,
  COALESCE(e.lat, l.lat) AS lat, COALESCE(e.lon, l.lon) AS lon`;

/**
 * A published EVSE by our id, or else by its eMI3 evse_id (compared without separators); when
 * several sources report that evse_id, the one with the freshest status wins.
 */
export async function publishedEvse(
  db: Db,
  id: string,
  evseIdNorm: string | null,
): Promise<HistoryEvse | undefined> {
  const byPk = await db.get<HistoryEvse>(
    `SELECT ${HISTORY_EVSE_COLUMNS} FROM evses e JOIN locations l ON l.pk = e.location_pk
     WHERE e.pk = ? AND ${PUBLISHED}`,
    [id],
  );
  if (byPk || !evseIdNorm) return byPk;
  return db.get<HistoryEvse>(
    `SELECT ${HISTORY_EVSE_COLUMNS} FROM evses e JOIN locations l ON l.pk = e.location_pk
     WHERE e.evse_id_norm = ? AND ${PUBLISHED} ORDER BY e.removed_at IS NOT NULL, e.status_updated_at DESC LIMIT 1`,
    [evseIdNorm],
  );
}

/** Published, not removed EVSEs in a box, with rated power and position: the occupancy population. */
export async function evsesInArea(db: Db, bbox: Bbox, limit: number): Promise<HistoryEvse[]> {
  const w = areaWhere({ bbox });
  return db.all<HistoryEvse>(
    `SELECT ${HISTORY_EVSE_COLUMNS} FROM evses e JOIN locations l ON l.pk = e.location_pk
     WHERE ${w.sql} AND e.removed_at IS NULL ORDER BY e.pk LIMIT ?`,
    [...w.params, limit + 1],
  );
}

export interface TimelineEvent {
  evse_pk: string;
  new_status: string;
  occurred_at: string;
}

/**
 * What the raw events say about some EVSEs from `start` (inclusive, ISO) to `end` (exclusive):
 * the status each was in at `start` (its last event at or before it, null when none) and the
 * events after `start`, per EVSE in time order.
 */
export async function rawTimeline(
  db: Db,
  evsePks: string[],
  start: string,
  end: string,
): Promise<{ atStart: Map<string, string>; events: TimelineEvent[] }> {
  const ids = JSON.stringify(evsePks);
  const carried = await db.all<{ pk: string; status: string | null }>(
    `SELECT j.value AS pk, (SELECT s.new_status FROM evse_status_events s WHERE s.evse_pk = j.value
       AND s.occurred_at <= ? ORDER BY s.occurred_at DESC, s.id DESC LIMIT 1) AS status
     FROM json_each(?) j`,
    [start, ids],
  );
  const atStart = new Map<string, string>();
  for (const c of carried) if (c.status != null) atStart.set(c.pk, c.status);
  const events = await db.all<TimelineEvent>(
    `SELECT s.evse_pk, s.new_status, s.occurred_at FROM json_each(?) j
     JOIN evse_status_events s ON s.evse_pk = j.value AND s.occurred_at > ? AND s.occurred_at < ?
     ORDER BY s.evse_pk, s.occurred_at, s.id`,
    [ids, start, end],
  );
  return { atStart, events };
}

export interface HourlyRow {
  evse_pk: string;
  hour: string;
  status: string;
  seconds: number;
  end_status: string | null;
}

/**
 * Rolled-up hours of some EVSEs in [fromHour, toHour), and the status each carried into fromHour
 * (end_status of its last rolled-up hour before it).
 */
export async function hourlyTimeline(
  db: Db,
  evsePks: string[],
  fromHour: string,
  toHour: string,
): Promise<{ atStart: Map<string, string>; rows: HourlyRow[] }> {
  const ids = JSON.stringify(evsePks);
  const carried = await db.all<{ pk: string; status: string | null }>(
    `SELECT j.value AS pk, (SELECT h.end_status FROM evse_status_hourly h WHERE h.evse_pk = j.value
       AND h.hour < ? ORDER BY h.hour DESC LIMIT 1) AS status
     FROM json_each(?) j`,
    [fromHour, ids],
  );
  const atStart = new Map<string, string>();
  for (const c of carried) if (c.status != null) atStart.set(c.pk, c.status);
  const rows = await db.all<HourlyRow>(
    `SELECT h.evse_pk, h.hour, h.status, h.seconds, h.end_status FROM json_each(?) j
     JOIN evse_status_hourly h ON h.evse_pk = j.value AND h.hour >= ? AND h.hour < ?
     ORDER BY h.evse_pk, h.hour, h.status`,
    [ids, fromHour, toHour],
  );
  return { atStart, rows };
}

// ---------------------------------------------------------------------------------------------
// Rollup

export const ROLLUP_WATERMARK_KEY = 'status_rollup_until';
export const DEFAULT_RETENTION_DAYS = 30;
const HOUR_MS = 3_600_000;

/** Everything before this instant is held as hourly aggregates only (null: nothing rolled up yet). */
export async function rollupWatermark(db: Db): Promise<string | null> {
  const row = await db.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [ROLLUP_WATERMARK_KEY]);
  return row?.value ?? null;
}

export const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

export interface RollupOptions {
  now: Date;
  /** Raw events are kept this many days (default 30). */
  retentionDays?: number;
  /** EVSEs per transaction (default 500). */
  chunk?: number;
}

export interface RollupResult {
  /** Raw events before this instant were rolled up. */
  cutoff: string;
  evses: number;
  eventsDeleted: number;
  hourlyRows: number;
}

interface RawEvent {
  id: number;
  evse_pk: string;
  new_status: string;
  occurred_at: string;
}

/**
 * Rolls raw events older than the retention window into hourly aggregates and deletes them.
 *
 * Rows are written only for hours in which an EVSE's status changed: seconds per status, plus the
 * status at the end of the hour. An hour without rows carries the end status of the EVSE's last
 * hour with rows, so a charger that stays AVAILABLE for a month costs nothing. Each chunk of EVSEs
 * is one transaction (rows written and events deleted together), so an interrupted rollup can
 * simply run again. Only events also *received* before the cutoff are taken, so the deleted ids
 * are the oldest ones (a cursor older than the oldest kept id has lost events, a newer one has
 * not); a late event, dated before the previous cutoff, counts from that cutoff.
 */
export async function rollupStatusEvents(db: Db, opts: RollupOptions): Promise<RollupResult> {
  const retentionMs = (opts.retentionDays ?? DEFAULT_RETENTION_DAYS) * 86_400_000;
  const cutoffMs = floorHour(opts.now.getTime() - retentionMs);
  const cutoff = iso(cutoffMs);
  const previous = await rollupWatermark(db);
  const result: RollupResult = { cutoff, evses: 0, eventsDeleted: 0, hourlyRows: 0 };
  if (previous !== null && previous >= cutoff) return result;
  const prevMs = previous === null ? null : Date.parse(previous);

  const maxId = await latestEventId(db);
  const pks = (
    await db.all<{ evse_pk: string }>(
      `SELECT DISTINCT evse_pk FROM evse_status_events WHERE occurred_at < ? AND received_at < ? AND id <= ?
       ORDER BY evse_pk`,
      [cutoff, cutoff, maxId],
    )
  ).map((r) => r.evse_pk);
  const chunk = opts.chunk ?? 500;
  const window: RollupWindow = { previous, prevMs, cutoff, cutoffMs, maxId };
  for (let i = 0; i < pks.length; i += chunk) {
    const done = await rollupChunk(db, JSON.stringify(pks.slice(i, i + chunk)), window);
    result.hourlyRows += done.hourlyRows;
    result.eventsDeleted += done.eventsDeleted;
    result.evses += Math.min(chunk, pks.length - i);
  }
  await db.batch([setMetaStmt(ROLLUP_WATERMARK_KEY, cutoff)]);
  return result;
}

/** What one rollup takes: events dated and received before `cutoff`, with ids up to `maxId`. */
interface RollupWindow {
  previous: string | null;
  prevMs: number | null;
  cutoff: string;
  cutoffMs: number;
  maxId: number;
}

/** Rolls up the events of the EVSEs `ids` (a JSON list) in one transaction. */
async function rollupChunk(db: Db, ids: string, w: RollupWindow) {
  const events = await db.all<RawEvent>(
    `SELECT s.id, s.evse_pk, s.new_status, s.occurred_at FROM json_each(?) j
     JOIN evse_status_events s ON s.evse_pk = j.value AND s.occurred_at < ? AND s.received_at < ? AND s.id <= ?
     ORDER BY s.evse_pk, s.occurred_at, s.id`,
    [ids, w.cutoff, w.cutoff, w.maxId],
  );
  const carried =
    w.previous === null ? new Map<string, string>() : await carriedStatuses(db, ids, w.previous);
  const stmts: Stmt[] = [];
  for (const [pk, list] of groupBy(events, (e) => e.evse_pk)) {
    for (const h of hourlyFromEvents(list, carried.get(pk) ?? null, w.prevMs, w.cutoffMs)) {
      for (const [status, seconds] of h.seconds) {
        stmts.push({
          sql: `INSERT INTO evse_status_hourly (evse_pk, hour, status, seconds, end_status) VALUES (?,?,?,?,?)
            ON CONFLICT(evse_pk, hour, status) DO UPDATE SET seconds = seconds + excluded.seconds,
              end_status = excluded.end_status`,
          params: [pk, h.hour, status, seconds, h.endStatus],
        });
      }
    }
  }
  const hourlyRows = stmts.length;
  stmts.push({
    sql: `DELETE FROM evse_status_events WHERE evse_pk IN (SELECT value FROM json_each(?)) AND occurred_at < ?
      AND received_at < ? AND id <= ?`,
    params: [ids, w.cutoff, w.cutoff, w.maxId],
  });
  const changed = await db.batch(stmts);
  return { hourlyRows, eventsDeleted: changed[changed.length - 1] ?? 0 };
}

/** Each EVSE's status at the end of its last rolled-up hour before `previous`. */
async function carriedStatuses(db: Db, ids: string, previous: string): Promise<Map<string, string>> {
  const rows = await db.all<{ pk: string; status: string | null }>(
    `SELECT j.value AS pk, (SELECT h.end_status FROM evse_status_hourly h WHERE h.evse_pk = j.value
       AND h.hour < ? ORDER BY h.hour DESC LIMIT 1) AS status FROM json_each(?) j`,
    [previous, ids],
  );
  const carried = new Map<string, string>();
  for (const r of rows) if (r.status != null) carried.set(r.pk, r.status);
  return carried;
}

export interface RolledHour {
  hour: string;
  seconds: Map<string, number>;
  endStatus: string;
}

/**
 * The changed hours of one EVSE between the previous cutoff (or its first event) and the cutoff:
 * seconds per status within each hour that holds an event, and the status the hour ends in.
 */
export function hourlyFromEvents(
  events: { new_status: string; occurred_at: string }[],
  carried: string | null,
  previousCutoffMs: number | null,
  cutoffMs: number,
): RolledHour[] {
  const byHour = new Map<number, RolledHour>();
  const add = (from: number, to: number, status: string) => {
    for (let t = from; t < to; ) {
      const h = floorHour(t);
      const end = Math.min(to, h + HOUR_MS);
      const slot = byHour.get(h);
      if (slot) slot.seconds.set(status, (slot.seconds.get(status) ?? 0) + Math.round((end - t) / 1000));
      t = end;
    }
  };
  let status = carried;
  let t = previousCutoffMs;
  for (const e of events) {
    const at = Math.max(Date.parse(e.occurred_at), previousCutoffMs ?? Number.NEGATIVE_INFINITY);
    const h = floorHour(at);
    if (!byHour.has(h)) byHour.set(h, { hour: iso(h), seconds: new Map(), endStatus: e.new_status });
    if (status !== null && t !== null) add(t, at, status);
    // Only hours that hold a change get seconds; the quiet hours in between stay without rows.
    status = e.new_status;
    t = at;
    byHour.get(h)!.endStatus = status;
  }
  if (status !== null && t !== null) add(t, Math.min(floorHour(t) + HOUR_MS, cutoffMs), status);
  return [...byHour.values()].sort((a, b) => (a.hour < b.hour ? -1 : 1));
}
