// The data version behind ETag and Last-Modified: cheap to compute (indexed maxima and the latest
// runs), and it changes whenever what the API serves may have changed: a sync run starts, writes a
// page (its counters) or ends, a status event arrives, a site is merged or split, a source's
// licence changes. Writers outside sync runs (push receiver, dedupe) may also bump
// `meta.data_version` (bumpDataVersionStmt in src/db/queries/data-version.ts) to be seen at once.
import { dataVersionInputs } from '../../db/queries/data-version.js';
import type { Db } from '../../db/types.js';
import { hash64 } from '../../model/ids.js';

export interface DataVersion {
  etag: string;
  lastModified: Date;
}

/** `build` separates deployments: new code may render the same data differently. */
export async function dataVersion(db: Db, now: Date, build: string): Promise<DataVersion> {
  const r = await dataVersionInputs(db);
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
