// A drizzle query as a statement for Db.batch, so typed queries still run atomically with others
// (one transaction on better-sqlite3, one batch on D1).
import type { Stmt } from '../types.js';

export function stmtOf(query: { toSQL(): { sql: string; params: unknown[] } }): Stmt {
  const { sql, params } = query.toSQL();
  return { sql, params };
}
