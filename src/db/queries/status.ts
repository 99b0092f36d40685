// EVSE status over time: the current status of published EVSEs, the changes after a cursor (the
// id of evse_status_events), the events behind history and occupancy, and the rollup of raw events
// older than the retention window into evse_status_hourly.
//
// The events table is the source of truth for every reader: the SSE stream, /v1/availability?since
// and the statistics all read it by id or time, so a change written by any process is seen by all.

import type { Bbox } from '../../model/geo.js';
import { groupBy } from '../../model/group-by.js';
import { iso } from '../../model/iso-time.js';
import { cellRanges } from '../spatial-key.js';
import type { Db, Stmt } from '../types.js';
import { bboxFilter, type EvseRow } from './locations.js';
import { setMetaStmt } from './meta.js';
import { PUBLISHED } from './publication.js';
import { splitAtAntimeridian } from './spread-scan.js';
import { SqlParams } from './sql-params.js';

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

/**
 * The area's EVSEs: its locations first (by cell ranges or ids), then each one's EVSEs. CROSS JOIN
 * fixes that order: without statistics (a deployment's file) the planner walked all of evses in pk
 * order for the LIMIT instead (1M-EVSE copy: a 0.3° box's snapshot 6.6 s against 5 ms).
 */
const AREA_EVSES = 'locations l CROSS JOIN evses e ON e.location_pk = l.pk';

/**
 * Current status of the published, not removed EVSEs in the area, by id; at most `limit` + 1 rows.
 * More than `limit` rows means the caller refuses the area (too many EVSEs), so only an area of at
 * most `limit` EVSEs needs them in order: the inner LIMIT stops reading at `limit` + 1 EVSEs, and
 * only those are sorted. With ORDER BY e.pk on the join itself, a world box's refusal read and
 * sorted every EVSE first (1M-EVSE database, limit 20,000: 1.1-1.9 s, now bounded by the limit).
 */
export async function currentStatuses(db: Db, area: StatusArea, limit: number): Promise<EvseStatusRow[]> {
  const w = areaWhere(area);
  return db.all<EvseStatusRow>(
    `WITH area AS MATERIALIZED (SELECT ${STATUS_COLUMNS} FROM ${AREA_EVSES}
       WHERE ${w.sql} AND e.removed_at IS NULL LIMIT ?)
     SELECT * FROM area ORDER BY evse_pk`,
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

/**
 * Since when an EVSE `e` of location `l` has a status history (ISO; null: never): the time the atlas
 * first held that EVSE (evses.first_seen_at, set when its row is first written), when its source is
 * an OCPI feed. A status is history only from when we learned it, not from the date a record
 * carries: a first pull lists an EVSE with its CPO's last_updated, which may be years old
 * ("AVAILABLE since 2019"), and a register dates its records by their last edit (2010-2025 on the
 * five registers of ../shared/data). Per EVSE, not per location: an EVSE added in June to a location
 * held since January counts from June, whatever date its first status carries. Registers (every
 * other source type) report no live status at all: their EVSEs' UNKNOWN is a placeholder
 * (ingest/registers/location-builders.ts), and a file read once a day is no record of status over
 * time. It reads nothing of the location's row but its source_id, which locations_tile holds, so
 * the occupancy population reads no location row (evsesInArea). The OCPI sources are listed once
 * per statement (a LIST SUBQUERY), not looked up per EVSE as a correlated subquery did: the 24k-EVSE
 * box of the 1M-EVSE file, CPU, median of 41 alternating runs, 193 against 202 ms, 187 without
 * known_since. Read by rawTimeline's callers through loadTimelines (src/live/evse-timelines.ts).
 */
export const KNOWN_SINCE = `CASE WHEN l.source_id IN (SELECT id FROM sources WHERE type = 'ocpi') THEN e.first_seen_at END`;

/** An EVSE with the place its history is shown at (its own position, else its location's). */
export type HistoryEvse = Pick<
  EvseRow,
  'pk' | 'location_pk' | 'uid' | 'evse_id' | 'status' | 'status_updated_at' | 'max_power_w'
> & { lat: number; lon: number; known_since: string | null };

const HISTORY_EVSE_COLUMNS = `e.pk, e.location_pk, e.uid, e.evse_id, e.status, e.status_updated_at, e.max_power_w,
  COALESCE(e.lat, l.lat) AS lat, COALESCE(e.lon, l.lon) AS lon, ${KNOWN_SINCE} AS known_since`;

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

/**
 * Published, not removed EVSEs in a box, with rated power and position: the occupancy population.
 * The box's locations are read range by range (its cell ranges from json_each, then locations_tile,
 * which covers the box and publication tests), then each one's EVSEs; CROSS JOIN and INDEXED BY fix
 * that plan. Written as one OR of ranges, the planner ORed a range search per cell range with
 * statistics, but without them (a deployment's file) it scanned all of locations_tile for the 18
 * ranges of a 2 x 1.5 degree box. 1M-EVSE copy, warm, median of 3, CPU, without / with statistics:
 * that box (24k EVSEs) 284 / 194 ms before, 188 / 170 ms this way; a box across the antimeridian
 * 126 / 17 ms before, 16 / 15 ms this way. No location's row is read: known_since is the EVSE's
 * (KNOWN_SINCE), and session 18's, its location's first_seen_at, read each location's row too (that
 * box, with statistics, median of 7, 126 -> 181 ms). That box, CPU, median of 21 runs alternating in
 * one process at load 3.4-3.7: 175 ms without known_since, 218 ms with the location's, 187 ms with
 * the EVSE's (docs/api.md, "What counts as status history").
 * At most `limit` + 1 rows, sorted by pk only when there are no more than that (the caller refuses
 * a box over its limit): the LIMIT sits in a MATERIALIZED CTE, as in currentStatuses, so a world
 * box stops reading at `limit` + 1 EVSEs instead of reading and sorting all of them first
 * (1M-EVSE file, limit 50,000: 1.5-1.7 s -> 0.29-0.30 s; boxes under the limit unchanged).
 */
export async function evsesInArea(db: Db, bbox: Bbox, limit: number): Promise<HistoryEvse[]> {
  const p = new SqlParams();
  const boxes = splitAtAntimeridian(bbox);
  const parts = boxes.map((b) => {
    const ranges = p.add(JSON.stringify(cellRanges(b, boxes.length === 1 ? 24 : 12)));
    return `SELECT ${HISTORY_EVSE_COLUMNS}
      FROM json_each(${ranges}) r CROSS JOIN locations l INDEXED BY locations_tile CROSS JOIN evses e ON e.location_pk = l.pk
      WHERE l.cell BETWEEN json_extract(r.value, '$[0]') AND json_extract(r.value, '$[1]')
        AND l.lat BETWEEN ${p.add(b.minLat)} AND ${p.add(b.maxLat)} AND l.lon BETWEEN ${p.add(b.minLon)} AND ${p.add(b.maxLon)}
        AND ${PUBLISHED} AND e.removed_at IS NULL`;
  });
  const s = p.bind(
    `WITH area AS MATERIALIZED (${parts.join(' UNION ALL ')} LIMIT ${p.add(limit + 1)})
     SELECT * FROM area ORDER BY pk`,
  );
  return db.all<HistoryEvse>(s.sql, s.params);
}

export interface TimelineEvent {
  evse_pk: string;
  new_status: string;
  occurred_at: string;
}

/**
 * The events of some EVSEs (a JSON list of pks), newest first per EVSE, down to and including the
 * first one at or before `until` (ISO): a walk back along each EVSE's chain (evses.last_event_id,
 * evse_status_events.prev_id), one read by rowid per event. The chain's order is time order as well,
 * because an event is written only for a status not older than the EVSE's (write-location.ts,
 * write-evse.ts; migrations 0016 and 0018 relinked what older atlases wrote out of it, or cut). It
 * ends where its older part was rolled up.
 *
 * While an event's UTC day is after `lastDay` (the window's last day: every event of a later day
 * is at or after the window's end, so not wanted), the walk hops to the EVSE's last event of an
 * earlier day (day_prev_id) instead of the previous one: a window 20 days back reads about one
 * event per newer day, not every newer event. Its events of those days are in the walk's output
 * no more, only the hops, which the caller drops as after the window.
 */
const WALK_BACK = `WITH RECURSIVE walk(evse_pk, id, prev_id, day_prev_id, new_status, occurred_at) AS (
  SELECT s.evse_pk, s.id, s.prev_id, s.day_prev_id, s.new_status, s.occurred_at
  FROM json_each(?) j JOIN evses e ON e.pk = j.value JOIN evse_status_events s ON s.id = e.last_event_id
    AND s.evse_pk = e.pk
  UNION ALL
  SELECT s.evse_pk, s.id, s.prev_id, s.day_prev_id, s.new_status, s.occurred_at
  FROM walk w JOIN evse_status_events s
    ON s.id = CASE WHEN substr(w.occurred_at, 1, 10) > ? THEN w.day_prev_id ELSE w.prev_id END
    AND s.evse_pk = w.evse_pk
  WHERE w.occurred_at > ?
)
SELECT evse_pk, id, new_status, occurred_at FROM walk`;

/** The UTC day of the last instant before `end` (exclusive, ISO): the last day a window holds. */
export function lastDayBefore(end: string): string {
  const ms = Date.parse(end);
  return Number.isNaN(ms) ? end.slice(0, 10) : new Date(ms - 1).toISOString().slice(0, 10);
}

/** Orders events by time, then id: the order of each EVSE's chain. */
const byTime = (a: { occurred_at: string; id: number }, b: { occurred_at: string; id: number }) =>
  a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : a.id - b.id;

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
  const walked = await db.all<TimelineEvent & { id: number }>(WALK_BACK, [
    JSON.stringify(evsePks),
    lastDayBefore(end),
    start,
  ]);
  const atStart = new Map<string, string>();
  const carriedAt = new Map<string, { occurred_at: string; id: number }>();
  const inWindow: (TimelineEvent & { id: number })[] = [];
  for (const e of walked) {
    if (e.occurred_at <= start) {
      const held = carriedAt.get(e.evse_pk);
      if (!held || byTime(held, e) < 0) {
        carriedAt.set(e.evse_pk, e);
        atStart.set(e.evse_pk, e.new_status);
      }
    } else if (e.occurred_at < end) inWindow.push(e);
  }
  inWindow.sort((a, b) => (a.evse_pk < b.evse_pk ? -1 : a.evse_pk > b.evse_pk ? 1 : byTime(a, b)));
  const events = inWindow.map(({ evse_pk, new_status, occurred_at }) => ({
    evse_pk,
    new_status,
    occurred_at,
  }));
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

/** The cutoff of a rollup that has begun and not finished: a later run resumes it with this cutoff. */
export const ROLLUP_RUNNING_KEY = 'status_rollup_running';

export interface RollupOptions {
  now: Date;
  /** Raw events are kept this many days (default 30). */
  retentionDays?: number;
  /** Events per transaction (default 2,000). */
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
  received_at: string;
  prev_id: number | null;
}

/** What one rollup takes: events dated and received before `cutoff`, with ids up to `maxId`. */
interface RollupWindow {
  prevMs: number | null;
  cutoff: string;
  cutoffMs: number;
  maxId: number;
}

/** Where an EVSE's rollup stands (evse_status_rollup), as read before a chunk. */
interface RollupState {
  status: string;
  at: string;
  open: number;
}

const UPSERT_HOURLY = `INSERT INTO evse_status_hourly (evse_pk, hour, status, seconds, end_status) VALUES (?,?,?,?,?)
  ON CONFLICT(evse_pk, hour, status) DO UPDATE SET seconds = seconds + excluded.seconds,
    end_status = excluded.end_status`;
/**
 * Deletes the events before the ones a chunk takes in their chains (each [prev_id, EVSE, time of
 * the taken event]), and theirs, walked back by rowid while not newer. Only an older atlas's events
 * are such (migrations 0016 and 0018 put them in time order against their ids): one with a higher
 * id than the event it precedes, not taken because received after the cutoff, would be left with
 * the events after the taken one cut from it: a second start of the chain, lost to its readers.
 * Older than an event this run rolled, it was superseded by that one (rollHours skips such).
 */
const DELETE_SUPERSEDED = `DELETE FROM evse_status_events WHERE id IN (
  WITH RECURSIVE older(id, evse_pk, occurred_at, prev_id) AS (
    SELECT p.id, p.evse_pk, p.occurred_at, p.prev_id FROM json_each(?) j
    JOIN evse_status_events p ON p.id = json_extract(j.value, '$[0]') AND p.evse_pk = json_extract(j.value, '$[1]')
      AND p.occurred_at <= json_extract(j.value, '$[2]')
    UNION ALL
    SELECT p.id, p.evse_pk, p.occurred_at, p.prev_id FROM older o
    JOIN evse_status_events p ON p.id = o.prev_id AND p.evse_pk = o.evse_pk AND p.occurred_at <= o.occurred_at
  )
  SELECT id FROM older)`;
const UPSERT_ROLLUP_STATE = `INSERT INTO evse_status_rollup (evse_pk, status, at, open) VALUES (?,?,?,1)
  ON CONFLICT(evse_pk) DO UPDATE SET status = excluded.status, at = excluded.at, open = 1`;

/**
 * Rolls raw events older than the retention window into hourly aggregates and deletes them.
 *
 * Rows are written only for hours in which an EVSE's status changed: seconds per status, plus the
 * status at the end of the hour. An hour without rows carries the end status of the EVSE's last
 * hour with rows, so a charger that stays AVAILABLE for a month costs nothing.
 *
 * The events are taken by id, oldest first (there is no index by EVSE: each EVSE's events form a
 * chain, see schema.ts), a chunk to a transaction, up to the first one received at or after the
 * cutoff: ids follow arrival, so the deleted ids are the oldest ones (a cursor older than the
 * oldest kept id has lost events, a newer one has not). An EVSE's status and the time of its last
 * rolled event are carried from chunk to chunk and run to run in evse_status_rollup, written in
 * the chunk's transaction; the seconds after an EVSE's last event of the run, to the end of that
 * hour, are added once every chunk is done. The run's cutoff is recorded before its first chunk,
 * so a run interrupted anywhere is finished, with that cutoff, by the next. Only events also
 * *received* before the cutoff are taken; a late event, dated before the previous cutoff, counts
 * from that cutoff. An event older than one a chunk before it rolled for its EVSE (written out of
 * time order by an older atlas, migration 0016) was superseded by that one, and is skipped.
 */
export async function rollupStatusEvents(db: Db, opts: RollupOptions): Promise<RollupResult> {
  // One read of both (the Worker asks on every Cron invocation, nearly always to learn it is done).
  const marks = await db.all<{ key: string; value: string }>(
    'SELECT key, value FROM meta WHERE key IN (?, ?)',
    [ROLLUP_RUNNING_KEY, ROLLUP_WATERMARK_KEY],
  );
  const resumed = marks.find((m) => m.key === ROLLUP_RUNNING_KEY)?.value ?? null;
  const previous = marks.find((m) => m.key === ROLLUP_WATERMARK_KEY)?.value ?? null;
  const retentionMs = (opts.retentionDays ?? DEFAULT_RETENTION_DAYS) * 86_400_000;
  const cutoff = resumed ?? iso(floorHour(opts.now.getTime() - retentionMs));
  const result: RollupResult = { cutoff, evses: 0, eventsDeleted: 0, hourlyRows: 0 };
  if (previous !== null && previous >= cutoff) return result;
  if (resumed === null) await db.batch([setMetaStmt(ROLLUP_RUNNING_KEY, cutoff)]);

  const window: RollupWindow = {
    prevMs: previous === null ? null : Date.parse(previous),
    cutoff,
    cutoffMs: Date.parse(cutoff),
    maxId: await latestEventId(db),
  };
  const chunk = opts.chunk ?? 2_000;
  let afterId = 0;
  for (;;) {
    const rows = await db.all<RawEvent>(
      `SELECT id, evse_pk, new_status, occurred_at, received_at, prev_id FROM evse_status_events
       WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`,
      [afterId, window.maxId, chunk],
    );
    const stop = rows.findIndex((r) => r.received_at >= cutoff);
    const scanned = stop < 0 ? rows : rows.slice(0, stop);
    if (scanned.length > 0) {
      const done = await rollupChunk(db, scanned, afterId, window);
      result.hourlyRows += done.hourlyRows;
      result.eventsDeleted += done.eventsDeleted;
      result.evses += done.evses;
      afterId = scanned[scanned.length - 1]!.id;
    }
    if (stop >= 0 || rows.length < chunk) break;
  }
  result.hourlyRows += await closeOpenHours(db, window.cutoffMs, chunk);
  await db.batch([
    setMetaStmt(ROLLUP_WATERMARK_KEY, cutoff),
    { sql: 'DELETE FROM meta WHERE key = ?', params: [ROLLUP_RUNNING_KEY] },
  ]);
  // A resumed run finished an older cutoff: the one due now follows.
  if (resumed !== null) {
    const next = await rollupStatusEvents(db, opts);
    return {
      cutoff: next.cutoff,
      evses: result.evses + next.evses,
      eventsDeleted: result.eventsDeleted + next.eventsDeleted,
      hourlyRows: result.hourlyRows + next.hourlyRows,
    };
  }
  return result;
}

/**
 * Rolls up the events `scanned` (ids after `afterId`, in id order, all received before the
 * cutoff; those dated at or after it stay) in one transaction: hourly rows, each EVSE's carried
 * state, and the deletion of what was taken.
 */
async function rollupChunk(db: Db, scanned: RawEvent[], afterId: number, w: RollupWindow) {
  const taken = scanned.filter((e) => e.occurred_at < w.cutoff);
  const byEvse = groupBy(taken, (e) => e.evse_pk);
  // Ids are arrival order, which is time order for an EVSE's events since b09037d; an older atlas
  // wrote some out of it (migration 0016 put their chains back in order, not their ids).
  for (const list of byEvse.values()) list.sort(byTime);
  const states = new Map<string, RollupState>();
  if (byEvse.size > 0) {
    const rows = await db.all<RollupState & { evse_pk: string }>(
      `SELECT evse_pk, status, at, open FROM evse_status_rollup
       WHERE evse_pk IN (SELECT value FROM json_each(?))`,
      [JSON.stringify([...byEvse.keys()])],
    );
    for (const r of rows) states.set(r.evse_pk, r);
  }
  const stmts: Stmt[] = [];
  let hourlyRows = 0;
  let evses = 0;
  for (const [pk, list] of byEvse) {
    const state = states.get(pk);
    if (state?.open !== 1) evses++;
    const from: RollFrom =
      state?.open === 1
        ? { status: state.status, t: Date.parse(state.at), openHour: true }
        : { status: state?.status ?? null, t: w.prevMs, openHour: false };
    const rolled = rollHours(from, list, w.prevMs);
    for (const h of rolled.hours) {
      for (const [status, seconds] of h.seconds) {
        stmts.push({ sql: UPSERT_HOURLY, params: [pk, h.hour, status, seconds, h.endStatus] });
        hourlyRows++;
      }
    }
    // The hour carried open from an earlier chunk may hold rows of statuses this chunk did not
    // touch: they take its end status too (the same on every row of an hour).
    if (from.openHour) {
      const hour = rolled.hours.find((h) => h.hour === iso(floorHour(from.t!)))!;
      stmts.push({
        sql: 'UPDATE evse_status_hourly SET end_status = ? WHERE evse_pk = ? AND hour = ?',
        params: [hour.endStatus, pk, hour.hour],
      });
    }
    stmts.push({ sql: UPSERT_ROLLUP_STATE, params: [pk, rolled.status, iso(rolled.t)] });
  }
  // A previous event with a higher id: only an older atlas wrote such (see DELETE_SUPERSEDED).
  const takenIds = new Set(taken.map((e) => e.id));
  const before = taken.filter((e) => e.prev_id !== null && e.prev_id > e.id && !takenIds.has(e.prev_id));
  if (before.length > 0) {
    stmts.push({
      sql: DELETE_SUPERSEDED,
      params: [JSON.stringify(before.map((e) => [e.prev_id, e.evse_pk, e.occurred_at]))],
    });
  }
  stmts.push({
    sql: `DELETE FROM evse_status_events WHERE id > ? AND id <= ? AND occurred_at < ? AND received_at < ?`,
    params: [afterId, scanned[scanned.length - 1]!.id, w.cutoff, w.cutoff],
  });
  const changed = await db.batch(stmts);
  const deleted =
    (changed[changed.length - 1] ?? 0) + (before.length > 0 ? (changed[changed.length - 2] ?? 0) : 0);
  return { hourlyRows, evses, eventsDeleted: deleted };
}

/**
 * The last step of a run: each EVSE rolled in it gets the seconds from its last event to the end
 * of that event's hour (before the cutoff, which is on an hour), a chunk to a transaction.
 */
async function closeOpenHours(db: Db, cutoffMs: number, chunk: number): Promise<number> {
  let rows = 0;
  for (;;) {
    const open = await db.all<RollupState & { evse_pk: string }>(
      'SELECT evse_pk, status, at, open FROM evse_status_rollup WHERE open = 1 LIMIT ?',
      [chunk],
    );
    if (open.length === 0) return rows;
    const stmts: Stmt[] = [];
    for (const o of open) {
      const tail = tailOfHour(Date.parse(o.at), cutoffMs);
      stmts.push({ sql: UPSERT_HOURLY, params: [o.evse_pk, tail.hour, o.status, tail.seconds, o.status] });
    }
    stmts.push({
      sql: 'UPDATE evse_status_rollup SET open = 0 WHERE open = 1 AND evse_pk IN (SELECT value FROM json_each(?))',
      params: [JSON.stringify(open.map((o) => o.evse_pk))],
    });
    await db.batch(stmts);
    rows += open.length;
  }
}

export interface RolledHour {
  hour: string;
  seconds: Map<string, number>;
  endStatus: string;
}

/**
 * Where an EVSE's rollup resumes: its status from time `t` on (null: unknown), and whether the
 * hour of `t` already has rows of this run (an earlier chunk's), which this one adds to.
 */
interface RollFrom {
  status: string | null;
  t: number | null;
  openHour: boolean;
}

/**
 * The seconds per status of one EVSE from `from` to its last event (its events in time order),
 * in the hours that hold an event (and the open hour of `from`), and its status and time after
 * the last event. The seconds after that event are left to a later chunk or to tailOfHour().
 */
function rollHours(
  from: RollFrom,
  events: { new_status: string; occurred_at: string }[],
  previousCutoffMs: number | null,
): { hours: RolledHour[]; status: string; t: number } {
  const byHour = new Map<number, RolledHour>();
  if (from.openHour && from.t !== null && from.status !== null) {
    const h = floorHour(from.t);
    byHour.set(h, { hour: iso(h), seconds: new Map(), endStatus: from.status });
  }
  const add = (start: number, to: number, status: string) => {
    for (let t = start; t < to; ) {
      const h = floorHour(t);
      const end = Math.min(to, h + HOUR_MS);
      const slot = byHour.get(h);
      if (slot) slot.seconds.set(status, (slot.seconds.get(status) ?? 0) + Math.round((end - t) / 1000));
      t = end;
    }
  };
  let status = from.status;
  let t = from.t;
  for (const e of events) {
    // A late event (dated before the previous cutoff) counts from there, so no second is counted
    // twice. One before the time already rolled (an earlier chunk's last event of its EVSE: an
    // older atlas wrote some out of time order, with a higher id) was superseded by that event: it
    // is skipped, not moved forward to take the status over. Compared as counted, so two late
    // events in different chunks both count from the cutoff and the newer takes the status.
    const at = Math.max(Date.parse(e.occurred_at), previousCutoffMs ?? Number.NEGATIVE_INFINITY);
    if (t !== null && at < t) continue;
    const h = floorHour(at);
    if (!byHour.has(h)) byHour.set(h, { hour: iso(h), seconds: new Map(), endStatus: e.new_status });
    if (status !== null && t !== null) add(t, at, status);
    // Only hours that hold a change get seconds; the quiet hours in between stay without rows.
    status = e.new_status;
    t = at;
    byHour.get(h)!.endStatus = status;
  }
  const hours = [...byHour.values()].sort((a, b) => (a.hour < b.hour ? -1 : 1));
  return { hours, status: status!, t: t! };
}

/** The seconds from `t` to the end of its hour (or the cutoff). */
function tailOfHour(t: number, cutoffMs: number): { hour: string; seconds: number } {
  const h = floorHour(t);
  return { hour: iso(h), seconds: Math.round((Math.min(h + HOUR_MS, cutoffMs) - t) / 1000) };
}

/**
 * The changed hours of one EVSE between the previous cutoff (or its first event) and the cutoff:
 * seconds per status within each hour that holds an event, and the status the hour ends in. What
 * rollupStatusEvents writes, computed from all of an EVSE's events at once (tests compare the two).
 */
export function hourlyFromEvents(
  events: { new_status: string; occurred_at: string }[],
  carried: string | null,
  previousCutoffMs: number | null,
  cutoffMs: number,
): RolledHour[] {
  if (events.length === 0) return [];
  const rolled = rollHours(
    { status: carried, t: previousCutoffMs, openHour: false },
    events,
    previousCutoffMs,
  );
  const tail = tailOfHour(rolled.t, cutoffMs);
  const last = rolled.hours.find((h) => h.hour === tail.hour)!;
  last.seconds.set(rolled.status, (last.seconds.get(rolled.status) ?? 0) + tail.seconds);
  return rolled.hours;
}
