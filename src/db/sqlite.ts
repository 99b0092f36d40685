// The embedded default: better-sqlite3 in WAL mode, migrated by drizzle's migrator.
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { makeFolder } from './make-folder.js';
import { OUTBOX_TRIGGERS } from './outbox-triggers.js';
import * as schema from './schema.js';
import { SITE_FEATURES_GEN_TRIGGERS } from './site-features-gen.js';
import { SITE_FREE_TRIGGERS } from './site-free-triggers.js';
import { setupTileCellsStmts, TILE_CELLS_READY } from './tile-cells.js';
import {
  type AtlasOrm,
  assertParamLimit,
  type BatchOptions,
  type Db,
  type GroupResult,
  type GroupTail,
  type Stmt,
} from './types.js';

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

export interface OpenSqliteOptions {
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  readonly?: boolean;
  /**
   * The page cache in MB (default 64 read-only, 16 for a writer). Connections that scan (the dump
   * builds, the read workers) take 8: they read each page once or twice, the OS's page cache serves
   * the rest, and every MB here counts in the process's peak (the GeoJSON dump of 1M EVSEs peaked
   * at 223 MB with 64, 164 MB with 8, in the same time).
   */
  cacheMb?: number;
}

export function openSqlite(file: string, options: OpenSqliteOptions = {}): Db {
  if (file !== ':memory:') makeFolder(dirname(resolve(file)));
  const sqlite = new Database(file, { readonly: options.readonly ?? false });
  if (!options.readonly) {
    sqlite.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode (only an OS crash can lose the
    // last commits), and it is what makes many small transactions fast.
    sqlite.pragma('synchronous = NORMAL');
  }
  sqlite.pragma('busy_timeout = 5000');
  // Deleted and overwritten content is zeroed in the page that held it (FAST: only where that costs
  // no extra I/O), so a rotated or revoked token is not left readable in the file.
  if (!options.readonly) sqlite.pragma('secure_delete = FAST');
  // Record keys are hashes, so reads of a large table land all over its B-trees: a 64 MB page
  // cache (default 2 MB) keeps them in memory. A writer's cache is 16 MB: it counts in the process's
  // peak (a full sync of 210k EVSEs peaked at 298 MB with 64 MB, 260 MB with 32), and a sync's
  // scattered index pages outgrow any cache that size anyway, so the OS page cache serves the
  // misses at no measurable cost to its rate (npm run bench -- sync).
  sqlite.pragma(`cache_size = ${-1024 * (options.cacheMb ?? (options.readonly ? 64 : WRITER_CACHE_MB))}`);
  // Checkpoint less often: a hot index page rewritten by many page-sized transactions is then
  // copied back to the database file once instead of once per checkpoint (measured: sync bench).
  sqlite.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_FRAMES}`);
  // That lets the WAL grow to ~40 MB between checkpoints; once a checkpoint has copied it back it
  // is cut to this size rather than kept at its largest (the disk-full probe found all the data in
  // a 21 MB WAL beside a 4 KB file). Runs end with a checkpoint too (run-record.ts finishRun).
  if (!options.readonly) sqlite.pragma('journal_size_limit = 8388608');
  const orm = drizzle(sqlite, { schema });
  if (options.migrate ?? !options.readonly) {
    migrate(orm, { migrationsFolder: MIGRATIONS_DIR });
    for (const trigger of [...OUTBOX_TRIGGERS, ...SITE_FREE_TRIGGERS, ...SITE_FEATURES_GEN_TRIGGERS]) {
      sqlite.exec(trigger);
    }
    // The cluster cells' triggers exist before anything is written through this connection.
    if (!sqlite.prepare(TILE_CELLS_READY).get()) {
      sqlite.transaction(() => {
        for (const s of setupTileCellsStmts()) sqlite.prepare(s.sql).run(...(s.params as unknown[]));
      })();
    }
  }
  return wrapSqlite(sqlite, orm as unknown as AtlasOrm);
}

/** The page cache of a scan through eachRow, in KB. */
const SCAN_CACHE_KB = 1024;

/** A writer's page cache, in MB (see the cache_size comment in openSqlite). */
export const WRITER_CACHE_MB = 16;

/** WAL frames after which a commit checkpoints (SQLite's wal_autocheckpoint). */
const AUTOCHECKPOINT_FRAMES = 10_000;
/**
 * The same for a bulk batch, whose WAL the background checkpointer copies. The WAL does not start
 * over after each page (the writer's next transactions begin while a copy may still run) but grows
 * until the writer checkpoints it at this size, by then mostly copied already: a WAL of up to
 * ~235 MB during a full sync of 210k EVSEs (83 MB before; ~155 MB with 20,000 frames, which kept
 * only half of the gain: 30.3 / 31.0 s against 32.4 / 32.7 s), cut back to journal_size_limit after.
 * With ~4 sync pages a batch (src/ingest/pending-pages.ts) the WAL peaks at ~285 MB; 120,000 frames
 * let it reach ~550-600 MB for no clear gain (21.4 / 23.8 s against 24.7 / 23.4 s, interleaved).
 */
export const BULK_AUTOCHECKPOINT_FRAMES = 40_000;

// The background checkpointer's thread: plain JavaScript (no TypeScript loader, no app modules), one
// connection that runs a PASSIVE checkpoint whenever it is told. PASSIVE never waits for the writer
// or readers (busy_timeout 0): what it cannot copy now, the next call copies.
const CHECKPOINTER = `const { parentPort, workerData } = require('node:worker_threads');
const db = new (require(workerData.driver))(workerData.file);
db.pragma('busy_timeout = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
parentPort.on('message', () => { try { checkpoint.get(); } catch {} });`;

/**
 * A thread that copies the WAL into the database file after each bulk batch (BatchOptions.bulk).
 * A sync page of 1,000 locations leaves ~14k WAL frames on average, ~20k at the end of a full sync
 * of 210k EVSEs (each hashed key lands in a different leaf of each index); copying them and the two
 * fsyncs took ~4 s of that sync inside the pages' commits (perf: walCheckpoint 15 % of the samples).
 * On its own thread they overlap the next page's fetch and writes. Measured (the sync child alone,
 * 210k EVSEs, interleaved with main): 25.0-25.9 s against 29.3-30.3 s; `npm run bench -- sync`:
 * 27.2 s against 34.0 s; the same peak RSS (VmHWM 170-186 MB). Not the bulk autocheckpoint alone:
 * 40,000 frames without the thread gave 27.6 / 28.6 s.
 */
function startCheckpointer(file: string, failed: (err: Error) => void): Worker {
  const worker = new Worker(CHECKPOINTER, {
    eval: true,
    execArgv: [],
    workerData: { file, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
  });
  // Never what keeps a process alive; a checkpoint it had not run is the next open's or commit's.
  worker.unref();
  // A thread that cannot open the file or ends otherwise (its heap cap) must not take the process
  // with it: an 'error' event nobody listens to would. The writer then checkpoints as it did before.
  worker.on('error', failed);
  return worker;
}

/**
 * A list of a group failed while its transaction stayed open: thrown by runGroupAtOnce, and caught
 * by batchGroup (both in wrapSqlite, below), which then runs the group again with a savepoint per list.
 */
class ListFailed extends Error {
  constructor(readonly error: unknown) {
    super('a list of the group failed');
  }
}

function wrapSqlite(sqlite: Database.Database, orm: AtlasOrm): Db {
  const cache = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = sqlite.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  const runEach = (stmts: Stmt[]) =>
    stmts.map((s) => {
      assertParamLimit(s);
      return prepare(s.sql).run(...(s.params as unknown[])).changes;
    });
  const runAll = sqlite.transaction(runEach);
  /** The background checkpointer: undefined until the first bulk batch, null once it failed. */
  let checkpointer: Worker | null | undefined;
  const checkpointerFailed = (err: Error) => {
    checkpointer = null;
    process.emitWarning(`background WAL checkpointer stopped, commits checkpoint as before: ${err.message}`, {
      code: 'ATLAS_CHECKPOINTER',
    });
  };
  const othersCommitted = sqlite.prepare('PRAGMA data_version').pluck();
  const ownChanges = sqlite.prepare('SELECT total_changes()').pluck();
  // A transaction function called inside another runs in a savepoint (better-sqlite3): a list
  // that throws is rolled back to it and the group goes on. An error after which SQLite has
  // already rolled back the whole transaction (a full disk, I/O) is the group's, not the list's.
  const runGroup = sqlite.transaction((lists: Stmt[][], tail: GroupTail) => {
    const results = lists.map((list): GroupResult => {
      try {
        return { ok: true, changes: runAll(list) };
      } catch (error) {
        if (!sqlite.inTransaction) throw error;
        return { ok: false, error };
      }
    });
    return { results, tail: runAll(typeof tail === 'function' ? tail(results) : tail) };
  });
  // The same group without a savepoint per list, tried first: a savepoint makes SQLite copy each
  // page a list changes into the statement journal before changing it, and a list nearly never
  // fails. When one does (its transaction still open), the whole group is rolled back and run
  // again by runGroup, each list in its own savepoint, from the same state: the same results.
  // Measured (in process, 3,000 groups of 64 status PATCHes over 1,000 x 10 EVSEs, three rounds
  // interleaved, load 1.6-3.3): CPU 39.4-41.8 -> 37.6-38.9 us a PATCH, median group 2.11-2.22 ->
  // 2.06-2.10 ms.
  const runGroupAtOnce = sqlite.transaction((lists: Stmt[][], tail: GroupTail) => {
    const results = lists.map((list): GroupResult => {
      try {
        return { ok: true, changes: runEach(list) };
      } catch (error) {
        throw sqlite.inTransaction ? new ListFailed(error) : error;
      }
    });
    return { results, tail: runEach(typeof tail === 'function' ? tail(results) : tail) };
  });
  return {
    kind: 'sqlite',
    orm,
    async all<T>(sql: string, params: unknown[] = []) {
      return prepare(sql).all(...params) as T[];
    },
    async get<T>(sql: string, params: unknown[] = []) {
      return prepare(sql).get(...params) as T | undefined;
    },
    async batch(stmts: Stmt[], options?: BatchOptions) {
      // Read when the transaction begins (the pager's subjInMemory), so set around it, and put back
      // after: a large sort or a whole-table statement on this connection spills to disk again.
      // Measured (npm run bench -- sync, 20k locations, interleaved): full sync 7.2-7.8 s -> 6.1-6.6 s.
      // Inside a transaction already open the pragma throws (and would not apply): run as it is.
      // Setting it drops the connection's temp database, so no TEMP table may live on a writer.
      if (sqlite.inTransaction) return runAll(stmts);
      const bulk = options?.bulk === true && !sqlite.memory && checkpointer !== null;
      const before = options?.smallStatements ? Number(sqlite.pragma('temp_store', { simple: true })) : null;
      if (before !== null) sqlite.pragma('temp_store = MEMORY');
      if (bulk) sqlite.pragma(`wal_autocheckpoint = ${BULK_AUTOCHECKPOINT_FRAMES}`);
      try {
        return runAll(stmts);
      } finally {
        if (before !== null) sqlite.pragma(`temp_store = ${before}`);
        if (bulk) {
          sqlite.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_FRAMES}`);
          checkpointer ??= startCheckpointer(resolve(sqlite.name), checkpointerFailed);
          checkpointer?.postMessage(null);
        }
      }
    },
    async batchGroup(lists: Stmt[][], tail: GroupTail) {
      // BEGIN IMMEDIATE: the write lock is taken before any list runs, so a lock held elsewhere
      // past busy_timeout fails the group as a whole (its pushes are retried one by one) instead
      // of failing the first list's savepoint alone.
      try {
        return runGroupAtOnce.immediate(lists, tail);
      } catch (error) {
        if (!(error instanceof ListFailed)) throw error;
        return runGroup.immediate(lists, tail);
      }
    },
    async snapshotTo(path: string) {
      makeFolder(dirname(resolve(path)));
      prepare('VACUUM INTO ?').run(path);
    },
    async checkpoint(mode = 'passive') {
      sqlite.pragma(mode === 'truncate' ? 'wal_checkpoint(TRUNCATE)' : 'wal_checkpoint(PASSIVE)');
    },
    changeStamp() {
      return `${othersCommitted.get()}/${ownChanges.get()}`;
    },
    async eachRow(sql: string, params: unknown[], each: (row: unknown[]) => void) {
      // A scan reads each page once: through a small page cache, so it does not fill the
      // connection's own (up to 64 MB) with pages nobody asks for again, which would stay in the
      // process's memory. The cache is put back to its size after; it refills as reads need it.
      const cacheSize = sqlite.pragma('cache_size', { simple: true }) as number;
      sqlite.pragma(`cache_size = ${-SCAN_CACHE_KB}`);
      try {
        // Not the cached statement: an iterating statement is busy until it ends.
        for (const row of sqlite
          .prepare(sql)
          .raw()
          .iterate(...params))
          each(row as unknown[]);
      } finally {
        sqlite.pragma(`cache_size = ${cacheSize}`);
      }
    },
    async close() {
      cache.clear();
      await checkpointer?.terminate();
      sqlite.close();
    },
  };
}
