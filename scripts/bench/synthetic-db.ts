// Builds (once, cached under the temp dir) a synthetic atlas database of a given EVSE count, written
// through the production statements in one raw better-sqlite3 transaction per chunk.
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Stmt } from '../../src/db/types.js';
import { ensureSiteFeatures, SITE_FEATURES_VERSION } from '../../src/db/write-site-features.js';
import {
  locationStmts,
  removeStmts,
  seededRandom,
  siteStmts,
  sourceStmts,
  tariffStmts,
} from '../../test/helpers/synthetic-atlas.js';

// Bump when the generator or the schema changes, so a stale cached file is not reused.
const GENERATION = 7;

export async function syntheticDb(evses: number, log: (msg: string) => void = () => {}): Promise<string> {
  const dir = join(tmpdir(), 'atlas-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `synthetic-${evses}-g${GENERATION}.db`);
  if (existsSync(file)) return file;
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  // Migrate through the project's own migrator, then write with a raw connection.
  await openSqlite(partial).close();
  const sqlite = new Database(partial);
  sqlite.pragma('journal_mode = OFF');
  sqlite.pragma('synchronous = OFF');
  // Random hashed keys touch every index page: a big page cache keeps generation linear.
  sqlite.pragma('cache_size = -1000000');
  const cache = new Map<string, Database.Statement>();
  const run = sqlite.transaction((stmts: Stmt[]) => {
    for (const s of stmts) {
      let st = cache.get(s.sql);
      if (!st) {
        st = sqlite.prepare(s.sql);
        cache.set(s.sql, st);
      }
      st.run(...s.params);
    }
  });
  run([...sourceStmts(), ...tariffStmts()]);
  const rnd = seededRandom(20_240_601);
  const pks: string[] = [];
  let written = 0;
  let i = 0;
  const started = Date.now();
  while (written < evses) {
    const chunk: Stmt[] = [];
    for (let k = 0; k < 2_000 && written < evses; k++, i++) {
      const { pk, stmts } = locationStmts(rnd, i, { seed: 1, locations: 0, maxEvses: 4 });
      pks.push(pk);
      written += stmts.filter((s) => s.sql.startsWith('INSERT INTO evses')).length;
      chunk.push(...stmts);
    }
    run(chunk);
    if (i % 50_000 < 2_000)
      log(`  generated ${i} locations, ${written} EVSEs (${Math.round((Date.now() - started) / 1000)} s)`);
  }
  run([...siteStmts(pks, rnd, 2_000), ...removeStmts(pks, 101)]);
  sqlite.exec('ANALYZE');
  sqlite.close();
  renameSync(partial, file);
  return file;
}

/**
 * The synthetic database as the current code expects it: a copy of the cached generation, migrated
 * and with the site read model built (once per read-model version). Schema additions then cost a
 * copy and a backfill, not a regeneration (30 minutes at 1M EVSEs). The api and tiles benches use it.
 */
export async function syntheticBenchDb(
  evses: number,
  log: (msg: string) => void = () => {},
): Promise<string> {
  const base = await syntheticDb(evses, log);
  const file = base.replace(/\.db$/, `-rm${SITE_FEATURES_VERSION}.db`);
  if (existsSync(file)) return file;
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  copyFileSync(base, partial);
  const started = Date.now();
  const db = openSqlite(partial);
  await ensureSiteFeatures(db);
  await db.batch([{ sql: 'ANALYZE', params: [] }]);
  await db.checkpoint?.('truncate');
  await db.close();
  for (const suffix of ['-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  renameSync(partial, file);
  log(`  migrated copy with the read model built (${Math.round((Date.now() - started) / 1000)} s): ${file}`);
  return file;
}
