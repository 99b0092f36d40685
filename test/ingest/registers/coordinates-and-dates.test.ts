import { describe, expect, it } from 'vitest';
import {
  checkPlace,
  coordinateWarnings,
  GERMANY,
  parseDecimal,
} from '../../../src/ingest/registers/coordinates.js';
import { isoFromGermanDate, isoFromTimestamp } from '../../../src/ingest/registers/dates.js';
import { kwToW } from '../../../src/ingest/registers/location-builders.js';

const fields = { lat: 'lat', lon: 'lon' };

describe('register numbers, coordinates and dates', () => {
  it('parses decimal commas and points, and nothing else', () => {
    expect(parseDecimal('50,937417')).toBe(50.937417);
    expect(parseDecimal(' 6.97069 ')).toBe(6.97069);
    expect(parseDecimal('-0,5')).toBe(-0.5);
    expect(parseDecimal('')).toBeNull();
    expect(parseDecimal('1.234,5')).toBeNull();
    expect(parseDecimal('n/a')).toBeNull();
  });

  it('converts kW to whole W', () => {
    expect(kwToW(22.2)).toBe(22200);
    expect(kwToW(3.68)).toBe(3680);
    expect(kwToW(null)).toBeNull();
    expect(kwToW(-1)).toBeNull();
  });

  it('places valid coordinates and names the rule for the rest', () => {
    expect(checkPlace(50.9, 6.9, fields)).toEqual({ ok: true, lat: 50.9, lon: 6.9 });
    expect(checkPlace(0, 0, fields)).toMatchObject({
      ok: false,
      reason: { field: 'lat', rule: 'null-island' },
    });
    expect(checkPlace(95, 6.9, fields)).toMatchObject({
      ok: false,
      reason: { field: 'lat', rule: 'out-of-range' },
    });
    expect(checkPlace(50, -181, fields)).toMatchObject({
      ok: false,
      reason: { field: 'lon', rule: 'out-of-range' },
    });
    expect(checkPlace(null, 6.9, fields)).toMatchObject({
      ok: false,
      reason: { rule: 'missing-coordinates' },
    });
    expect(checkPlace(50, Number.NaN, fields)).toMatchObject({ ok: false, reason: { field: 'lon' } });
    // 0 latitude alone is a real place (the equator).
    expect(checkPlace(0, 6.9, fields).ok).toBe(true);
  });

  it('warns on copied axes and on places outside the register area', () => {
    expect(coordinateWarnings(50.9, 6.9, GERMANY)).toEqual([]);
    expect(coordinateWarnings(47.99147, 47.99147, GERMANY).map((w) => w.rule)).toEqual([
      'lat-equals-lon',
      'outside-register-area',
    ]);
  });

  it('reads the registers date spellings as UTC', () => {
    expect(isoFromGermanDate('04.08.2016')).toBe('2016-08-04T00:00:00.000Z');
    expect(isoFromGermanDate('22.07.21')).toBe('2021-07-22T00:00:00.000Z');
    expect(isoFromGermanDate('31.02.21')).toBeNull();
    expect(isoFromTimestamp('2022-07-21')).toBe('2022-07-21T00:00:00.000Z');
    expect(isoFromTimestamp('2023-02-14 15:54:11 UTC')).toBe('2023-02-14T15:54:11.000Z');
    expect(isoFromTimestamp('2018-10-03T23:52:00Z')).toBe('2018-10-03T23:52:00.000Z');
    expect(isoFromTimestamp('2023-03-22T08:24:03')).toBe('2023-03-22T08:24:03.000Z');
    expect(isoFromTimestamp('soon')).toBeNull();
  });
});
