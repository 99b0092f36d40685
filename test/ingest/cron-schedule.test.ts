import { describe, expect, it } from 'vitest';
import { CronError, isDue, parseCron, previousFire } from '../../src/ingest/cron-schedule.js';

const at = (iso: string) => new Date(iso);
const prev = (expr: string, iso: string) => previousFire(parseCron(expr), at(iso))?.toISOString() ?? null;

describe('cron schedules judged as data (Workers)', () => {
  it('finds the latest minute a schedule fired at or before a time', () => {
    expect(prev('*/30 * * * *', '2030-06-03T10:29:59Z')).toBe('2030-06-03T10:00:00.000Z');
    expect(prev('*/30 * * * *', '2030-06-03T10:30:00Z')).toBe('2030-06-03T10:30:00.000Z');
    expect(prev('17 3 * * *', '2030-06-03T03:16:00Z')).toBe('2030-06-02T03:17:00.000Z');
    expect(prev('0 9-17/4 * * *', '2030-06-03T16:59:00Z')).toBe('2030-06-03T13:00:00.000Z');
    // Mondays (2030-06-03 is one), by name and by 7 = Sunday.
    expect(prev('0 6 * * mon', '2030-06-05T00:00:00Z')).toBe('2030-06-03T06:00:00.000Z');
    expect(prev('0 6 * * 7', '2030-06-05T00:00:00Z')).toBe('2030-06-02T06:00:00.000Z');
    expect(prev('30 0 1 jan *', '2030-06-03T00:00:00Z')).toBe('2030-01-01T00:30:00.000Z');
  });

  it('matches either day field when both are restricted, as cron does', () => {
    // The 1st of the month or a Friday: 2030-05-31 is a Friday.
    expect(prev('0 12 1 * 5', '2030-06-01T11:00:00Z')).toBe('2030-05-31T12:00:00.000Z');
    expect(prev('0 12 1 * 5', '2030-06-01T13:00:00Z')).toBe('2030-06-01T12:00:00.000Z');
  });

  it('ignores a leading seconds field as node-cron accepts it', () => {
    expect(prev('0 */30 * * * *', '2030-06-03T10:45:00Z')).toBe('2030-06-03T10:30:00.000Z');
  });

  it('says a schedule is due when it fired after the last start, or when nothing ever ran', () => {
    const every30 = parseCron('*/30 * * * *');
    expect(isDue(every30, null, at('2030-06-03T10:05:00Z'))).toBe(true);
    expect(isDue(every30, '2030-06-03T10:00:30Z', at('2030-06-03T10:29:00Z'))).toBe(false);
    expect(isDue(every30, '2030-06-03T10:00:30Z', at('2030-06-03T10:30:10Z'))).toBe(true);
    // A missed trigger does not lose the run: the next one still sees it due.
    expect(isDue(every30, '2030-06-03T10:00:30Z', at('2030-06-03T11:47:00Z'))).toBe(true);
  });

  it.each(['* * * *', '60 * * * *', '* 24 * * *', '5-1 * * * *', '*/0 * * * *', 'x * * * *', '* * 0 * *'])(
    'rejects %s',
    (expr) => {
      expect(() => parseCron(expr)).toThrow(CronError);
    },
  );
});
