// What /ogc hands the database of an items filter (src/api/ogc/pushdown.ts): only conditions every
// match satisfies, so the scan reads candidates rather than the whole box; the brute-force tests in
// ogc-cql2.test.ts show that no match is lost.
import { describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../src/api/ogc/collections.js';
import { parseItemsQuery } from '../../src/api/ogc/items-query.js';

const prefilter = (collection: 'sites' | 'locations', query: Record<string, string>) =>
  parseItemsQuery(query, COLLECTIONS[collection]!.queryables, collection).prefilter;

describe('the database share of an items filter', () => {
  it('datetime intervals become bounds on last_updated', () => {
    expect(prefilter('sites', { datetime: '2024-02-01T00:00:00Z/2024-05-31T12:00:00Z' })).toEqual({
      updatedSince: '2024-02-01T00:00:00Z',
      updatedUntil: '2024-05-31T12:00:00Z',
    });
    expect(prefilter('sites', { datetime: '../2024-04-01T00:00:00Z' })).toEqual({
      updatedUntil: '2024-04-01T00:00:00Z',
    });
  });

  it('comparisons either way round, BETWEEN, DATE and fractional seconds widen to whole seconds', () => {
    const filter =
      "TIMESTAMP('2024-05-01T00:00:00.5Z') < last_updated AND last_updated BETWEEN DATE('2024-01-01') AND DATE('2024-09-30')";
    expect(prefilter('locations', { filter })).toEqual({
      updatedSince: '2024-05-01T00:00:00Z',
      updatedUntil: '2024-10-01T00:00:00Z',
    });
  });

  it('max_power_kw lower bounds allow for the 0.1 kW rounding of the features', () => {
    expect(prefilter('sites', { filter: 'max_power_kw >= 50' })).toEqual({ rowMaxPowerAtLeastW: 49_950 });
    expect(prefilter('sites', { filter: 'max_power_kw BETWEEN 22 AND 50' })).toEqual({
      rowMaxPowerAtLeastW: 21_950,
    });
  });

  it('country goes to the database for locations only (a site resolves its country itself)', () => {
    expect(prefilter('locations', { filter: "country IN ('deu', 'FRA')" })).toEqual({
      countries: [
        { alpha3: 'DEU', alpha2: null },
        { alpha3: 'FRA', alpha2: null },
      ],
    });
    expect(prefilter('sites', { filter: "country = 'DEU'" })).toEqual({});
  });

  it('LIKE on a locations column served as stored goes to the database, escapes as written', () => {
    expect(
      prefilter('locations', {
        filter:
          "city LIKE '100\\%' AND operator LIKE 'Ion_%' AND name LIKE 'x%' AND source_location_id LIKE 'a%'",
      }),
    ).toEqual({
      likes: [
        { column: 'city', pattern: '100\\%' },
        { column: 'operator_name', pattern: 'Ion_%' },
        { column: 'ocpi_id', pattern: 'a%' },
      ],
    });
    // A site's name, city and operator are what dedupe resolved, not a member's column.
    expect(prefilter('sites', { filter: "city LIKE 'Utrecht'" })).toEqual({});
    // ILIKE (GDAL's draft cql-text): SQLite's LIKE folds ASCII only, so 'é%' would drop 'École'.
    expect(prefilter('locations', { filter: "city ILIKE 'é%'", 'filter-lang': 'cql-text' })).toEqual({});
  });

  it('nothing under OR or NOT, and no upper bound on power, is pushed', () => {
    for (const filter of [
      "last_updated > TIMESTAMP('2024-01-01T00:00:00Z') OR evse_count > 2",
      "NOT (last_updated > TIMESTAMP('2024-01-01T00:00:00Z'))",
      "city NOT LIKE 'x%'",
      'max_power_kw < 50',
      "last_updated <> TIMESTAMP('2024-01-01T00:00:00Z')",
      'evse_count > 2',
    ]) {
      expect(prefilter('sites', { filter }), filter).toEqual({});
    }
  });
});
