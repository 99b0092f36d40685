// What the daily status dumps read: the span of days with status history, and the EVSEs of
// published locations that existed on a day, in grid-cell order so a caller can finish one cell
// of the occupancy rollup before it reads the next.
import type { Db } from '../types.js';
import { PUBLISHED } from './publication.js';
import { KNOWN_SINCE, ROLLUP_RUNNING_KEY, ROLLUP_WATERMARK_KEY } from './status.js';

export interface StatusDaySpan {
  /**
   * When the atlas first held a location of an OCPI feed (null: never): status history starts no
   * earlier, whatever older dates its events or a register's carry. Each EVSE's starts at its own
   * first_seen_at (KNOWN_SINCE in status.ts), never before its location's: a location's EVSEs are
   * first written with it or after it. Read from the locations, far fewer than the EVSEs.
   */
  firstKnownAt: string | null;
  /**
   * Everything before this instant is held as hourly aggregates only, or is being rolled up into
   * them (the running rollup's cutoff); null: nothing rolled up.
   */
  watermark: string | null;
}

/** What statusDaySpan last learned of a database: its answer as of the newest location then. */
interface SpanMark {
  maxRowid: number | null;
  /** The ids of the OCPI sources, space-separated: a change of the set scans again. */
  live: string | null;
  firstKnownAt: string | null;
}

const known = new WeakMap<Db, SpanMark>();

/** Locations of OCPI feeds, by rowid range. */
const LIVE_LOCATIONS = `FROM locations l WHERE l.rowid > ? AND l.rowid <= ?
  AND l.source_id IN (SELECT id FROM sources WHERE type = 'ocpi')`;

/**
 * The span, exact, without a scan of the locations on every call: min(first_seen_at) over the
 * locations of OCPI sources is taken once per Db, then only over the rows added since (a rowid
 * range). That is exact because a new location's first_seen_at is the time it was written (never
 * earlier than a row before it), its rowid the next one, and the atlas deletes no location (only
 * the .sqlite dump's copy does); a change of which sources are OCPI feeds scans again. Before
 * session 18 the span came from min(occurred_at) of the events, which are dated by their records:
 * registers' last edits made it 5,978 days long.
 */
export async function statusDaySpan(db: Db): Promise<StatusDaySpan> {
  const mark = await db.get<{
    maxRowid: number | null;
    live: string | null;
    watermark: string | null;
    running: string | null;
  }>(
    `SELECT (SELECT max(rowid) FROM locations) AS maxRowid,
       (SELECT group_concat(id, ' ') FROM (SELECT id FROM sources WHERE type = 'ocpi' ORDER BY id)) AS live,
       (SELECT value FROM meta WHERE key = ?) AS watermark, (SELECT value FROM meta WHERE key = ?) AS running`,
    [ROLLUP_WATERMARK_KEY, ROLLUP_RUNNING_KEY],
  );
  const maxRowid = mark?.maxRowid ?? null;
  const live = mark?.live ?? null;
  const before = known.get(db);
  const still = before !== undefined && before.live === live;
  const fromRowid = still ? (before.maxRowid ?? 0) : 0;
  let firstKnownAt = still ? before.firstKnownAt : null;
  if (live !== null && maxRowid !== null && maxRowid > fromRowid) {
    const row = await db.get<{ first: string | null }>(
      `SELECT min(l.first_seen_at) AS first ${LIVE_LOCATIONS}`,
      [fromRowid, maxRowid],
    );
    const added = row?.first ?? null;
    if (added !== null && (firstKnownAt === null || added < firstKnownAt)) firstKnownAt = added;
  }
  known.set(db, { maxRowid, live, firstKnownAt });
  const cutoffs = [mark?.watermark ?? null, mark?.running ?? null].filter((c): c is string => c !== null);
  return { firstKnownAt, watermark: cutoffs.length === 0 ? null : cutoffs.sort()[cutoffs.length - 1]! };
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
  /** Since when its status is history (KNOWN_SINCE in status.ts; null: never). */
  known_since: string | null;
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
       COALESCE(e.lon, l.lon) AS lon, l.cell,
       ${KNOWN_SINCE} AS known_since
     FROM locations l JOIN evses e ON e.location_pk = l.pk
     WHERE ${PUBLISHED} AND (e.removed_at IS NULL OR e.removed_at > ?) ${after}
     ORDER BY l.cell, e.pk LIMIT ?`,
    [dayStart, ...params, limit],
  );
}
