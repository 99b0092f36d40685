// node-cron schedules per source: incremental pulls on `schedule`, full pulls on `full_schedule`,
// each started after a little jitter so many sources on the same minute do not hit at once.
import cron, { type ScheduledTask } from 'node-cron';
import { rollupStatusEvents } from '../db/queries/status.js';
import type { Db } from '../db/types.js';
import type { SourceConfig } from '../ingest/sources-file.js';
import type { SyncRunner } from '../ingest/sync-runner.js';
import type { Logger } from '../log.js';

export function scheduleSources(
  sources: SourceConfig[],
  runner: SyncRunner,
  log: Logger,
  jitterMs = 20_000,
): { stop(): void } {
  const tasks: ScheduledTask[] = [];
  for (const source of sources) {
    if (!source.enabled) continue;
    for (const [expr, mode] of [
      [source.schedule, 'incremental'],
      [source.full_schedule, 'full'],
    ] as const) {
      if (!cron.validate(expr)) {
        log.error({ source: source.id, schedule: expr }, 'invalid cron expression; source not scheduled');
        continue;
      }
      tasks.push(
        cron.schedule(expr, () => {
          setTimeout(() => {
            void runner.run(source, mode === 'full' ? 'full' : 'auto');
          }, Math.random() * jitterMs);
        }),
      );
    }
  }
  return {
    stop() {
      for (const t of tasks) void t.stop();
    },
  };
}

/** Hourly, five minutes past: raw status events past the retention window become hourly figures. */
export function scheduleStatusRollup(db: Db, retentionDays: number, log: Logger): { stop(): void } {
  const task = cron.schedule('5 * * * *', async () => {
    try {
      const r = await rollupStatusEvents(db, { now: new Date(), retentionDays });
      log.info({ ...r }, 'status events rolled up');
    } catch (err) {
      log.error({ error: err instanceof Error ? err.message : String(err) }, 'status rollup failed');
    }
  });
  return {
    stop() {
      void task.stop();
    },
  };
}
