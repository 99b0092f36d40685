// Reads of the push outbox that need more than its own row (docs/ocpi-out.md, src/outbox/).
import type { Db } from '../types.js';

/**
 * The status each EVSE of a location has at a client once every row up to `afterId` is delivered:
 * for an EVSE with a status row still queued after `afterId`, the status before the first such
 * change (its event's old_status). A whole-location PUT carries these, not the newer statuses, so
 * the queued PATCHes that follow it still arrive in order. EVSEs with nothing queued are absent
 * (the stored status is what the client has), and so are removed ones (REMOVED is what the client
 * gets, whatever was queued before the removal). A change whose event was already rolled up, or that
 * created the EVSE, has no old status: its own status is used (the PATCH after it repeats it).
 */
export async function statusesQueuedAfter(
  db: Db,
  clientId: string,
  locationPk: string,
  afterId: number,
): Promise<Map<string, string>> {
  // SQLite returns the other columns of the min(id) row with min() (a bare-column aggregate).
  const rows = await db.all<{ uid: string; status: string; old_status: string | null }>(
    `SELECT e.uid, q.status,
       (SELECT s.old_status FROM evse_status_events s WHERE s.evse_pk = q.evse_pk
          AND s.occurred_at = q.occurred_at AND s.new_status = q.status ORDER BY s.id DESC LIMIT 1) AS old_status
     FROM (SELECT min(id) AS id, evse_pk, status, occurred_at FROM ocpi_outbox
           WHERE client_id = ? AND object_pk = ? AND kind = 'evse_status' AND id > ? GROUP BY evse_pk) q
     JOIN evses e ON e.pk = q.evse_pk JOIN locations l ON l.pk = e.location_pk
     WHERE e.removed_at IS NULL AND l.removed_at IS NULL`,
    [clientId, locationPk, afterId],
  );
  return new Map(rows.map((r) => [r.uid, r.old_status ?? r.status]));
}
