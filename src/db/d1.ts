// The Db interface over a Cloudflare D1 binding. D1 has no interactive transactions: batch() is
// its only atomic unit, which is why every write path of the core is a list of statements.
import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema.js';
import { type AtlasOrm, assertParamLimit, type Db, type Stmt } from './types.js';

// The slice of the D1 client API used here, written structurally so this file type-checks without
// the Workers ambient types (which would clash with the DOM and Node types of the rest of src/).
// A real D1Database satisfies it.
export interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike;
  all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
}

export interface D1DatabaseLike {
  prepare(sql: string): D1StatementLike;
  batch(statements: D1StatementLike[]): Promise<{ meta: { changes?: number } }[]>;
}

/**
 * D1 refuses `undefined` and stores booleans as 1/0 anyway; better-sqlite3 refuses both. Mapping
 * them here keeps the two drivers agreeing on what a statement binds.
 */
function bindable(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

function prepared(d1: D1DatabaseLike, stmt: Stmt): D1StatementLike {
  assertParamLimit(stmt);
  const statement = d1.prepare(stmt.sql);
  return stmt.params.length > 0 ? statement.bind(...stmt.params.map(bindable)) : statement;
}

export function d1Db(d1: D1DatabaseLike): Db {
  // drizzle's D1 driver types its client against the Workers ambient D1Database, which the Node
  // typecheck does not load: D1DatabaseLike is the part of it this module uses.
  const orm = drizzle(d1 as unknown as Parameters<typeof drizzle>[0], { schema }) as unknown as AtlasOrm;
  return {
    kind: 'd1',
    orm,
    async all<T>(sql: string, params: unknown[] = []) {
      const { results } = await prepared(d1, { sql, params }).all<T>();
      return results;
    },
    async get<T>(sql: string, params: unknown[] = []) {
      return (await prepared(d1, { sql, params }).first<T>()) ?? undefined;
    },
    async batch(stmts: Stmt[]) {
      if (stmts.length === 0) return [];
      const results = await d1.batch(stmts.map((s) => prepared(d1, s)));
      return results.map((r) => r.meta.changes ?? 0);
    },
    async close() {
      // The binding belongs to the runtime; there is nothing to close.
    },
  };
}
