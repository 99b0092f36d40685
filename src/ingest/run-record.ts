// The sync_runs row of one run: created when it starts, counters updated per page, closed at the end.

import { forgetFutureTimesStmts } from '../db/queries/future-timestamps.js';
import {
  closeInterruptedRunsStmt,
  closeRunStmt,
  insertRun,
  type RunCounters,
  type RunKind,
  type RunStatus,
  runCountersStmt,
} from '../db/queries/sync-runs.js';
import type { Db } from '../db/types.js';
import { iso } from '../model/iso-time.js';
import { MAX_CLOCK_AHEAD_MS } from '../ocpi/receiver/push-rules.js';

export type { RunCounters, RunStatus };

export const zeroCounters = (): RunCounters => ({
  pages: 0,
  requests: 0,
  retries: 0,
  upserted: 0,
  unchanged: 0,
  removed: 0,
  quarantined: 0,
  duplicates: 0,
  warnings: 0,
  tariffsUpserted: 0,
});

/** Times beyond this are not believed: the receiver's own bound (push-rules.ts MAX_CLOCK_AHEAD_MS). */
function aheadLimit(startedAt: string): string {
  return iso(Date.parse(startedAt) + MAX_CLOCK_AHEAD_MS);
}

export async function startRun(
  db: Db,
  sourceId: string,
  kind: RunKind,
  startedAt: string,
  dateFrom: string | null,
): Promise<number> {
  // Runs of one source never overlap (the runner's lock, the Workers lease), so a run of this source
  // still marked running is one whose process died (SIGKILL, a crash): close it for source health.
  await db.batch([
    closeInterruptedRunsStmt(db, sourceId, startedAt),
    ...(kind === 'full' ? await forgetFutureTimesStmts(db, sourceId, aheadLimit(startedAt), startedAt) : []),
  ]);
  return insertRun(db, { sourceId, kind, startedAt, dateFrom });
}

export async function finishRun(
  db: Db,
  runId: number,
  status: RunStatus,
  finishedAt: string,
  c: RunCounters,
  version: string | null,
  error: string | null,
): Promise<void> {
  await db.batch([
    runCountersStmt(db, runId, c, version),
    closeRunStmt(db, runId, status, finishedAt, error),
  ]);
  // A run may have written many pages: move them into the database file now rather than leave
  // them in the WAL until the next automatic checkpoint.
  await db.checkpoint?.('passive');
}
