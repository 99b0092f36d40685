// What the daily status dumps read: the span of days the raw status events cover, and the EVSEs
// of published locations that existed on a day, in grid-cell order so a caller can finish one cell
// of the occupancy rollup before it reads the next.
import type { Db } from '../types.js';
import { PUBLISHED } from './publication.js';
import { rollupWatermark } from './status.js';

export interface StatusDaySpan {
  /** Earliest occurred_at of a raw event (null: no events). */
  firstEventAt: string | null;
  /** Everything before this instant is held as hourly aggregates only (null: nothing rolled up). */
  watermark: string | null;
}

export async function statusDaySpan(db: Db): Promise<StatusDaySpan> {
  // A scan of the table (no index on occurred_at: each would cost every status change a write);
  // a status day listing asks it once.
  const row = await db.get<{ first: string | null }>(
    'SELECT min(occurred_at) AS first FROM evse_status_events',
  );
  return { firstEventAt: row?.first ?? null, watermark: await rollupWatermark(db) };
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
