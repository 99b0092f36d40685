// The data version behind ETag and Last-Modified: cheap to compute (indexed maxima and the latest
// runs), and it changes whenever what the API serves may have changed: a sync run starts, writes a
// page (its counters) or ends, a status event arrives, a site is merged or split, a source's
// licence changes. Writers outside sync runs (push receiver, dedupe) may also bump
// `meta.data_version` (bumpDataVersionStmt in src/db/queries/data-version.ts) to be seen at once.
import type { Db } from '../../db/types.js';
import { hash64 } from '../../model/ids.js';

export interface DataVersion {
  etag: string;
  lastModified: Date;
}

// Sync runs still open among the latest this many are looked at; more concurrent runs than that
// never happen with the runner's concurrency (default 2).
const RECENT_RUNS = 64;

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

interface VersionRow {
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

/** `build` separates deployments: new code may render the same data differently. */
export async function dataVersion(db: Db, now: Date, build: string): Promise<DataVersion> {
  const r = (await db.get<VersionRow>(VERSION_SQL))!;
  const key = [build, r.meta, r.runs, r.event, r.site_event, r.source_at, r.licenses].join('|');
  const metaAt = r.meta?.split('/')[0] ?? null;
  // While a run is writing, data may change at any moment: say "modified now".
  const stamps = [r.run_at, r.event_at, r.source_at, metaAt].filter((s): s is string => s != null);
  let last = r.running > 0 ? now.getTime() : 0;
  for (const s of stamps) {
    const t = Date.parse(s);
    if (Number.isFinite(t) && t > last) last = t;
  }
  // HTTP dates have whole seconds; a Last-Modified in the future would confuse caches.
  const lastModified = new Date(Math.floor(Math.min(last, now.getTime()) / 1000) * 1000);
  return { etag: `W/"${hash64(key)}"`, lastModified };
}
