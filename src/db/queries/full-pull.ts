// What a full pull knows at its end: which held records it listed (last_seen_run is the run's id)
// and which it did not, and the removal of the latter. Once per run or page, so typed drizzle.
import { and, count, eq, gte, isNull, ne, or, type SQL } from 'drizzle-orm';
import { locations, tariffs } from '../schema.js';
import type { Db, Stmt } from '../types.js';
import { chunked, inJsonList } from './json-list.js';
import { stmtOf } from './stmt.js';

/** Held records of the source that the run did not list. */
function unseenBy(table: typeof locations | typeof tariffs, sourceId: string, runId: number): SQL {
  return and(
    eq(table.sourceId, sourceId),
    isNull(table.removedAt),
    or(isNull(table.lastSeenRun), ne(table.lastSeenRun, runId)),
  )!;
}

export async function heldLocationCount(db: Db, sourceId: string): Promise<number> {
  const [row] = await db.orm
    .select({ n: count() })
    .from(locations)
    .where(and(eq(locations.sourceId, sourceId), isNull(locations.removedAt)));
  return row?.n ?? 0;
}

/** Valid locations the run took (written or touched since it started): what it listed. */
export async function seenLocationCount(db: Db, sourceId: string, run: { id: number; startedAt: string }) {
  const [row] = await db.orm
    .select({ n: count() })
    .from(locations)
    .where(
      and(
        eq(locations.sourceId, sourceId),
        eq(locations.lastSeenRun, run.id),
        gte(locations.syncedAt, run.startedAt),
      ),
    );
  return row?.n ?? 0;
}

export async function unseenLocationCount(db: Db, sourceId: string, runId: number): Promise<number> {
  const [row] = await db.orm
    .select({ n: count() })
    .from(locations)
    .where(unseenBy(locations, sourceId, runId));
  return row?.n ?? 0;
}

export async function unseenLocationPks(db: Db, sourceId: string, runId: number): Promise<string[]> {
  const rows = await db.orm
    .select({ pk: locations.pk })
    .from(locations)
    .where(unseenBy(locations, sourceId, runId));
  return rows.map((r) => r.pk);
}

/**
 * Removes the given unseen locations; the condition is checked again in the statement, so a record
 * a push wrote after they were read (and so was seen after all) stays.
 */
export function removeUnseenLocationsStmts(
  db: Db,
  pks: readonly string[],
  sourceId: string,
  runId: number,
  now: string,
): Stmt[] {
  return chunked(pks).map((chunk) =>
    stmtOf(
      db.orm
        .update(locations)
        .set({ removedAt: now })
        .where(and(inJsonList(locations.pk, chunk), unseenBy(locations, sourceId, runId))),
    ),
  );
}

export function removeUnseenTariffsStmt(db: Db, sourceId: string, runId: number, now: string): Stmt {
  return stmtOf(
    db.orm
      .update(tariffs)
      .set({ removedAt: now })
      .where(unseenBy(tariffs, sourceId, runId)),
  );
}

/** Of the given pks, those this run already took, with their last_updated. */
export async function takenInRun(
  db: Db,
  table: 'locations' | 'tariffs',
  run: { id: number; startedAt: string },
  pks: readonly string[],
): Promise<{ pk: string; last_updated: string }[]> {
  const t = table === 'locations' ? locations : tariffs;
  return db.orm
    .select({ pk: t.pk, last_updated: t.lastUpdated })
    .from(t)
    .where(and(eq(t.lastSeenRun, run.id), gte(t.syncedAt, run.startedAt), inJsonList(t.pk, pks)));
}
