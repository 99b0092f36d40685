// The `mapped` register type reads, with configuration alone, the BNetzA CSV, the IRVE file and a
// CPO's string-valued JSON, and produces what the dedicated importers (or the OCPI normalizer, for
// the feed the JSON was made from) produce for the same files: same ids, coordinates, EVSEs and
// connectors. The configs are the examples in docs/registers.md, read from there.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type ImportedRecord, parseRegister } from '../../../src/ingest/registers/index.js';
import type { Location } from '../../../src/model/types.js';
import { documentedMappedSources } from '../../helpers/documented-sources.js';
import { nestedStringValuedCpoJson, stringValuedCpoJson } from '../../helpers/string-valued-cpo.js';
import { sharedData } from './shared-data.js';

function mappingOf(id: string) {
  const mapping = documentedMappedSources().get(id)?.mapping;
  if (!mapping) throw new Error(`docs/registers.md has no mapped example "${id}"`);
  return mapping;
}

function parseBoth(dedicated: ReturnType<typeof parseRegister>, mapped: ReturnType<typeof parseRegister>) {
  const a = [...dedicated];
  const b = [...mapped];
  return { a, b, aSummary: dedicated.summary, bSummary: mapped.summary };
}

function byId(records: ImportedRecord[]): Map<string, Location> {
  return new Map(records.flatMap((r) => (r.ok ? [[r.location.id, r.location] as const] : [])));
}

/** What both importers must agree on: place, address, operator, dates, EVSEs and connectors. */
function shape(l: Location, fields: readonly (keyof Location)[]) {
  return {
    lat: l.lat,
    lon: l.lon,
    ...Object.fromEntries(fields.map((f) => [f, l[f]])),
    // The same instant, however it is spelt ("…31Z" from a feed, "…31.000Z" from a register).
    lastUpdated: new Date(l.lastUpdated).toISOString(),
    evses: l.evses.map((e) => ({
      uid: e.uid,
      evseId: e.evseId,
      status: e.status,
      connectors: e.connectors.map((c) => ({
        id: c.id,
        standard: c.standard,
        format: c.format,
        powerType: c.powerType,
        maxPowerW: c.maxPowerW,
      })),
    })),
  };
}

function expectSameLocations(
  expected: Map<string, Location>,
  actual: Map<string, Location>,
  fields: readonly (keyof Location)[],
) {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  const differing = [...expected].filter(
    ([id, l]) => JSON.stringify(shape(l, fields)) !== JSON.stringify(shape(actual.get(id)!, fields)),
  );
  if (differing.length > 0) {
    const [id, l] = differing[0]!;
    expect(shape(actual.get(id)!, fields), `${differing.length} differ, first ${id}`).toEqual(
      shape(l, fields),
    );
  }
}

/**
 * Maps a string-valued rendering of the Fastned feed (106 locations, 273 EVSEs) with the named
 * mapping and checks every record came through with the feed's own names, addresses and times.
 */
function mapsLikeTheFeed(feed: { text: string; locations: Location[] }, mapping: string) {
  const records = [...parseRegister('mapped', feed.text, { mapping: mappingOf(mapping) })];
  expect(records.every((r) => r.ok)).toBe(true);
  const mapped = byId(records);
  expect(mapped.size).toBe(106);
  expect([...mapped.values()].reduce((n, l) => n + l.evses.length, 0)).toBe(273);
  const expected = new Map(feed.locations.map((l) => [l.id, l]));
  expectSameLocations(expected, mapped, ['name', 'address', 'city', 'postalCode', 'country', 'lastUpdated']);
  return { mapped, expected };
}

describe('mapped registers, configured as in docs/registers.md', () => {
  it('the documented examples are valid sources-file entries', () => {
    expect([...documentedMappedSources().keys()].sort()).toEqual([
      'bnetza-koeln-mapped',
      'irve-mapped',
      'laadpalen-json',
      'laadpalen-nested-json',
    ]);
  });

  it('reads the Köln BNetzA CSV as the bnetza-csv importer does', () => {
    const text = readFileSync(sharedData('de-bnetza-koeln-csv', 'Ladesaeulenregister.csv'), 'utf8');
    const { a, b, aSummary, bSummary } = parseBoth(
      parseRegister('bnetza-csv', text),
      parseRegister('mapped', text, { mapping: mappingOf('bnetza-koeln-mapped') }),
    );
    expect(bSummary).toEqual(aSummary);
    expect(bSummary).toEqual({ read: 292, imported: 292, quarantined: 0, skipped: 0 });
    const mapped = byId(b);
    expect([...mapped.values()].reduce((n, l) => n + l.evses.length, 0)).toBe(521);
    expectSameLocations(byId(a), mapped, [
      'countryCode',
      'partyId',
      'address',
      'city',
      'postalCode',
      'state',
      'country',
      'operator',
      'lastUpdated',
    ]);
  });

  it('reads the IRVE file as the irve importer does, stations grouped from PDC rows', () => {
    const text = gunzipSync(readFileSync(sharedData('fr-irve-statique', 'irve-statique.json.gz'))).toString(
      'utf8',
    );
    const { a, b, aSummary, bSummary } = parseBoth(
      parseRegister('irve', text),
      parseRegister('mapped', text, { mapping: mappingOf('irve-mapped') }),
    );
    expect(bSummary).toEqual({ read: 25_092, imported: 25_091, quarantined: 1, skipped: 0 });
    expect(bSummary).toEqual(aSummary);
    expect(b.filter((r) => !r.ok)).toMatchObject([
      { recordId: 'FRQOVP3300007', reason: { rule: 'null-island' } },
    ]);
    // The dedicated importer also reads overseas territories and the city out of the address;
    // the mapping takes the party country FR for all and reads the postal code only.
    expectSameLocations(byId(a), byId(b), [
      'name',
      'address',
      'postalCode',
      'operator',
      'owner',
      'parkingType',
      'openingTimes',
      'lastUpdated',
    ]);
  });

  it('reads a CPO JSON with string values and Dutch names as the OCPI feed it was made from', () => {
    const feed = stringValuedCpoJson('fastned');
    expect(feed.text).not.toMatch(/":\s*(\d|true|false|null)/); // every value a string
    const { mapped } = mapsLikeTheFeed(feed, 'laadpalen-json');
    // Amperes and volts come through as numbers.
    const anyConnector = feed.locations[0]!.evses[0]!.connectors[0]!;
    const same = mapped.get(feed.locations[0]!.id)!.evses[0]!.connectors[0]!;
    expect([same.maxAmperage, same.maxVoltage]).toEqual([anyConnector.maxAmperage, anyConnector.maxVoltage]);
  });

  it('reads the same feed nested (locations > EVSEs > connectors, "id" at each level) as the feed', () => {
    const feed = nestedStringValuedCpoJson('fastned');
    const { mapped, expected } = mapsLikeTheFeed(feed, 'laadpalen-nested-json');
    // The operator's name from a nested object (the file has no website for it).
    const operators = (m: Map<string, Location>) =>
      [...m].map(([id, l]) => `${id}: ${l.operator?.name}`).sort();
    expect(operators(mapped)).toEqual(operators(expected));
  });
});
