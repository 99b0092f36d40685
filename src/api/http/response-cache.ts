// Rendered JSON bodies by URL and encoding, valid while the data version is unchanged: a map app's
// repeated tile and bbox requests are answered (or 304ed) without touching the database again. LRU by bytes.
import type { ResponseCacheOptions } from './options.js';

export interface CachedResponse {
  /** The data version it was rendered at. */
  version: string;
  /** Its ETag (a hash of the body), for a 304 without rendering it again. */
  etag: string;
  body: Uint8Array<ArrayBuffer>;
  headers: [string, string][];
}

export function createResponseCache(opts: ResponseCacheOptions) {
  const entries = new Map<string, CachedResponse>();
  let bytes = 0;

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
    set(key: string, entry: CachedResponse): void {
      if (entry.body.byteLength > opts.maxEntryBytes) return;
      drop(key);
      entries.set(key, entry);
      bytes += entry.body.byteLength;
      for (const k of entries.keys()) {
        if (bytes <= opts.maxBytes) break;
        drop(k);
      }
    },
    get size() {
      return entries.size;
    },
  };
}
