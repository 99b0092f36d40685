// iso() and toUtcIso() remember their last answer (a status PATCH asks each twice for the same
// value): the remembered answer must be the one for that value, also when values alternate, repeat
// after another, or are invalid.
import { describe, expect, it } from 'vitest';
import { iso } from '../../src/model/iso-time.js';
import { toUtcIso } from '../../src/model/normalize-values.js';

describe('remembered spellings', () => {
  it('iso() gives each instant its own spelling, asked in any order and in either form', () => {
    const a = Date.parse('2025-03-01T10:00:00.250Z');
    const b = a + 1_000;
    const asked = [a, a, b, a, new Date(a), new Date(b), b, b + 0.5, a];
    expect(asked.map((t) => iso(t))).toEqual(asked.map((t) => `${new Date(t).toISOString().slice(0, 19)}Z`));
    expect(() => iso(Number.NaN)).toThrow(RangeError);
    expect(() => iso(new Date(Number.NaN))).toThrow(RangeError);
    expect(iso(a)).toBe('2025-03-01T10:00:00Z');
  });

  it('toUtcIso() reads each string afresh when it differs from the last, and null stays null', () => {
    const cases: [string, string | null][] = [
      ['2024-01-01T00:30:00-02:30', '2024-01-01T03:00:00Z'],
      ['2024-01-01T00:30:00-02:30', '2024-01-01T03:00:00Z'],
      ['yesterday', null],
      ['yesterday', null],
      ['2024-01-01T00:30:00Z', '2024-01-01T00:30:00Z'],
      [' 2024-01-01T00:30:00Z', '2024-01-01T00:30:00Z'],
      ['2023-02-29T00:00:00Z', null],
      ['2024-01-01T00:30:00-02:30', '2024-01-01T03:00:00Z'],
    ];
    expect(cases.map(([s]) => toUtcIso(s))).toEqual(cases.map(([, want]) => want));
  });
});
