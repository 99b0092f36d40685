// Site fields by precedence with provenance, status from the freshest live source, stable ids with
// merges and splits, and the overrides file.
import { describe, expect, it } from 'vitest';
import { buildSiteDocument } from '../../src/dedupe/build-site.js';
import { dedupeRecords } from '../../src/dedupe/dedupe-records.js';
import { OverridesFileError, parseOverrides } from '../../src/dedupe/overrides.js';
import { assignSiteIds, freshSiteId } from '../../src/dedupe/site-ids.js';
import type { SourceRecord } from '../../src/dedupe/types.js';
import { evse, location, offset, record } from './builders.js';

function site(records: SourceRecord[], options = {}) {
  const result = dedupeRecords(records, options);
  expect(result.clusters).toHaveLength(1);
  return buildSiteDocument(records, result.roles);
}

describe('site fields', () => {
  const at = { lat: 48.89233, lon: 9.18329 };
  const operator = { name: 'SWLB Mobilität GmbH', website: 'https://www.swlb-mobilitaet.de' };
  const cpo = location('1588625', {
    ...at,
    name: 'LB Brenzstraße 2',
    address: 'Brenzstraße 2',
    city: null,
    operator,
    evses: [evse('e1', 'DE*SLB*E001', 'CHARGING', '2026-04-02T14:00:00Z')],
    lastUpdated: '2026-04-02T14:20:11Z',
  });
  const register = location('1000779', {
    ...offset(at.lat, at.lon, 3, 0),
    partyId: 'BNA',
    address: 'Brenzstraße 2',
    city: 'Ludwigsburg',
    postalCode: '71636',
    operator: { name: 'Stadtwerke Ludwigsburg-Kornwestheim GmbH', website: null },
    evses: [evse('1', null, 'UNKNOWN')],
    lastUpdated: '2016-08-04T00:00:00Z',
  });

  it("takes each field from the CPO's own feed first and fills gaps from the register, saying where each came from", () => {
    const doc = site([record('bnetza', 'bnetza-json', register), record('swlb', 'ocpi', cpo)]);
    expect(doc.name).toEqual({
      value: 'LB Brenzstraße 2',
      source: 'swlb',
      record: '1588625',
      last_updated: '2026-04-02T14:20:11Z',
    });
    expect(doc.coordinates.source).toBe('swlb');
    expect(doc.operator?.value).toBe('SWLB Mobilität GmbH');
    expect(doc.operator_website?.value).toBe('https://www.swlb-mobilitaet.de');
    expect(doc.city).toEqual({
      value: 'Ludwigsburg',
      source: 'bnetza',
      record: '1000779',
      last_updated: '2016-08-04T00:00:00Z',
    });
    expect(doc.postal_code?.source).toBe('bnetza');
    expect(doc.members.map((s) => [s.source, s.kind])).toEqual([
      ['swlb', 'cpo'],
      ['bnetza', 'register'],
    ]);
  });

  it('ranks an access point over crowd data, whatever is newer', () => {
    const nap = location('n1', {
      ...at,
      name: 'From the NAP',
      lastUpdated: '2020-01-01T00:00:00Z',
      evses: [evse('x', 'DE*SLB*E001')],
    });
    const crowd = location('c1', {
      ...at,
      name: 'From the crowd',
      partyId: 'OCM',
      lastUpdated: '2026-01-01T00:00:00Z',
      evses: [evse('y', 'DE*SLB*E001')],
    });
    const doc = site([record('ocm', 'ocm', crowd), record('nap', 'ocpi', nap)], {
      sourceKinds: { nap: 'nap' },
    });
    expect(doc.name?.value).toBe('From the NAP');
  });

  it('breaks a tie of kind by the newest last_updated', () => {
    const older = location('old', {
      ...at,
      name: 'Old name',
      lastUpdated: '2025-01-01T00:00:00Z',
      evses: [evse('x', 'NL*FAS*E1')],
    });
    const newer = location('new', {
      ...at,
      name: 'New name',
      lastUpdated: '2026-01-01T00:00:00Z',
      evses: [evse('y', 'NL*FAS*E1')],
    });
    const doc = site([record('a', 'ocpi', older), record('b', 'ocpi', newer)]);
    expect(doc.name?.value).toBe('New name');
  });

  it('takes status from the live source whose EVSE statuses are freshest (NDW copies disagreeing)', () => {
    const copyA = location('50008', {
      ...at,
      evses: [evse('5002825', 'NLFASE3103606', 'AVAILABLE', '2026-06-07T19:16:47Z')],
      lastUpdated: '2026-06-07T19:16:47Z',
    });
    const copyB = location('9d141f48', {
      ...at,
      evses: [evse('5002825', 'NLFASE3103606', 'CHARGING', '2026-06-07T19:20:00Z')],
      lastUpdated: '2026-02-10T10:59:11Z',
    });
    const doc = site([record('ndw', 'ocpi', copyA), record('ndw', 'ocpi', copyB)], {
      sourceKinds: { ndw: 'nap' },
    });
    expect(doc.status).toEqual({
      value: { summary: 'OCCUPIED', counts: { CHARGING: 1 } },
      source: 'ndw',
      record: '9d141f48',
      last_updated: '2026-06-07T19:20:00Z',
    });
  });

  it('never takes status from a register, which does not know it', () => {
    const doc = buildSiteDocument([record('bnetza', 'bnetza-json', register)], new Map());
    expect(doc.status).toBeUndefined();
  });
});

describe('site ids', () => {
  const isFree = () => true;

  it('derives a new site id from its anchor member, the same on every run', () => {
    const plan = assignSiteIds({
      clusters: [['a', 'b']],
      anchors: ['a'],
      previous: new Map(),
      previousInScope: [],
      isFree,
    });
    expect(plan.ids).toEqual([freshSiteId('a')]);
    expect(plan.events).toEqual([]);
  });

  it('keeps the id members had, also when a new member joins', () => {
    const previous = new Map([
      ['a', 'S1'],
      ['b', 'S1'],
    ]);
    const plan = assignSiteIds({
      clusters: [['a', 'b', 'c']],
      anchors: ['c'],
      previous,
      previousInScope: ['S1'],
      isFree,
    });
    expect(plan.ids).toEqual(['S1']);
  });

  it('records a merge and points the absorbed id at the kept one', () => {
    const previous = new Map([
      ['a', 'S1'],
      ['b', 'S1'],
      ['c', 'S2'],
    ]);
    const plan = assignSiteIds({
      clusters: [['a', 'b', 'c']],
      anchors: ['a'],
      previous,
      previousInScope: ['S1', 'S2'],
      isFree,
    });
    expect(plan.ids).toEqual(['S1']);
    expect(plan.mergedInto).toEqual(new Map([['S2', 'S1']]));
    expect(plan.events).toEqual([{ kind: 'merge', from: ['S1', 'S2'], to: ['S1'] }]);
    expect(plan.vanished).toEqual([]);
  });

  it('records a split: the larger part keeps the id, the other gets a new one', () => {
    const previous = new Map([
      ['a', 'S1'],
      ['b', 'S1'],
      ['c', 'S1'],
    ]);
    const plan = assignSiteIds({
      clusters: [['a', 'b'], ['c']],
      anchors: ['a', 'c'],
      previous,
      previousInScope: ['S1'],
      isFree,
    });
    expect(plan.ids).toEqual(['S1', freshSiteId('c')]);
    expect(plan.events).toEqual([{ kind: 'split', from: ['S1'], to: [freshSiteId('c'), 'S1'].sort() }]);
  });

  it('does not hand out an id another site holds', () => {
    const taken = freshSiteId('a');
    const plan = assignSiteIds({
      clusters: [['a']],
      anchors: ['a'],
      previous: new Map(),
      previousInScope: [],
      isFree: (id) => id !== taken,
    });
    expect(plan.ids[0]).not.toBe(taken);
    expect(plan.ids[0]).toBe(freshSiteId('a', 1));
  });
});

describe('overrides file', () => {
  it('reads "source:id" pairs and objects with an OCPI party', () => {
    const o = parseOverrides(
      JSON.stringify({
        always: [['lt-lakd:2430', 'lt-ocm:267697']],
        never: [[{ source: 'nl-ndw', id: '32413', country_code: 'NL', party_id: 'CKE' }, 'osm:a:b']],
      }),
      'overrides.json',
    );
    expect(o.always).toEqual([
      [
        { source: 'lt-lakd', id: '2430' },
        { source: 'lt-ocm', id: '267697' },
      ],
    ]);
    expect(o.never[0]![0]).toEqual({ source: 'nl-ndw', id: '32413', countryCode: 'NL', partyId: 'CKE' });
    expect(o.never[0]![1]).toEqual({ source: 'osm', id: 'a:b' });
  });

  it('names the file and the entry at fault, in one line', () => {
    expect(() => parseOverrides('{"always": [["no-colon", "a:1"]]}', 'ops/overrides.json')).toThrow(
      /^dedupe overrides file ops\/overrides\.json \(ATLAS_DEDUPE_OVERRIDES\) is invalid: always\.0\.0: [^\n]*$/,
    );
    expect(() => parseOverrides('{"always": [["a:1", "b:2"]], "never": [["b:2", "a:1"]]}', 'o.json')).toThrow(
      /never\.0: this pair is also listed under "always"/,
    );
    expect(() => parseOverrides('{', 'o.json')).toThrow(OverridesFileError);
  });

  it('says where its JSON breaks without quoting the file', () => {
    const parse = () => parseOverrides('{"always": [["a:1", b:2]]}', 'o.json');
    expect(parse).toThrow(OverridesFileError);
    expect(parse).toThrow(/is not valid JSON: an unexpected character/);
    expect(parse).not.toThrow(/b:2/);
    expect(() => parseOverrides('{"always": [["a:1" "b:2"]]}', 'o.json')).toThrow(/ at line 1, column 20$/);
  });
});
