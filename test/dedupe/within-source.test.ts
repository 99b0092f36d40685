// Dedupe inside one source: NDW's duplicates (one site under two location ids with the same EVSE
// ids) become one site; two sites of one operator 100 m apart stay two; register entries for the
// poles of one car park are one site.
import { describe, expect, it } from 'vitest';
import { dedupeRecords } from '../../src/dedupe/dedupe-records.js';
import { evse, location, offset, record } from './builders.js';
import { SOURCE } from './eval-sets.js';
import { ocpiFeedRecords } from './eval-sources.js';

function sitesOf(records: ReturnType<typeof record>[], options = {}) {
  const byPk = new Map(records.map((r) => [r.pk, r.recordId]));
  return dedupeRecords(records, options)
    .clusters.map((c) => c.members.map((pk) => byPk.get(pk)!).sort())
    .sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

describe('within one source', () => {
  it('makes one site of the two NDW location ids that publish Fastned Vrijenban with the same EVSEs', () => {
    const ndw = ocpiFeedRecords('ndw-delft', SOURCE.ndw);
    const sites = sitesOf(ndw, { sourceKinds: { [SOURCE.ndw]: 'nap' } });
    expect(sites).toContainEqual(['50008', '9d141f48-7892-11e9-a39f-42010a840fe1']);
    expect(sites).toContainEqual(['32413', 'd5db674c-2329-11ed-be32-42010aa40fc0']);
  });

  it('keeps two sites of one operator 100 m apart as two, on the same street and with the same equipment', () => {
    const here = { lat: 48.8923, lon: 9.1833 };
    const there = offset(here.lat, here.lon, 0, 100);
    const operator = { name: 'SWLB Mobilität GmbH', website: null };
    const a = location('A', { ...here, name: 'LB Brenzstraße 2', address: 'Brenzstraße 2', operator });
    const b = location('B', { ...there, name: 'LB Brenzstraße 12', address: 'Brenzstraße 12', operator });
    expect(sitesOf([record('cpo', 'ocpi', a), record('cpo', 'ocpi', b)])).toEqual([['A'], ['B']]);
  });

  it('keeps two locations of one OCPI feed apart at the same point when they share no EVSE id', () => {
    const operator = { name: 'Fastned', website: null };
    const a = location('A', {
      name: 'Fastned Vrijenban',
      address: 'Vrijenban A13',
      operator,
      evses: [evse('1', 'NL*FAS*E1')],
    });
    const b = location('B', {
      name: 'Fastned Vrijenban',
      address: 'Vrijenban A13',
      operator,
      evses: [evse('2', 'NL*FAS*E2')],
    });
    expect(sitesOf([record('ndw', 'ocpi', a), record('ndw', 'ocpi', b)])).toHaveLength(2);
  });

  it('makes one site of register stations for the poles of one car park, and keeps the one 100 m on apart', () => {
    const operator = { name: 'Stadtwerke Ludwigsburg-Kornwestheim GmbH', website: null };
    const garage = { lat: 48.892262, lon: 9.188451 };
    const poles = ['1000846', '1000847', '1000848'].map((id) =>
      location(id, { ...garage, address: 'Solitudestraße 24', operator, partyId: 'BNA' }),
    );
    const other = location('1000783', {
      ...offset(garage.lat, garage.lon, 100, 0),
      address: 'Solitudestraße 40',
      operator,
      partyId: 'BNA',
    });
    const sites = sitesOf([...poles, other].map((l) => record('bnetza', 'bnetza-json', l)));
    expect(sites).toEqual([['1000783'], ['1000846', '1000847', '1000848']]);
  });
});
