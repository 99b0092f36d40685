// A batch of small statements (a sync page) keeps SQLite's statement journal in memory for its own
// transaction only: the connection's temp storage is back to its default after the batch, committed
// or failed, so a later large sort or whole-table statement spills to disk as before; and the batch
// is as atomic as any other.
import { renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db, Stmt } from '../../src/db/types.js';
import { testDir } from '../helpers/test-dir.js';

const autocheckpoint = async (db: Db) =>
  (await db.get<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint'))?.wal_autocheckpoint;

/** Polls until `check` holds or `ms` passed; returns whether it held. */
async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

const tempStore = async (db: Db) => (await db.get<{ temp_store: number }>('PRAGMA temp_store'))?.temp_store;

/** A table with a trigger, so every write to it gets a statement journal. */
const SETUP: Stmt[] = [
  { sql: 'CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)', params: [] },
  { sql: 'CREATE TABLE t_log (k INTEGER)', params: [] },
  { sql: 'CREATE TABLE seen (temp_store INTEGER)', params: [] },
  {
    sql: 'CREATE TRIGGER t_logged AFTER UPDATE ON t BEGIN INSERT INTO t_log VALUES (NEW.k); END',
    params: [],
  },
];

/** Rows 0..n-1, then every row rewritten by one statement (its journal far past 64 KB). */
const fill = (from: number, n: number): Stmt[] => [
  {
    sql: `INSERT INTO t (k, v) SELECT value, printf('%0500d', value) FROM json_each(?)`,
    params: [JSON.stringify(Array.from({ length: n }, (_, i) => from + i))],
  },
  { sql: "UPDATE t SET v = v || 'x' WHERE k >= ?", params: [from] },
];

describe('batch of small statements', () => {
  it('commits like any batch and puts the temp storage back', async () => {
    const db = openSqlite(join(testDir('atlas-batch-'), 'atlas.db'));
    onTestFinished(() => db.close());
    await db.batch(SETUP);
    expect(await tempStore(db)).toBe(0);

    // Inside the batch the statement journal is kept in memory (2: MEMORY); before and after, the default.
    const inside = { sql: 'INSERT INTO seen SELECT temp_store FROM pragma_temp_store', params: [] };
    await db.batch([...fill(0, 2000), inside], { smallStatements: true });
    await db.batch([inside]);
    expect(await db.all('SELECT temp_store FROM seen ORDER BY rowid')).toEqual([
      { temp_store: 2 },
      { temp_store: 0 },
    ]);
    expect(await db.get('SELECT count(*) AS n, sum(v LIKE ?) AS x FROM t', ['%x'])).toEqual({
      n: 2000,
      x: 2000,
    });
    expect(await db.get('SELECT count(*) AS n FROM t_log')).toEqual({ n: 2000 });
    expect(await tempStore(db)).toBe(0);
  });

  it('writes nothing when a statement fails, and the connection goes on as before', async () => {
    const db = openSqlite(join(testDir('atlas-batch-'), 'atlas.db'));
    onTestFinished(() => db.close());
    await db.batch(SETUP);
    await db.batch(fill(0, 10));

    // The last statement repeats a value of the first: the whole batch is undone.
    const failing = [
      ...fill(100, 2000),
      { sql: "INSERT INTO t (k, v) VALUES (5000, printf('%0500d', 100) || 'x')", params: [] },
    ];
    await expect(db.batch(failing, { smallStatements: true })).rejects.toThrow(/UNIQUE/);
    expect(await db.get('SELECT count(*) AS n FROM t')).toEqual({ n: 10 });
    expect(await db.get('SELECT count(*) AS n FROM t_log')).toEqual({ n: 10 });
    expect(await tempStore(db)).toBe(0);

    await db.batch(fill(100, 5), { smallStatements: true });
    expect(await db.get('SELECT count(*) AS n FROM t')).toEqual({ n: 15 });
  });
});

describe('bulk batch (a sync page)', () => {
  it("leaves its WAL to the background checkpointer, which copies it into the file without the writer's help", async () => {
    const file = join(testDir('atlas-bulk-'), 'atlas.db');
    const db = openSqlite(file);
    onTestFinished(() => db.close());
    await db.batch(SETUP);
    await db.checkpoint?.('truncate');
    const before = statSync(file).size;

    // ~1 MB, far below the writer's own automatic checkpoint (10,000 frames): only another
    // connection can have copied it into the database file.
    await db.batch(fill(0, 2000), { smallStatements: true, bulk: true });
    expect(await autocheckpoint(db)).toBe(10_000);
    expect(await eventually(() => statSync(file).size > before + 900_000)).toBe(true);
    expect(await db.get('SELECT count(*) AS n FROM t')).toEqual({ n: 2000 });
  });

  it('is as atomic as any batch, and the writer checkpoints as before after one that failed', async () => {
    const db = openSqlite(join(testDir('atlas-bulk-'), 'atlas.db'));
    onTestFinished(() => db.close());
    await db.batch(SETUP);
    const failing = [...fill(0, 100), { sql: 'INSERT INTO t (k, v) VALUES (1, NULL)', params: [] }];
    await expect(db.batch(failing, { bulk: true })).rejects.toThrow(/constraint/i);
    expect(await db.get('SELECT count(*) AS n FROM t')).toEqual({ n: 0 });
    expect(await autocheckpoint(db)).toBe(10_000);
  });

  it('goes on without the checkpointer when its thread fails, and the process with it', async () => {
    const dir = testDir('atlas-bulk-');
    const db = openSqlite(join(dir, 'atlas.db'));
    onTestFinished(() => db.close());
    await db.batch(SETUP);
    // The writer keeps its open files; the thread opens the file by its path, which is gone.
    renameSync(dir, `${dir}-moved`);
    const warned = new Promise<Error & { code?: string }>((resolve) => process.once('warning', resolve));
    await db.batch(fill(0, 100), { bulk: true });
    const warning = await warned;
    expect(warning.code).toBe('ATLAS_CHECKPOINTER');
    expect(warning.message).toMatch(/checkpointer stopped.*(unable to open|directory does not exist)/);
    await db.batch(fill(100, 100), { bulk: true });
    expect(await db.get('SELECT count(*) AS n FROM t')).toEqual({ n: 200 });
    expect(await autocheckpoint(db)).toBe(10_000);
  });

  it('runs in memory as a plain batch (no file to checkpoint)', async () => {
    const db = openSqlite(':memory:');
    onTestFinished(() => db.close());
    await db.batch(SETUP);
    await db.batch(fill(0, 10), { bulk: true });
    expect(await db.get('SELECT count(*) AS n FROM t')).toEqual({ n: 10 });
  });
});
