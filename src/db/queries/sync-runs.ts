// The sync_runs rows of runs (opened when a run starts, counters per page, closed at the end) and
// the source's success marks they lead to. Per page, not per record: typed drizzle throughout.
import { and, desc, eq, max, sql } from 'drizzle-orm';
import { sources, syncRuns } from '../schema.js';
import type { Db, Stmt } from '../types.js';
import { stmtOf } from './stmt.js';

export type RunKind = 'full' | 'incremental';
export type RunStatus = 'running' | 'ok' | 'failed' | 'suspect';

/** A run's counters, as the runners keep them in memory. */
export interface RunCounters {
  pages: number;
  requests: number;
  retries: number;
  upserted: number;
  unchanged: number;
  removed: number;
  quarantined: number;
  duplicates: number;
  warnings: number;
  tariffsUpserted: number;
}

/** Runs of a source still marked running when a new one starts died with their process: close them. */
export function closeInterruptedRunsStmt(db: Db, sourceId: string, at: string): Stmt {
  return stmtOf(
    db.orm
      .update(syncRuns)
      .set({
        status: 'failed',
        finishedAt: at,
        error: 'interrupted: the process ended before the run finished',
      })
      .where(and(eq(syncRuns.sourceId, sourceId), eq(syncRuns.status, 'running'))),
  );
}

export async function insertRun(
  db: Db,
  run: { sourceId: string; kind: RunKind; startedAt: string; dateFrom: string | null },
): Promise<number> {
  const [row] = await db.orm
    .insert(syncRuns)
    .values({ ...run, status: 'running' })
    .returning({ id: syncRuns.id });
  return row!.id;
}

export function runCountersStmt(db: Db, runId: number, c: RunCounters, version: string | null): Stmt {
  return stmtOf(
    db.orm
      .update(syncRuns)
      .set({ ...c, version: sql`COALESCE(${version}, ${syncRuns.version})` })
      .where(eq(syncRuns.id, runId)),
  );
}

/** Closes a run; a stepwise run's cursor goes with it (nothing resumes a closed run). */
export function closeRunStmt(
  db: Db,
  runId: number,
  status: RunStatus,
  finishedAt: string,
  error: string | null,
): Stmt {
  return stmtOf(
    db.orm.update(syncRuns).set({ status, finishedAt, error, cursor: null }).where(eq(syncRuns.id, runId)),
  );
}

export function saveRunCursorStmt(db: Db, runId: number, cursor: unknown): Stmt {
  return stmtOf(db.orm.update(syncRuns).set({ cursor }).where(eq(syncRuns.id, runId)));
}

/** The source's newest running run with its counters and stepwise cursor, if any. */
export async function runningRun(db: Db, sourceId: string) {
  const [row] = await db.orm
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.sourceId, sourceId), eq(syncRuns.status, 'running')))
    .orderBy(desc(syncRuns.id))
    .limit(1);
  return row;
}

/** When the source's last run and last full run started: what its schedules are measured from. */
export async function lastRunStarts(db: Db, sourceId: string) {
  const [row] = await db.orm
    .select({
      lastStart: max(syncRuns.startedAt),
      lastFullStart: max(
        sql<string | null>`CASE WHEN ${syncRuns.kind} = 'full' THEN ${syncRuns.startedAt} END`,
      ),
    })
    .from(syncRuns)
    .where(eq(syncRuns.sourceId, sourceId));
  return { lastStart: row?.lastStart ?? null, lastFullStart: row?.lastFullStart ?? null };
}

/** A successful run of `kind` that started at `startedAt`: the mark incremental pulls count from. */
export function markSourceSuccessStmt(db: Db, sourceId: string, kind: RunKind, startedAt: string): Stmt {
  return stmtOf(
    db.orm
      .update(sources)
      .set({
        lastSuccessAt: startedAt,
        lastFullSuccessAt: kind === 'full' ? startedAt : sql`${sources.lastFullSuccessAt}`,
      })
      .where(eq(sources.id, sourceId)),
  );
}
