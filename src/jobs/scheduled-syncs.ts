// What one Cron Trigger invocation does (Workers): mirror the sources list, start the runs whose
// schedule is due, and advance running runs by a bounded number of steps, round-robin so one big
// feed does not starve the others. A lease in `meta` keeps overlapping invocations (a slow one and
// the next minute's) from advancing the same run twice.

import { claimLeaseStmt, releaseLeaseStmt } from '../db/queries/meta.js';
import { lastRunStarts } from '../db/queries/sync-runs.js';
import type { Db } from '../db/types.js';
import { changedLocationPks, dedupeSites } from '../dedupe/run-dedupe.js';
import { CronError, cronSchedule, isDue } from '../ingest/cron-schedule.js';
import { upsertSources } from '../ingest/source-state.js';
import { isOcpiSource, type OcpiSourceConfig, type SourceConfig } from '../ingest/sources-file.js';
import type { SyncMode } from '../ingest/sync-source.js';
import {
  runningStepRun,
  type StepDeps,
  type StepOutcome,
  type StepRun,
  startStepRun,
  syncStep,
} from '../ingest/sync-step.js';
import { dedupeOptionsFor } from './dedupe-options.js';

export interface ScheduledOptions {
  /** The trigger's scheduled time: schedules are judged against it. */
  now: Date;
  /** Steps (discovery, one page, or closing a run) this invocation may do, all sources together. */
  maxSteps: number;
  /** Wall-clock milliseconds after which no new step starts. */
  maxMs: number;
  /** How long the lease holds if this invocation dies without releasing it. */
  leaseMs?: number;
}

export interface ScheduledReport {
  /** False when another invocation held the lease and nothing was done. */
  ran: boolean;
  started: { sourceId: string; runId: number; kind: 'full' | 'incremental' }[];
  steps: number;
  finished: { sourceId: string; runId: number; status: string; error: string | null }[];
  retrying: { sourceId: string; runId: number; error: string }[];
  /** Sources with a run still going when the budget ran out. */
  pending: string[];
}

/** Cron Triggers stop an invocation after 15 minutes of wall time; the lease outlives that. */
const DEFAULT_LEASE_MS = 16 * 60_000;
const LEASE_KEY = 'sync_lease';

export async function runScheduledSyncs(
  sources: SourceConfig[],
  deps: StepDeps,
  options: ScheduledOptions,
): Promise<ScheduledReport> {
  const report: ScheduledReport = {
    ran: false,
    started: [],
    steps: 0,
    finished: [],
    retrying: [],
    pending: [],
  };
  const started = Date.now();
  const lease = crypto.randomUUID();
  if (!(await claimLease(deps.db, lease, deps.clock(), options.leaseMs ?? DEFAULT_LEASE_MS))) {
    deps.log.info({}, 'scheduled sync skipped: another invocation holds the lease');
    return report;
  }
  report.ran = true;
  try {
    await upsertSources(deps.db, sources, deps.clock().toISOString());
    const work = await collectWork(sources, deps, options.now, report);
    let cursor = 0;
    while (work.length > 0 && report.steps < options.maxSteps && Date.now() - started < options.maxMs) {
      cursor %= work.length;
      const item = work[cursor]!;
      const outcome: StepOutcome = await syncStep(item.source, item.run, deps);
      report.steps++;
      if (outcome.state === 'continue') {
        cursor++;
        continue;
      }
      // A finished run leaves the list; so does a failing one, until the next invocation.
      work.splice(cursor, 1);
      if (outcome.state === 'retry')
        report.retrying.push({ sourceId: item.source.id, runId: item.run.id, error: outcome.error });
      else
        report.finished.push({
          sourceId: item.source.id,
          runId: item.run.id,
          status: outcome.status,
          error: outcome.error,
        });
    }
    report.pending = work.map((w) => w.source.id);
    // As on Node: sites near the records a finished run changed are rebuilt, inside the lease so
    // two invocations never regroup at once.
    if (report.finished.length > 0) {
      const changed = await changedLocationPks(deps.db);
      if (changed.length > 0) {
        await dedupeSites(deps.db, {
          ...dedupeOptionsFor(sources),
          changedNear: changed,
          now: deps.clock().toISOString(),
        });
      }
    }
  } finally {
    await releaseLease(deps.db, lease);
  }
  return report;
}

interface Work {
  source: OcpiSourceConfig;
  run: StepRun;
}

async function collectWork(
  sources: SourceConfig[],
  deps: StepDeps,
  now: Date,
  report: ScheduledReport,
): Promise<Work[]> {
  const work: Work[] = [];
  for (const source of sources) {
    if (!source.enabled) continue;
    if (!isOcpiSource(source)) {
      // A register is one large file read whole: it does not fit a Workers invocation.
      deps.log.warn({ source: source.id, type: source.type }, 'register sources are not synced on Workers');
      continue;
    }
    let run = await runningStepRun(deps, source.id);
    if (!run) {
      const mode = await dueMode(source, deps, now);
      if (!mode) continue;
      run = await startStepRun(source, mode, deps);
      report.started.push({ sourceId: source.id, runId: run.id, kind: run.kind });
    }
    work.push({ source, run });
  }
  return work;
}

/** 'full' when the full schedule fired since the last full run, 'auto' when the schedule did, else null. */
async function dueMode(source: OcpiSourceConfig, deps: StepDeps, now: Date): Promise<SyncMode | null> {
  const last = await lastRunStarts(deps.db, source.id);
  try {
    return dueSyncMode(source, last, now);
  } catch (err) {
    if (!(err instanceof CronError)) throw err;
    deps.log.error(
      { source: source.id, error: err.message },
      'invalid cron expression; source not scheduled',
    );
    return null;
  }
}

/** The Workers side of scheduling, as data: which pull (if any) a source's schedules make due at `now`. */
export function dueSyncMode(
  source: Pick<SourceConfig, 'schedule' | 'full_schedule' | 'timezone'>,
  last: { lastStart: string | null; lastFullStart: string | null },
  now: Date,
): SyncMode | null {
  if (isDue(cronSchedule(source.full_schedule, source.timezone), last.lastFullStart, now)) return 'full';
  if (isDue(cronSchedule(source.schedule, source.timezone), last.lastStart, now)) return 'auto';
  return null;
}

async function claimLease(db: Db, id: string, now: Date, ms: number): Promise<boolean> {
  const until = new Date(now.getTime() + ms).toISOString();
  const [changed] = await db.batch([claimLeaseStmt(db, LEASE_KEY, { id, until }, now.toISOString())]);
  return changed === 1;
}

async function releaseLease(db: Db, id: string): Promise<void> {
  await db.batch([releaseLeaseStmt(db, LEASE_KEY, id)]);
}
