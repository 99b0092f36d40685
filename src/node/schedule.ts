// node-cron schedules per source: incremental pulls on `schedule`, full pulls on `full_schedule`,
// each started after a little jitter so many sources on the same minute do not hit at once.
import cron, { type ScheduledTask } from 'node-cron';
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
