// The key/value rows of `meta`: the data version, the sync lease, the rollup watermark, the
// CPOs' credentials registrations. One upsert for all of them.
import { and, eq, like, sql } from 'drizzle-orm';
import { meta } from '../schema.js';
import type { Db, Stmt } from '../types.js';
import { stmtOf } from './stmt.js';

/**
 * Raw SQL on purpose: every push batch ends with a data-version bump (bench `push`), and building
 * the statement with drizzle per batch costs more than the write it accompanies.
 */
const UPSERT_META_SQL =
  'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value';

export function setMetaStmt(key: string, value: string): Stmt {
  return { sql: UPSERT_META_SQL, params: [key, value] };
}

export async function readMeta(db: Db, key: string): Promise<string | null> {
  const [row] = await db.orm.select({ value: meta.value }).from(meta).where(eq(meta.key, key));
  return row?.value ?? null;
}

/** Every row whose key starts with the prefix (no LIKE wildcards in it). */
export async function metaWithPrefix(db: Db, prefix: string): Promise<{ key: string; value: string }[]> {
  return db.orm
    .select()
    .from(meta)
    .where(like(meta.key, `${prefix}%`));
}

/**
 * Takes a lease row `{ id, until }` unless another holder's lease is still running at `now`
 * (one statement, so two Workers invocations cannot both win). Changes 1 row when taken.
 */
export function claimLeaseStmt(db: Db, key: string, lease: { id: string; until: string }, now: string): Stmt {
  return stmtOf(
    db.orm
      .insert(meta)
      .values({ key, value: JSON.stringify(lease) })
      .onConflictDoUpdate({
        target: meta.key,
        set: { value: sql`excluded.value` },
        setWhere: sql`json_extract(${meta.value}, '$.until') < ${now}`,
      }),
  );
}

/** Gives the lease back, only if `id` still holds it. */
export function releaseLeaseStmt(db: Db, key: string, id: string): Stmt {
  return stmtOf(
    db.orm.delete(meta).where(and(eq(meta.key, key), sql`json_extract(${meta.value}, '$.id') = ${id}`)),
  );
}
