// The data version in `meta`, for writers that change what the API serves outside a sync run
// (push receiver, dedupe): bumping it changes every ETag at once (src/api/http/data-version.ts).
import type { Db, Stmt } from '../types.js';
import { setMetaStmt } from './meta.js';

export function bumpDataVersionStmt(now: string): Stmt {
  // The time comes first: Last-Modified is read from it.
  return setMetaStmt('data_version', `${now}/${Math.random().toString(36).slice(2)}`);
}

// Sync runs still open among the latest this many are looked at; more concurrent runs than that
// never happen with the runner's concurrency (default 2).
const RECENT_RUNS = 64;

/**
 * Raw SQL on purpose: every API request reads it for its ETag (bench `api`), and one statement of
 * indexed maxima is the cheapest way to ask nine questions at once.
 */
const VERSION_SQL = `SELECT
  (SELECT value FROM meta WHERE key = 'data_version') AS meta,
  (SELECT group_concat(id || ':' || status || ':' || pages || ':' || upserted || ':' || removed || ':' || tariffs_upserted)
     FROM (SELECT * FROM sync_runs ORDER BY id DESC LIMIT ${RECENT_RUNS})) AS runs,
  (SELECT max(coalesce(finished_at, started_at)) FROM (SELECT * FROM sync_runs ORDER BY id DESC LIMIT ${RECENT_RUNS})) AS run_at,
  (SELECT count(*) FROM (SELECT status FROM sync_runs ORDER BY id DESC LIMIT ${RECENT_RUNS}) WHERE status = 'running') AS running,
  (SELECT max(id) FROM evse_status_events) AS event,
  (SELECT received_at FROM evse_status_events ORDER BY id DESC LIMIT 1) AS event_at,
  (SELECT max(id) FROM site_events) AS site_event,
  (SELECT max(updated_at) FROM sources) AS source_at,
  (SELECT group_concat(id || '=' || coalesce(license, '')) FROM sources) AS licenses`;

export interface DataVersionInputs {
  meta: string | null;
  runs: string | null;
  run_at: string | null;
  running: number;
  event: number | null;
  event_at: string | null;
  site_event: number | null;
  source_at: string | null;
  licenses: string | null;
}

/** What the data version is computed from (src/api/http/data-version.ts). */
export async function dataVersionInputs(db: Db): Promise<DataVersionInputs> {
  return (await db.get<DataVersionInputs>(VERSION_SQL))!;
}
