// One async data-access interface over better-sqlite3 (Node) and D1 (Workers). Everything outside
// src/db and the entry files talks to this, never to a driver.
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type * as schema from './schema.js';

/** A statement with its bound parameters. D1 allows at most 100 parameters per statement. */
export interface Stmt {
  sql: string;
  params: unknown[];
}

export const MAX_BOUND_PARAMS = 100;

/** What batchGroup did with one list: its rows changed per statement, or why it was undone. */
export type GroupResult = { ok: true; changes: number[] } | { ok: false; error: unknown };

/** A group's closing statements, or how to make them from its lists' results. */
export type GroupTail = Stmt[] | ((results: GroupResult[]) => Stmt[]);

export interface GroupCommit {
  results: GroupResult[];
  tail: number[];
}

export interface BatchOptions {
  /**
   * The batch is many small statements (a sync page): keep SQLite's statement journal in memory
   * (better-sqlite3 only; D1 ignores it). Every statement on a table with triggers (outbox, read
   * model) gets a statement journal; past 64 KB it goes to a temporary file, and from then on the
   * rest of the transaction writes it there, one system call per page. Not for batches with a
   * statement that rewrites a whole table (a read-model rebuild by source): that journal would be
   * held in memory whole.
   */
  smallStatements?: boolean;
  /**
   * The batch is one of many large ones written back to back (a sync page): its commit does not
   * copy the WAL into the database file, a thread of its own does that after it, while the next
   * page is fetched and written (better-sqlite3 only; D1 ignores it).
   */
  bulk?: boolean;
}

export type AtlasOrm = BaseSQLiteDatabase<'sync' | 'async', unknown, typeof schema>;

export interface Db {
  readonly kind: 'sqlite' | 'd1';
  /** Drizzle over the same connection, for typed queries. */
  readonly orm: AtlasOrm;
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T | undefined>;
  /**
   * Runs the statements atomically, in order: one transaction with cached prepared statements on
   * better-sqlite3, one batch on D1 (which has no interactive transactions). Returns rows changed
   * per statement.
   */
  batch(stmts: Stmt[], options?: BatchOptions): Promise<number[]>;
  /**
   * Group commit (better-sqlite3 only; D1 has no savepoints): the lists run in ONE transaction,
   * as if each were in its own savepoint, so a list that fails is undone alone and reported in its
   * slot (the group is run at once first, and again list by list in savepoints if one fails); then
   * `tail`, statements for the whole group, given or made from the lists' results (in the same
   * transaction). Resolves once all of it is committed; rejects, with nothing written, when the
   * transaction as a whole fails (the tail, a full disk).
   */
  batchGroup?(lists: Stmt[][], tail: GroupTail): Promise<GroupCommit>;
  /** Writes a consistent copy of the whole database to a file (Node only; dumps). */
  snapshotTo?(path: string): Promise<void>;
  /**
   * Copies the WAL into the database file (SQLite only), to keep the WAL bounded. 'truncate' also
   * empties it, waiting for readers: after secrets were replaced, so their old values survive in
   * neither file. 'passive' (default) never waits.
   */
  checkpoint?(mode?: 'passive' | 'truncate'): Promise<void>;
  /**
   * A token that changes whenever what this connection reads may have changed (SQLite only): PRAGMA
   * data_version moves when another connection (a CLI sync, another process) has committed since
   * this one last looked, and total_changes() counts this connection's own writes, also those
   * through drizzle. A few microseconds; the data version (src/api/http/data-version.ts) is read
   * again only when it moves. D1 has no such signal across isolates.
   */
  changeStamp?(): string;
  /**
   * Calls `each` with every row of the query as an array of its values, one row at a time, without
   * building objects or a list of them all (SQLite only): a scan of a whole table into typed arrays
   * (src/db/queries/spread-index.ts) at a third of the cost of `all`.
   */
  eachRow?(sql: string, params: unknown[], each: (row: unknown[]) => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * A BLOB column's bytes, whichever driver read it: better-sqlite3 gives a Buffer, D1 an ArrayBuffer
 * or an array of byte values; SQL NULL (an empty group_concat) is no bytes.
 */
export function blobBytes(value: unknown): Uint8Array {
  if (value == null) return new Uint8Array(0);
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (Array.isArray(value)) return Uint8Array.from(value as number[]);
  throw new TypeError(`not a BLOB: ${typeof value}`);
}

export function assertParamLimit(stmt: Stmt): void {
  if (stmt.params.length > MAX_BOUND_PARAMS) {
    throw new Error(`statement binds ${stmt.params.length} parameters; the limit is ${MAX_BOUND_PARAMS}`);
  }
}
