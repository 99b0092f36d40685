// The data version: what the answers are rendered from, cheap to compute (indexed maxima and the
// latest runs). It keys the response cache and gives Last-Modified; each answer's ETag is a hash of
// its own body (middleware.ts) or, for a /v1/sites page without filters, of its rows' revisions
// (feature-pages.ts storedPageTag), so the version only decides when a body must be rendered again.
// It changes when what the API serves may have changed: a sync run writes a page that changed
// something (its counters), a status event arrives, a site is merged or split, a source's name or
// licence changes. A run that changed nothing leaves it alone. Writers outside sync runs (push
// receiver, dedupe) bump `meta.data_version` (bumpDataVersionStmt in
// src/db/queries/data-version.ts) to be seen at once.
//
// The statistics (STATISTICS_PATH) follow the counts' version instead: the counts' own version in
// `meta`, which only the writes that may change a count move (src/db/counts-changes.ts), the site
// events and the sources' licences; not the sync runs' counters, the status events or the pushes'
// data version. A push CPO's status PATCHes move the data version every few milliseconds, and a
// pull whose records changed only in their statuses moves the runs; neither moves the counts'.
import { type DataVersionInputs, dataVersionInputs } from '../../db/queries/data-version.js';
import type { Db } from '../../db/types.js';
import { hash64 } from '../../model/ids.js';

/** Answers that count (statistics): they follow the counts' version. */
export const STATISTICS_PATH = /^\/v1\/(stats(\/by-[a-z-]+)?|operators)\/?$/;

/**
 * What a version follows: `data`, what the API serves; `runs`, that and every sync run, even one
 * that wrote nothing (answers that report runs: source health); `counts`, what the statistics count.
 */
export type Follows = 'data' | 'runs' | 'counts';

export interface DataVersion {
  etag: string;
  lastModified: Date;
}

/** The inputs last read on a connection, the change stamp they were read under, the versions made of them. */
interface Seen {
  stamp: string;
  inputs: DataVersionInputs;
  /** By build and what they follow, when they do not depend on the clock (versionOf). */
  versions: Map<string, DataVersion>;
  /**
   * The last version made that depends on the clock (a run writing, a stamp ahead of now), and the
   * second of the clock it was made at: versionOf reads the clock only in whole seconds.
   */
  clocked?: { key: string; second: number; version: DataVersion };
}

const seenOn = new WeakMap<Db, Seen>();

/**
 * The version query's answer, read again only when the connection's change stamp moved (SQLite: a
 * commit by another connection or a write by this one; ~5 us against ~25-50 us for the query,
 * which every GET pays). The stamp is taken before the query: a commit landing in between moves
 * it again, so the next request reads anew. D1 has no stamp: every request asks.
 */
async function seenOf(db: Db): Promise<Seen> {
  const stamp = db.changeStamp?.();
  if (stamp == null) return { stamp: '', inputs: await dataVersionInputs(db), versions: new Map() };
  const seen = seenOn.get(db);
  if (seen?.stamp === stamp) return seen;
  const fresh: Seen = { stamp, inputs: await dataVersionInputs(db), versions: new Map() };
  seenOn.set(db, fresh);
  return fresh;
}

/** `build` separates deployments: new code may render the same data differently. */
export async function dataVersion(
  db: Db,
  now: Date,
  build: string,
  follows: Follows = 'data',
): Promise<DataVersion> {
  const seen = await seenOf(db);
  const key = `${build}|${follows}`;
  const known = seen.versions.get(key);
  if (known) return known;
  const second = Math.floor(now.getTime() / 1000);
  const c = seen.clocked;
  if (c?.key === key && c.second === second) return c.version;
  const { version, clockFree } = versionOf(seen.inputs, now, build, follows);
  if (clockFree) seen.versions.set(key, version);
  else seen.clocked = { key, second, version };
  return version;
}

/** A version value's time (bumpDataVersionStmt's values begin with it). */
const timeOf = (value: string | null) => value?.split('/')[0] ?? null;

/**
 * The inputs a version follows, the times its Last-Modified is the latest of, and whether a run
 * writing makes it "modified now" (not the counts': a run's pages move them by their own stamps).
 */
function followed(
  r: DataVersionInputs,
  follows: Follows,
): { parts: unknown[]; stamps: (string | null)[]; running: number } {
  if (follows === 'counts')
    return { parts: ['counts', r.counts, r.site_event, r.licenses], stamps: [timeOf(r.counts)], running: 0 };
  const parts: unknown[] = [r.meta, r.runs, r.event, r.site_event, r.licenses];
  const stamps = [r.run_at, r.event_at, timeOf(r.meta)];
  if (follows === 'runs') {
    parts.push(r.activity, r.source_at);
    stamps.push(r.activity_at, r.source_at);
  }
  return { parts, stamps, running: r.running };
}

/** The version, and whether it holds whatever the clock says (no run writing, no stamp ahead of now). */
function versionOf(
  r: DataVersionInputs,
  now: Date,
  build: string,
  follows: Follows,
): { version: DataVersion; clockFree: boolean } {
  const { parts, stamps, running } = followed(r, follows);
  const key = [build, ...parts].join('|');
  // While a run is writing, data may change at any moment: say "modified now".
  let last = running > 0 ? now.getTime() : 0;
  for (const s of stamps) {
    const t = s == null ? Number.NaN : Date.parse(s);
    if (Number.isFinite(t) && t > last) last = t;
  }
  // HTTP dates have whole seconds; a Last-Modified in the future would confuse caches. The clock
  // counts only in whole seconds here (min(last, now) falls in now's second or before it whatever
  // the milliseconds), so a clock-dependent version holds for the rest of its second (`clocked`).
  const lastModified = new Date(Math.floor(Math.min(last, now.getTime()) / 1000) * 1000);
  return {
    version: { etag: `W/"${hash64(key)}"`, lastModified },
    clockFree: running === 0 && last <= now.getTime(),
  };
}
