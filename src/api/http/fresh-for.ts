// Answers that are costly to compute and do not need to follow every write: statistics took 1.9 s
// on the 1M-EVSE database and every push (a status change every few ms) moved the data version,
// so /v1/stats was recomputed after each one. Here an answer is reused for `ms` of the app's clock
// per database and key, and concurrent requests for a key being computed wait for that computation.
import type { Db } from '../../db/types.js';

interface Entry<T> {
  at: number;
  value: Promise<T>;
}

export function freshFor<T>(ms: number, maxKeys = 256) {
  const byDb = new WeakMap<Db, Map<string, Entry<T>>>();
  return (db: Db, key: string, now: Date, compute: () => Promise<T>): Promise<T> => {
    let entries = byDb.get(db);
    if (!entries) {
      entries = new Map();
      byDb.set(db, entries);
    }
    const hit = entries.get(key);
    const t = now.getTime();
    if (hit && t - hit.at < ms && t >= hit.at) return hit.value;
    if (entries.size >= maxKeys) entries.clear();
    const value = compute();
    entries.set(key, { at: t, value });
    // A failure is not remembered.
    value.catch(() => entries.delete(key));
    return value;
  };
}
