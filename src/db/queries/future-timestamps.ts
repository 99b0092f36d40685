// Repairs times a source stamped in the future. Every write keeps the newest last_updated /
// status_updated_at it has seen, so one object stamped in year 9999 (a PATCH accepted before the
// receiver refused such times, or a CPO's broken clock) would win every later comparison and stay
// frozen. A full pull is the CPO's whole truth: before it writes, times beyond `limit` are forgotten
// (nullable ones) or brought back to `limit`, so the pull's own values apply again.
import type { Stmt } from '../types.js';

const OF_SOURCE = 'location_pk IN (SELECT pk FROM locations WHERE source_id = ?)';

export function forgetFutureTimesStmts(sourceId: string, limit: string): Stmt[] {
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
  ];
}
