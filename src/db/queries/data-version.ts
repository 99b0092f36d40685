// The data version in `meta`, for writers that change what the API serves outside a sync run
// (push receiver, dedupe): bumping it changes every ETag at once (src/api/http/data-version.ts).
// Beside it the counts' version, which the statistics follow: moved only by the writes that can
// change a count (src/db/counts-changes.ts).
import type { Db, Stmt } from '../types.js';
import { setMetaStmt } from './meta.js';

/** A version value: the time first (Last-Modified is read from it), then a random tail. */
const versionValue = (now: string) => `${now}/${Math.random().toString(36).slice(2)}`;

export function bumpDataVersionStmt(now: string): Stmt {
  return setMetaStmt('data_version', versionValue(now));
}

/** The meta key of the counts' version. */
export const COUNTS_VERSION_KEY = 'counts_version';

/** Moves the counts' version (only where src/db/counts-changes.ts says a count may have changed). */
export function bumpCountsVersionStmt(now: string): Stmt {
  return setMetaStmt(COUNTS_VERSION_KEY, versionValue(now));
}

/**
 * The same bump, made only when `condition` (SQL, its parameters `params`) holds as it runs: for a
 * write whose effect on the counts is decided by the row it will change (a status PATCH written
 * where change counts come too late: D1).
 */
export function bumpCountsVersionWhereStmt(now: string, condition: string, params: unknown[]): Stmt {
  return {
    sql: `INSERT INTO meta (key, value) SELECT '${COUNTS_VERSION_KEY}', ? WHERE ${condition}
  ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
    params: [versionValue(now), ...params],
  };
}

// Sync runs still open among the latest this many are looked at; more concurrent runs than that
// never happen with the runner's concurrency (default 2).
const RECENT_RUNS = 64;

/** The latest runs, or only those that wrote something (a run that changed nothing changes no answer). */
const recentRuns = (onlyChanging: boolean) =>
  `(SELECT * FROM sync_runs ${onlyChanging ? 'WHERE upserted + removed + tariffs_upserted > 0 ' : ''}ORDER BY id DESC LIMIT ${RECENT_RUNS})`;

/**
 * Raw SQL on purpose: every API request reads it for its ETag (bench `api`), and one statement of
 * indexed maxima is the cheapest way to ask these questions at once. `runs`, `run_at` and `running`
 * count only runs that wrote something, so a scheduled sync that found nothing new leaves every
 * validator alone; `activity` and `activity_at` see every run, for the answers that report runs
 * (source health). Sources enter by what the API shows of them (names, licences), not by
 * `updated_at`, which every run's discovery touches.
 */
const VERSION_SQL = `SELECT
  (SELECT value FROM meta WHERE key = 'data_version') AS meta,
  (SELECT value FROM meta WHERE key = '${COUNTS_VERSION_KEY}') AS counts,
  (SELECT group_concat(id || ':' || upserted || ':' || removed || ':' || tariffs_upserted) FROM ${recentRuns(true)}) AS runs,
  (SELECT max(coalesce(finished_at, started_at)) FROM ${recentRuns(true)}) AS run_at,
  (SELECT count(*) FROM ${recentRuns(true)} WHERE status = 'running') AS running,
  (SELECT group_concat(id || ':' || status || ':' || pages || ':' || quarantined) FROM ${recentRuns(false)}) AS activity,
  (SELECT max(coalesce(finished_at, started_at)) FROM ${recentRuns(false)}) AS activity_at,
  (SELECT max(id) FROM evse_status_events) AS event,
  (SELECT received_at FROM evse_status_events ORDER BY id DESC LIMIT 1) AS event_at,
  (SELECT max(id) FROM site_events) AS site_event,
  (SELECT max(updated_at) FROM sources) AS source_at,
  (SELECT group_concat(id || '=' || coalesce(license, '') || '|' || name || '|' || coalesce(attribution, '') || '|' || enabled || '|' || coalesce(version, '')) FROM sources) AS licenses`;

export interface DataVersionInputs {
  meta: string | null;
  counts: string | null;
  runs: string | null;
  run_at: string | null;
  running: number;
  activity: string | null;
  activity_at: string | null;
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
