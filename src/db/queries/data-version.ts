// The data version in `meta`, for writers that change what the API serves outside a sync run
// (push receiver, dedupe): bumping it changes every ETag at once (src/api/http/data-version.ts).
import type { Stmt } from '../types.js';

export function bumpDataVersionStmt(now: string): Stmt {
  return {
    sql: `INSERT INTO meta (key, value) VALUES ('data_version', ?)
      ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
    // The time comes first: Last-Modified is read from it.
    params: [`${now}/${Math.random().toString(36).slice(2)}`],
  };
}
