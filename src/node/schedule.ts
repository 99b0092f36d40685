// Cron jobs per source on Node: incremental pulls on `schedule`, full pulls on `full_schedule`,
// each started after a little jitter so many sources on the same minute do not hit at once. The
// expressions are read by the same croner schedule as on Workers, in UTC unless the source names
// a time zone (the sources file was validated, so an expression that fails here is a bug).
import type { Cron } from 'croner';
import { rollupStatusEvents } from '../db/queries/status.js';
import type { Db } from '../db/types.js';
import { DEFAULT_TIMEZONE, startCron } from '../ingest/cron-schedule.js';
import type { SourceConfig } from '../ingest/sources-file.js';
import type { SyncRunner } from '../jobs/sync-runner.js';
import type { Logger } from '../log.js';

export interface ScheduledJob {
  sourceId: string;
  mode: 'incremental' | 'full';
  job: Cron;
}

export function scheduleSources(
  sources: SourceConfig[],
  runner: SyncRunner,
  log: Logger,
  jitterMs = 20_000,
): { jobs: ScheduledJob[]; stop(): void } {
  const jobs: ScheduledJob[] = [];
  for (const source of sources) {
    if (!source.enabled) continue;
    for (const [expr, mode] of [
      [source.schedule, 'incremental'],
      [source.full_schedule, 'full'],
    ] as const) {
      try {
        const job = startCron(expr, source.timezone ?? DEFAULT_TIMEZONE, () => {
          setTimeout(() => {
            void runner.run(source, mode === 'full' ? 'full' : 'auto');
          }, Math.random() * jitterMs);
        });
        jobs.push({ sourceId: source.id, mode, job });
      } catch (err) {
        log.error(
          { source: source.id, schedule: expr, error: (err as Error).message },
          'source not scheduled',
        );
      }
    }
  }
  return {
    jobs,
    stop() {
      for (const j of jobs) j.job.stop();
    },
  };
}

/** Hourly, five minutes past (UTC): raw status events past the retention window become hourly figures. */
export function scheduleStatusRollup(db: Db, retentionDays: number, log: Logger): { stop(): void } {
  const job = startCron('5 * * * *', DEFAULT_TIMEZONE, async () => {
    try {
      const r = await rollupStatusEvents(db, { now: new Date(), retentionDays });
      log.info({ ...r }, 'status events rolled up');
    } catch (err) {
      log.error({ error: err instanceof Error ? err.message : String(err) }, 'status rollup failed');
    }
  });
  return {
    stop() {
      job.stop();
    },
  };
}
