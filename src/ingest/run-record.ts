// The sync_runs row of one run: created when it starts, counters updated per page, closed at the end.

import { forgetFutureTimesStmts } from '../db/queries/future-timestamps.js';
import type { Db } from '../db/types.js';
import { iso } from '../model/iso-time.js';
import { MAX_CLOCK_AHEAD_MS } from '../ocpi/receiver/push-rules.js';

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

export type RunStatus = 'running' | 'ok' | 'failed' | 'suspect';

export async function startRun(
  db: Db,
  sourceId: string,
  kind: 'full' | 'incremental',
  startedAt: string,
  dateFrom: string | null,
): Promise<number> {
  // Runs of one source never overlap (the runner's lock, the Workers lease), so a run of this source
  // still marked running is one whose process died (SIGKILL, a crash): close it for source health.
  await db.batch([
    {
      sql: `UPDATE sync_runs SET status = 'failed', finished_at = ?,
        error = 'interrupted: the process ended before the run finished' WHERE source_id = ? AND status = 'running'`,
      params: [startedAt, sourceId],
    },
    ...(kind === 'full' ? forgetFutureTimesStmts(sourceId, aheadLimit(startedAt)) : []),
  ]);
  const row = await db.get<{ id: number }>(
    `INSERT INTO sync_runs (source_id, kind, status, started_at, date_from) VALUES (?, ?, 'running', ?, ?) RETURNING id`,
    [sourceId, kind, startedAt, dateFrom],
  );
  return row!.id;
}

export function countersStmt(runId: number, c: RunCounters, version: string | null) {
  return {
    sql: `UPDATE sync_runs SET pages=?, requests=?, retries=?, upserted=?, unchanged=?, removed=?, quarantined=?,
      duplicates=?, warnings=?, tariffs_upserted=?, version=COALESCE(?, version) WHERE id=?`,
    params: [
      c.pages,
      c.requests,
      c.retries,
      c.upserted,
      c.unchanged,
      c.removed,
      c.quarantined,
      c.duplicates,
      c.warnings,
      c.tariffsUpserted,
      version,
      runId,
    ],
  };
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
    countersStmt(runId, c, version),
    {
      sql: 'UPDATE sync_runs SET status=?, finished_at=?, error=? WHERE id=?',
      params: [status, finishedAt, error, runId],
    },
  ]);
  // A run may have written many pages: move them into the database file now rather than leave
  // them in the WAL until the next automatic checkpoint.
  await db.checkpoint?.('passive');
}
