// Repairs times a source stamped in the future. Every write keeps the newest last_updated /
// status_updated_at it has seen, so one object stamped in year 9999 (a PATCH accepted before the
// receiver refused such times, or a CPO's broken clock) would win every later comparison and stay
// frozen. A full pull is the CPO's whole truth: before it writes, times beyond `limit` are forgotten
// (nullable ones) or brought back to `limit`, so the pull's own values apply again. The read model
// of the sites touched is refreshed in the same batch: it holds status times (site_features.statuses,
// what tiles count as fresh) and the newest last_updated.
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

export async function forgetFutureTimesStmts(db: Db, sourceId: string, limit: string): Promise<Stmt[]> {
  const locationPks = await stampedAhead(db, sourceId, limit);
  return [
    {
      sql: `UPDATE evses SET status_updated_at = NULL WHERE status_updated_at > ? AND ${OF_SOURCE}`,
      params: [limit, sourceId],
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
