// Rendered JSON bodies by URL and encoding, valid while the data version is unchanged: a map app's
// repeated tile and bbox requests are answered (or 304ed) without touching the database again. LRU by bytes.
//
// An answer is kept from its second rendering on, not its first: most bbox pages a map asks for are
// asked once (every pan is a new box), and keeping each of them filled the whole budget with
// answers nobody asked again, evicting those that are (under the load bench, ~200 new 700 KB pages
// in 25 s: 32 MB of a server held to 256 MB). The keys rendered once are remembered (a bounded
// list, oldest forgotten first), so an answer asked twice is kept from then on.
import type { ResponseCacheOptions } from './options.js';

export interface CachedResponse {
  /** The data version it was rendered at. */
  version: string;
  /** Its ETag (a hash of the body), for a 304 without rendering it again. */
  etag: string;
  body: Uint8Array<ArrayBuffer>;
  headers: [string, string][];
}

/** Keys rendered once and not kept, remembered so a second rendering is: ~100 bytes each. */
export const SEEN_ONCE_KEYS = 4096;

export function createResponseCache(opts: ResponseCacheOptions) {
  const entries = new Map<string, CachedResponse>();
  const seenOnce = new Set<string>();
  let bytes = 0;

  /** Whether `key` was rendered before; remembers it when not. */
  function askedBefore(key: string): boolean {
    if (seenOnce.delete(key)) return true;
    seenOnce.add(key);
    if (seenOnce.size > SEEN_ONCE_KEYS) seenOnce.delete(seenOnce.values().next().value!);
    return false;
  }

  function drop(key: string) {
    const e = entries.get(key);
    if (!e) return;
    bytes -= e.body.byteLength;
    entries.delete(key);
  }

  return {
    get(key: string, version: string): CachedResponse | undefined {
      const e = entries.get(key);
      if (!e) return undefined;
      if (e.version !== version) {
        drop(key);
        return undefined;
      }
      // Re-insert: Map order is the LRU order.
      entries.delete(key);
      entries.set(key, e);
      return e;
    },
    /**
     * Whether an answer rendered now for `key` is to be kept (asked before, or replacing a stale
     * entry); a key seen for the first time is remembered and not kept. Asked before rendering is
     * stored, so that an answer that will not be kept is sent as it is, never copied for the cache.
     */
    admit(key: string): boolean {
      // A stale entry's key was asked before: its new rendering is kept at once.
      return entries.has(key) || askedBefore(key);
    },
    /** Keeps an answer admitted for `key` (admit), unless it is larger than an entry may be. */
    store(key: string, entry: CachedResponse): void {
      if (entry.body.byteLength > opts.maxEntryBytes) return;
      drop(key);
      entries.set(key, entry);
      bytes += entry.body.byteLength;
      for (const k of entries.keys()) {
        if (bytes <= opts.maxBytes) break;
        drop(k);
      }
    },
    /** admit and store in one: keeps the answer if its key was asked before. */
    set(key: string, entry: CachedResponse): void {
      if (this.admit(key)) this.store(key, entry);
    },
    get size() {
      return entries.size;
    },
  };
}
