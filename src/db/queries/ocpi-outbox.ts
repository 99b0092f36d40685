// The push outbox (docs/ocpi-out.md, src/outbox/): its queue per client, what delivery acknowledges
// and how a failing client is parked. Rows are written by the SQLite triggers (outbox-triggers.ts).
import { iso } from '../../model/iso-time.js';
import type { Db, Stmt } from '../types.js';

export interface OutboxRow {
  id: number;
  client_id: string;
  kind: 'location' | 'evse_status' | 'tariff';
  object_pk: string;
  evse_pk: string | null;
  status: string | null;
  occurred_at: string | null;
}

/** The client's queue, oldest first. */
export async function queuedRows(db: Db, clientId: string, limit: number): Promise<OutboxRow[]> {
  return db.all<OutboxRow>('SELECT * FROM ocpi_outbox WHERE client_id = ? ORDER BY id LIMIT ?', [
    clientId,
    limit,
  ]);
}

/** Live clients with rows queued and no backoff running at `now`. */
export async function clientsDue(db: Db, now: string): Promise<string[]> {
  const rows = await db.all<{ client_id: string }>(
    `SELECT DISTINCT o.client_id FROM ocpi_outbox o JOIN ocpi_clients c ON c.id = o.client_id
     WHERE c.revoked_at IS NULL AND (c.retry_at IS NULL OR c.retry_at <= ?)`,
    [now],
  );
  return rows.map((r) => r.client_id);
}

/** The newest row id of the client: everything up to it was committed before what is read next. */
export async function newestOutboxId(db: Db, clientId: string): Promise<number> {
  const r = await db.get<{ id: number | null }>('SELECT max(id) AS id FROM ocpi_outbox WHERE client_id = ?', [
    clientId,
  ]);
  return r?.id ?? 0;
}

/**
 * A delivered row leaves the queue; with `upTo`, so do the later rows of the same object and kind
 * that went with it (only rows of the kind sent whole: queued status changes still go one by one).
 */
export function acknowledgeStmts(r: OutboxRow, upTo: number | undefined, now: string): Stmt[] {
  return [
    upTo === undefined
      ? { sql: 'DELETE FROM ocpi_outbox WHERE id = ?', params: [r.id] }
      : {
          sql: `DELETE FROM ocpi_outbox WHERE id = ?
                OR (client_id = ? AND object_pk = ? AND kind = ? AND id <= ?)`,
          params: [r.id, r.client_id, r.object_pk, r.kind === 'tariff' ? 'tariff' : 'location', upTo],
        },
    { sql: 'UPDATE ocpi_clients SET delivered_at = ? WHERE id = ?', params: [now, r.client_id] },
  ];
}

export function resetFailuresStmt(clientId: string): Stmt {
  return {
    sql: 'UPDATE ocpi_clients SET failures = 0, retry_at = NULL, last_error = NULL WHERE id = ?',
    params: [clientId],
  };
}

/** No delivery to the client before `retryAt`; the error is kept (shortened) for `atlas clients list`. */
export function parkClientStmt(clientId: string, failures: number, retryAt: string, error: string): Stmt {
  return {
    sql: 'UPDATE ocpi_clients SET failures = ?, retry_at = ?, last_error = ? WHERE id = ?',
    params: [failures, retryAt, error.slice(0, 500), clientId],
  };
}

/** An EVSE's status as a client should have it at some point of the queue, and as of when. */
export interface QueuedStatus {
  status: string;
  /** When that status held: for a status before a queued change, just before that change (null: unknown). */
  asOf: string | null;
}

/**
 * The status each EVSE of a location has at a client once every row up to `afterId` is delivered:
 * for an EVSE with a status row still queued after `afterId`, the status before the first such
 * change (its event's old_status), as of one second before that change. A whole-location PUT
 * carries these, not the newer statuses, so the queued PATCHes that follow it still arrive in order,
 * and a client that already has the newer status (from a pull) keeps it: the older one is not
 * stamped with a newer time. EVSEs with nothing queued are absent (the stored status is what the
 * client has), and so are removed ones (REMOVED is what the client gets, whatever was queued before
 * the removal). A change whose event was already rolled up, or that created the EVSE, has no old
 * status: its own status is used, as of its own time (the PATCH after it repeats it).
 */
export async function statusesQueuedAfter(
  db: Db,
  clientId: string,
  locationPk: string,
  afterId: number,
): Promise<Map<string, QueuedStatus>> {
  // SQLite returns the other columns of the min(id) row with min() (a bare-column aggregate).
  const rows = await db.all<{
    evse_pk: string;
    uid: string;
    status: string;
    occurred_at: string | null;
  }>(
    `SELECT q.evse_pk, e.uid, q.status, q.occurred_at
     FROM (SELECT min(id) AS id, evse_pk, status, occurred_at FROM ocpi_outbox
           WHERE client_id = ? AND object_pk = ? AND kind = 'evse_status' AND id > ? GROUP BY evse_pk) q
     JOIN evses e ON e.pk = q.evse_pk JOIN locations l ON l.pk = e.location_pk
     WHERE e.removed_at IS NULL AND l.removed_at IS NULL`,
    [clientId, locationPk, afterId],
  );
  const old = await oldStatuses(db, rows);
  return new Map(rows.map((r) => [r.uid, queuedStatus(r.status, old.get(r.evse_pk) ?? null, r.occurred_at)]));
}

/**
 * The old status of each queued change: that of the EVSE's newest event of that status and time,
 * found by walking back along its chain of events (schema.ts) from its newest to that time. The
 * walk is as long as the changes made since, which a client's queue holds anyway; over the days
 * after that time's UTC day it hops a day at a time (day_prev_id: none of their events can match).
 */
async function oldStatuses(
  db: Db,
  queued: { evse_pk: string; status: string; occurred_at: string | null }[],
): Promise<Map<string, string>> {
  const wanted = queued.filter((q) => q.occurred_at !== null);
  const out = new Map<string, string>();
  if (wanted.length === 0) return out;
  const walked = await db.all<{
    evse_pk: string;
    id: number;
    old_status: string | null;
    new_status: string;
    occurred_at: string;
  }>(
    `WITH RECURSIVE walk(evse_pk, id, prev_id, day_prev_id, old_status, new_status, occurred_at, since) AS (
       SELECT s.evse_pk, s.id, s.prev_id, s.day_prev_id, s.old_status, s.new_status, s.occurred_at,
         json_extract(j.value, '$[1]')
       FROM json_each(?) j JOIN evses e ON e.pk = json_extract(j.value, '$[0]')
       JOIN evse_status_events s ON s.id = e.last_event_id AND s.evse_pk = e.pk
       UNION ALL
       SELECT s.evse_pk, s.id, s.prev_id, s.day_prev_id, s.old_status, s.new_status, s.occurred_at, w.since
       FROM walk w JOIN evse_status_events s
         ON s.id = CASE WHEN substr(w.occurred_at, 1, 10) > substr(w.since, 1, 10) THEN w.day_prev_id
           ELSE w.prev_id END
         AND s.evse_pk = w.evse_pk
       WHERE w.occurred_at >= w.since
     )
     SELECT evse_pk, id, old_status, new_status, occurred_at FROM walk`,
    [JSON.stringify(wanted.map((q) => [q.evse_pk, q.occurred_at]))],
  );
  const want = new Map(wanted.map((q) => [q.evse_pk, q]));
  const found = new Map<string, number>();
  for (const w of walked) {
    const q = want.get(w.evse_pk)!;
    if (w.occurred_at !== q.occurred_at || w.new_status !== q.status) continue;
    if ((found.get(w.evse_pk) ?? -1) > w.id) continue;
    found.set(w.evse_pk, w.id);
    if (w.old_status === null) out.delete(w.evse_pk);
    else out.set(w.evse_pk, w.old_status);
  }
  return out;
}

function queuedStatus(status: string, oldStatus: string | null, occurredAt: string | null): QueuedStatus {
  if (oldStatus === null || occurredAt === null) return { status, asOf: occurredAt };
  return { status: oldStatus, asOf: iso(Date.parse(occurredAt) - 1000) };
}
