// Answers that are costly to compute and do not need to follow every write: statistics took 1.9 s
// on a loaded laptop and 90 s on a loaded 2-core machine (1M EVSEs, wall time; in the stats
// bench 16-17 s of CPU before session 16 read the locations in pk order, 7-8 s since). Each answer
// is kept with the version of what it was computed from (for the statistics, the counts' version:
// data-version.ts), and computed again only when that version moved, at most once per `ms` of the
// app's clock per database and key, and never again in a request's path once there is one:
//
// - the first request for a key computes it; concurrent requests wait for that computation;
// - while the version holds, the answer is served as is, however old;
// - once it moved, the answer is still served (stale) until it is `ms` old; then ONE recomputation
//   runs in the background, started after the stale answer went out, and its result replaces it.
//   A write stream that moves the version at every page (a sync) costs one computation a minute.
import type { Db } from '../../db/types.js';

interface Entry<T> {
  /**
   * App clock when the answer was computed: the start plus the wall time the computation took, so an
   * answer that took longer than `ms` to compute (90 s) is not already expired when it lands, which
   * would start the next computation at once and keep the statistics worker busy without end.
   */
  at: number;
  /** App clock when the computation started: a clock set back before it makes the answer due. */
  startedAt: number;
  /** The version of the data it was computed from (read before the computation started). */
  version: string;
  value: Promise<T>;
  settled: boolean;
  refreshing: boolean;
}

/** Runs `compute` on a later turn, so a synchronous database does not hold up the stale answer. */
const later = <T>(compute: () => Promise<T>) =>
  new Promise<void>((resolve) => setTimeout(resolve, 0)).then(compute);

/** Every cache made by freshFor, so forgetFreshAnswers reaches them all. */
const caches = new Set<WeakMap<Db, Map<string, unknown>>>();

/**
 * Drops every answer held for `db`: the next ask computes anew and waits for it. For a change the
 * minute's grace should not cover: the server's first sync lands minutes of data at once, right
 * after the statistics were warmed on what was there before (server.ts).
 */
export function forgetFreshAnswers(db: Db): void {
  for (const byDb of caches) byDb.delete(db);
}

export function freshFor<T>(ms: number, maxKeys = 256) {
  const byDb = new WeakMap<Db, Map<string, Entry<T>>>();
  caches.add(byDb);

  function start(
    entries: Map<string, Entry<T>>,
    key: string,
    at: number,
    version: string,
    compute: () => Promise<T>,
  ) {
    const wallStart = Date.now();
    const entry: Entry<T> = {
      at,
      startedAt: at,
      version,
      value: compute(),
      settled: false,
      refreshing: false,
    };
    entries.set(key, entry);
    entry.value.then(
      () => {
        entry.at = at + (Date.now() - wallStart);
        entry.settled = true;
      },
      // A failure is not remembered.
      () => entries.delete(key),
    );
    return entry.value;
  }

  function refresh(
    entries: Map<string, Entry<T>>,
    key: string,
    stale: Entry<T>,
    at: number,
    version: string,
    compute: () => Promise<T>,
  ) {
    stale.refreshing = true;
    const wallStart = Date.now();
    later(compute).then(
      (v) =>
        entries.set(key, {
          at: at + (Date.now() - wallStart),
          startedAt: at,
          version,
          value: Promise.resolve(v),
          settled: true,
          refreshing: false,
        }),
      () => {
        stale.refreshing = false;
      },
    );
  }

  /** `version`: of the data the answer would be computed from now. */
  return (db: Db, key: string, now: Date, version: string, compute: () => Promise<T>): Promise<T> => {
    let entries = byDb.get(db);
    if (!entries) {
      entries = new Map();
      byDb.set(db, entries);
    }
    const hit = entries.get(key);
    const t = now.getTime();
    if (hit) {
      const due = hit.version !== version && (t - hit.at >= ms || t < hit.startedAt);
      if (due && hit.settled && !hit.refreshing) refresh(entries, key, hit, t, version, compute);
      return hit.value;
    }
    if (entries.size >= maxKeys) entries.clear();
    return start(entries, key, t, version, compute);
  };
}
