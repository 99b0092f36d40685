import { describe, expect, it } from 'vitest';
import { CronError, cronSchedule, isDue, nextFire } from '../../src/ingest/cron-schedule.js';
import type { SourceConfig } from '../../src/ingest/sources-file.js';
import { dueSyncMode } from '../../src/jobs/scheduled-syncs.js';
import type { SyncRunner } from '../../src/jobs/sync-runner.js';
import { silentLogger } from '../../src/log.js';
import { scheduleSources } from '../../src/node/schedule.js';

const at = (iso: string) => new Date(iso);
const next = (expr: string, iso: string, tz?: string) =>
  nextFire(cronSchedule(expr, tz), at(iso))?.toISOString() ?? null;

describe('cron expressions, read by croner', () => {
  it('finds the first minute a schedule fires after a time, in UTC', () => {
    expect(next('*/30 * * * *', '2030-06-03T09:59:59Z')).toBe('2030-06-03T10:00:00.000Z');
    expect(next('*/30 * * * *', '2030-06-03T10:00:00Z')).toBe('2030-06-03T10:30:00.000Z');
    expect(next('17 3 * * *', '2030-06-03T03:17:00Z')).toBe('2030-06-04T03:17:00.000Z');
    expect(next('0 9-17/4 * * *', '2030-06-03T09:00:00Z')).toBe('2030-06-03T13:00:00.000Z');
    expect(next('0 9-17/4 * * *', '2030-06-03T16:59:00Z')).toBe('2030-06-03T17:00:00.000Z');
    expect(next('0 9-17/4 * * *', '2030-06-03T17:00:00Z')).toBe('2030-06-04T09:00:00.000Z');
    // Mondays (2030-06-03 is one), by name and by 7 = Sunday.
    expect(next('0 6 * * mon', '2030-06-03T06:00:00Z')).toBe('2030-06-10T06:00:00.000Z');
    expect(next('0 6 * * 7', '2030-06-03T00:00:00Z')).toBe('2030-06-09T06:00:00.000Z');
    expect(next('30 0 1 jan *', '2030-06-03T00:00:00Z')).toBe('2031-01-01T00:30:00.000Z');
  });

  it('matches either day field when both are restricted, as cron does', () => {
    // The 1st of the month or a Friday: 2030-05-31 is a Friday.
    expect(next('0 12 1 * 5', '2030-05-30T13:00:00Z')).toBe('2030-05-31T12:00:00.000Z');
    expect(next('0 12 1 * 5', '2030-05-31T12:00:00Z')).toBe('2030-06-01T12:00:00.000Z');
  });

  it('reads a leading seconds field as node-cron did', () => {
    expect(next('0 */30 * * * *', '2030-06-03T10:15:00Z')).toBe('2030-06-03T10:30:00.000Z');
  });

  it('reads a schedule in the time zone a source names', () => {
    // 03:17 in Berlin is 01:17 UTC in summer and 02:17 UTC in winter.
    expect(next('17 3 * * *', '2030-06-03T00:00:00Z', 'Europe/Berlin')).toBe('2030-06-03T01:17:00.000Z');
    expect(next('17 3 * * *', '2030-12-03T00:00:00Z', 'Europe/Berlin')).toBe('2030-12-03T02:17:00.000Z');
  });

  it('says a schedule is due when it fired after the last start, or when nothing ever ran', () => {
    const every30 = cronSchedule('*/30 * * * *');
    expect(isDue(every30, null, at('2030-06-03T10:05:00Z'))).toBe(true);
    expect(isDue(every30, '2030-06-03T10:00:30Z', at('2030-06-03T10:29:00Z'))).toBe(false);
    expect(isDue(every30, '2030-06-03T10:00:30Z', at('2030-06-03T10:30:10Z'))).toBe(true);
    // A missed trigger does not lose the run: the next one still sees it due.
    expect(isDue(every30, '2030-06-03T10:00:30Z', at('2030-06-03T11:47:00Z'))).toBe(true);
  });

  it.each(['* * * *', '60 * * * *', '* 24 * * *', '5-1 * * * *', '*/0 * * * *', 'x * * * *', '* * 0 * *'])(
    'rejects %s',
    (expr) => {
      expect(() => cronSchedule(expr)).toThrow(CronError);
    },
  );

  it('rejects a time zone that is not an IANA name', () => {
    expect(() => cronSchedule('* * * * *', 'Mars/Olympus')).toThrow(CronError);
  });
});

describe('both hosts fire a sources file at the same instants', () => {
  const EXPRESSIONS = [
    '*/30 * * * *',
    '17 3 * * *',
    '0 9-17/4 * * 1-5',
    '0 12 1 * 5',
    '0 */30 * * * *',
    '5 * * * *',
  ];
  const ZONES = [undefined, 'Europe/Berlin', 'America/New_York'];
  // Around a summer day, the spring-forward night in Europe, and a Friday that is also the 1st.
  const FROM = ['2030-06-03T10:07:00Z', '2030-03-31T00:30:00Z', '2030-11-01T11:59:00Z'];
  const MINUTE = 60_000;

  const source = (schedule: string, timezone: string | undefined): SourceConfig =>
    ({
      id: 'cpo',
      name: 'CPO',
      type: 'irve',
      url: 'x',
      enabled: true,
      schedule,
      full_schedule: '0 0 1 1 *',
      ...(timezone ? { timezone } : {}),
    }) as SourceConfig;

  /** Node: the croner job scheduleSources started for the incremental pull. */
  function nodeNextRun(s: SourceConfig, from: Date): Date | null {
    const handle = scheduleSources([s], { run: async () => {} } as unknown as SyncRunner, silentLogger);
    try {
      return handle.jobs.find((j) => j.mode === 'incremental')!.job.nextRun(from);
    } finally {
      handle.stop();
    }
  }

  /** Workers: the first trigger minute at which the scheduled handler finds the pull due. */
  function workersNextRun(s: SourceConfig, from: Date): Date | null {
    const last = { lastStart: from.toISOString(), lastFullStart: from.toISOString() };
    const due = (minute: number) => dueSyncMode(s, last, new Date(minute * MINUTE)) === 'auto';
    // Once due, a source stays due until it runs, so the first due minute is found by bisection.
    let lo = Math.floor(from.getTime() / MINUTE);
    let hi = lo + 8 * 24 * 60;
    if (!due(hi)) return null;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (due(mid)) hi = mid;
      else lo = mid;
    }
    return new Date(hi * MINUTE);
  }

  for (const expr of EXPRESSIONS)
    for (const tz of ZONES)
      it(`"${expr}" in ${tz ?? 'UTC (no zone given)'}`, () => {
        for (const from of FROM.map(at)) {
          const s = source(expr, tz);
          const node = nodeNextRun(s, from);
          expect(node).not.toBeNull();
          expect(workersNextRun(s, from)?.toISOString()).toBe(node!.toISOString());
        }
      });

  it('fires in UTC on Node when the source names no zone, whatever the machine local time', () => {
    const s = source('17 3 * * *', undefined);
    expect(nodeNextRun(s, at('2030-06-03T00:00:00Z'))?.toISOString()).toBe('2030-06-03T03:17:00.000Z');
    expect(workersNextRun(s, at('2030-06-03T00:00:00Z'))?.toISOString()).toBe('2030-06-03T03:17:00.000Z');
  });
});
