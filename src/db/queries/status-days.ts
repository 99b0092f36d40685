// What the daily status dumps read: the span of days the raw status events cover, and the EVSEs
// of published locations that existed on a day, in grid-cell order so a caller can finish one cell
// of the occupancy rollup before it reads the next.
import type { Db } from '../types.js';
import { PUBLISHED } from './publication.js';
import { ROLLUP_RUNNING_KEY, ROLLUP_WATERMARK_KEY } from './status.js';

export interface StatusDaySpan {
  /** Earliest occurred_at of a raw event (null: no events). */
  firstEventAt: string | null;
  /** Everything before this instant is held as hourly aggregates only (null: nothing rolled up). */
  watermark: string | null;
}

/** What statusDaySpan last learned of a database: the span as of its newest event id then. */
interface SpanMark {
  maxId: number | null;
  watermark: string | null;
  running: string | null;
  firstEventAt: string | null;
}

const known = new WeakMap<Db, SpanMark>();

/**
 * The span, exact, without a scan of the table on every call: min(occurred_at) over the whole
 * table (there is no index on occurred_at: each would cost every status change a write; 3M events
 * took ~230 ms a call) is taken once per Db, then only over the ids added since (a rowid range).
 * That is exact because ids only grow (AUTOINCREMENT, one writer at a time: an id at or below the
 * newest one read is never added later), and events are deleted only by the rollup, which records
 * its running cutoff before its first delete and a later watermark after its last: a call that
 * reads another watermark, or a running rollup, scans again (and remembers nothing mid-run).
 */
export async function statusDaySpan(db: Db): Promise<StatusDaySpan> {
  const mark = await db.get<Omit<SpanMark, 'firstEventAt'>>(
    `SELECT (SELECT max(id) FROM evse_status_events) AS maxId,
       (SELECT value FROM meta WHERE key = ?) AS watermark, (SELECT value FROM meta WHERE key = ?) AS running`,
    [ROLLUP_WATERMARK_KEY, ROLLUP_RUNNING_KEY],
  );
  const now: Omit<SpanMark, 'firstEventAt'> = {
    maxId: mark?.maxId ?? null,
    watermark: mark?.watermark ?? null,
    running: mark?.running ?? null,
  };
  const before = known.get(db);
  const still = before !== undefined && now.running === null && before.watermark === now.watermark;
  const fromId = still ? (before.maxId ?? 0) : 0;
  let firstEventAt = still ? before.firstEventAt : null;
  if (now.maxId !== null && now.maxId > fromId) {
    const row = await db.get<{ first: string | null }>(
      'SELECT min(occurred_at) AS first FROM evse_status_events WHERE id > ? AND id <= ?',
      [fromId, now.maxId],
    );
    const added = row?.first ?? null;
    if (added !== null && (firstEventAt === null || added < firstEventAt)) firstEventAt = added;
  }
  if (now.running === null) known.set(db, { ...now, firstEventAt });
  else known.delete(db);
  return { firstEventAt, watermark: now.watermark };
}

export interface DayEvse {
  pk: string;
  location_pk: string;
  source_id: string;
  evse_id: string | null;
  max_power_w: number | null;
  lat: number;
  lon: number;
  /** The location's Morton key (src/db/spatial-key.ts). */
  cell: number;
}

/** Keyset position in (cell, pk) order. */
export interface DayEvseCursor {
  cell: number;
  pk: string;
}

/**
 * EVSEs of published locations not removed before `dayStart`, after `cursor` in (location cell,
 * EVSE pk) order, at most `limit`.
 */
export async function dayEvses(
  db: Db,
  dayStart: string,
  cursor: DayEvseCursor | null,
  limit: number,
): Promise<DayEvse[]> {
  const after = cursor ? 'AND l.cell >= ? AND (l.cell > ? OR e.pk > ?)' : '';
  const params = cursor ? [cursor.cell, cursor.cell, cursor.pk] : [];
  return db.all<DayEvse>(
    `SELECT e.pk, e.location_pk, l.source_id, e.evse_id, e.max_power_w, COALESCE(e.lat, l.lat) AS lat,
       COALESCE(e.lon, l.lon) AS lon, l.cell
     FROM locations l JOIN evses e ON e.location_pk = l.pk
     WHERE ${PUBLISHED} AND (e.removed_at IS NULL OR e.removed_at > ?) ${after}
     ORDER BY l.cell, e.pk LIMIT ?`,
    [dayStart, ...params, limit],
  );
}
