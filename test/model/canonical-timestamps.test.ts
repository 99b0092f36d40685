// Timestamps already in our form (`YYYY-MM-DDTHH:MM:SSZ`) are taken as sent, without the general
// parser (normalize-values.ts canonicalUtc): they must read exactly as that parser reads them,
// impossible dates and times included. A leading space keeps a string off the fast path (it takes
// 20-character strings only), so the same timestamp with one is the general parser's answer.
import { describe, expect, it } from 'vitest';
import { readDateTime, toUtcIso } from '../../src/model/normalize-values.js';
import type { DataWarning } from '../../src/model/types.js';

const two = (n: number) => String(n).padStart(2, '0');

function* canonicalShaped(): Generator<string> {
  for (const year of ['2024', '2023', '2000', '1900'])
    for (let month = 0; month <= 13; month++)
      for (const day of [0, 1, 28, 29, 30, 31, 32])
        for (const [h, m, s] of [
          [0, 0, 0],
          [23, 59, 59],
          [24, 0, 0],
          [12, 60, 0],
          [12, 30, 60],
          [12, 30, 61],
        ])
          yield `${year}-${two(month)}-${two(day)}T${two(h!)}:${two(m!)}:${two(s!)}Z`;
}

describe('timestamps already in the canonical form', () => {
  it('read as the general parser reads them, valid or not', () => {
    let valid = 0;
    for (const t of canonicalShaped()) {
      const general = toUtcIso(` ${t}`);
      expect(toUtcIso(t), t).toBe(general);
      const fast: DataWarning[] = [];
      const slow: DataWarning[] = [];
      expect(readDateTime(t, fast, '', 'last_updated'), t).toBe(
        readDateTime(` ${t}`, slow, '', 'last_updated'),
      );
      expect(
        fast.map((w) => w.rule),
        t,
      ).toEqual(slow.map((w) => w.rule));
      if (general === t) valid++;
    }
    // Both kinds are exercised: most of the grid is a real time, a good part is not.
    expect(valid).toBeGreaterThan(300);
    expect(valid).toBeLessThan(2352);
  });

  it('keep a leap day only in a leap year, and a 60th second as the 59th', () => {
    expect(toUtcIso('2024-02-29T10:00:00Z')).toBe('2024-02-29T10:00:00Z');
    expect(toUtcIso('2000-02-29T10:00:00Z')).toBe('2000-02-29T10:00:00Z');
    expect(toUtcIso('1900-02-29T10:00:00Z')).toBeNull();
    expect(toUtcIso('2024-06-30T23:59:60Z')).toBe('2024-06-30T23:59:59Z');
  });
});
