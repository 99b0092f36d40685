// Repairs times a source stamped in the future. Every write keeps the newest last_updated /
// status_updated_at it has seen, so one object stamped in year 9999 (a PATCH accepted before the
// receiver refused such times, or a CPO's broken clock) would win every later comparison and stay
// frozen. A full pull is the CPO's whole truth: before it writes, times beyond `limit` are forgotten
// (nullable ones) or brought back to `limit`, so the pull's own values apply again. The read model
// of the sites touched is refreshed in the same batch: it holds status times (site_features.statuses,
// what tiles count as fresh) and the newest last_updated.
//
// An EVSE's status is also the head of its chain of events (schema.ts), which readers walk as time
// order. A pull stamped ahead wrote its events dated ahead at the head, and an event the repaired
// EVSE takes next is linked to the head: an older event linked to a newer one, which the rollup (by
// id) later cuts from the chain (migration 0018). So those events go, the head moves back to the
// EVSE's newest event not beyond `limit`, and the status and its time become that event's (none
// held: the time is forgotten, the status kept), so the next event is not older than the head.
// Where that event's status differs from the one stamped ahead, an event saying so is written at
// the head (dated as that event, received `now`): the status stamped ahead went out to the live
// feeds and the push outbox with its event, and a status that goes back without an event would
// never reach them (the next pull writes none when it reports the status before).
import type { Db, Stmt } from '../types.js';
import { refreshSiteFeaturesStmts } from '../write-site-features.js';

const OF_SOURCE = 'location_pk IN (SELECT pk FROM locations WHERE source_id = ?)';

/** The source's locations holding a time beyond `limit` that forgetFutureTimesStmts changes. */
async function stampedAhead(db: Db, sourceId: string, limit: string): Promise<string[]> {
  const rows = await db.all<{ pk: string }>(
    `SELECT location_pk AS pk FROM evses WHERE status_updated_at > ? AND ${OF_SOURCE}
     UNION SELECT pk FROM locations WHERE last_updated > ? AND source_id = ?`,
    [limit, sourceId, limit, sourceId],
  );
  return rows.map((r) => r.pk);
}

// The events dated beyond the limit at the head of each such EVSE's chain, walked back by rowid.
const EVENTS_AHEAD = `WITH RECURSIVE walk(pk, head, id, prev_id) AS (
  SELECT v.pk, v.last_event_id, s.id, s.prev_id FROM evses v
  JOIN evse_status_events s ON s.id = v.last_event_id AND s.evse_pk = v.pk AND s.occurred_at > ?
  WHERE v.status_updated_at > ? AND v.location_pk IN (SELECT value FROM json_each(?))
  UNION ALL
  SELECT w.pk, w.head, s.id, s.prev_id FROM walk w
  JOIN evse_status_events s ON s.id = w.prev_id AND s.evse_pk = w.pk AND s.occurred_at > ?
)
SELECT pk, head, id, prev_id FROM walk`;

/**
 * The ids of the events dated beyond `limit` at the head of the EVSEs stamped ahead of some
 * locations (stampedAhead's: nothing to read for the usual full pull), and for each such EVSE [pk,
 * head, the head once they are gone]. No writer adds an event to these EVSEs before the repair's
 * batch: their status time, beyond the limit, is newer than any it may write.
 */
async function eventsAhead(db: Db, locationPks: string[], limit: string) {
  if (locationPks.length === 0) return { ids: [], heads: [] };
  const rows = await db.all<{ pk: string; head: number; id: number; prev_id: number | null }>(EVENTS_AHEAD, [
    limit,
    limit,
    JSON.stringify(locationPks),
    limit,
  ]);
  const ids = new Set(rows.map((r) => r.id));
  const heads = rows.filter((r) => !ids.has(r.prev_id ?? -1)).map((r) => [r.pk, r.head, r.prev_id]);
  return { ids: [...ids], heads };
}

/** The EVSEs whose heads moved back (JSON of eventsAhead's heads), as `pk IN (...)` of alias `v`. */
const MOVED_BACK = "v.pk IN (SELECT json_extract(value, '$[0]') FROM json_each(?))";

export async function forgetFutureTimesStmts(
  db: Db,
  sourceId: string,
  limit: string,
  now: string,
): Promise<Stmt[]> {
  const locationPks = await stampedAhead(db, sourceId, limit);
  const ahead = await eventsAhead(db, locationPks, limit);
  const heads = JSON.stringify(ahead.heads);
  const offTheChain: Stmt[] = [
    {
      sql: 'DELETE FROM evse_status_events WHERE id IN (SELECT value FROM json_each(?))',
      params: [JSON.stringify(ahead.ids)],
    },
    {
      sql: `UPDATE evses SET last_event_id = json_extract(m.value, '$[2]')
        FROM json_each(?) m WHERE evses.pk = json_extract(m.value, '$[0]')
          AND evses.last_event_id = json_extract(m.value, '$[1]')`,
      params: [heads],
    },
    // The status going back, after the head it goes back to (same time, so the same day's skip).
    {
      sql: `INSERT INTO evse_status_events (evse_pk, location_pk, old_status, new_status, occurred_at,
          received_at, via, prev_id, day_prev_id)
        SELECT v.pk, v.location_pk, v.status, s.new_status, s.occurred_at, ?, 'pull', s.id, s.day_prev_id
        FROM evses v JOIN evse_status_events s ON s.id = v.last_event_id AND s.evse_pk = v.pk
        WHERE ${MOVED_BACK} AND v.status IS NOT s.new_status`,
      params: [now, heads],
    },
    {
      sql: `UPDATE evses SET last_event_id = c.id FROM (SELECT e.evse_pk, e.id FROM evses v
          JOIN evse_status_events e ON e.evse_pk = v.pk AND e.prev_id = v.last_event_id WHERE ${MOVED_BACK}) c
        WHERE evses.pk = c.evse_pk`,
      params: [heads],
    },
  ];
  return [
    ...(ahead.ids.length > 0 ? offTheChain : []),
    {
      sql: `UPDATE evses SET
          status = COALESCE((SELECT s.new_status FROM evse_status_events s WHERE s.id = evses.last_event_id
            AND s.evse_pk = evses.pk), status),
          status_updated_at = (SELECT s.occurred_at FROM evse_status_events s WHERE s.id = evses.last_event_id
            AND s.evse_pk = evses.pk AND s.occurred_at <= ?)
        WHERE status_updated_at > ? AND ${OF_SOURCE}`,
      params: [limit, limit, sourceId],
    },
    {
      sql: `UPDATE evses SET last_updated = NULL WHERE last_updated > ? AND ${OF_SOURCE}`,
      params: [limit, sourceId],
    },
    {
      sql: `UPDATE connectors SET last_updated = NULL WHERE last_updated > ? AND ${OF_SOURCE}`,
      params: [limit, sourceId],
    },
    {
      sql: 'UPDATE locations SET last_updated = ? WHERE last_updated > ? AND source_id = ?',
      params: [limit, limit, sourceId],
    },
    {
      sql: 'UPDATE tariffs SET last_updated = ? WHERE last_updated > ? AND source_id = ?',
      params: [limit, limit, sourceId],
    },
    ...refreshSiteFeaturesStmts({ locationPks }),
  ];
}
