// Recall at short distances and text hygiene: a stale reference is no veto, HTML entities are
// decoded where records are normalized, feed boilerplate after "|" is ignored for matching only,
// operators that stand together again and again are learned as aliases, and a missing value is
// unknown rather than different.
import { describe, expect, it } from 'vitest';
import { dedupeRecords } from '../../src/dedupe/dedupe-records.js';
import { parseRegister } from '../../src/ingest/registers/index.js';
import { normalizeLocation } from '../../src/model/normalize-location.js';
import { connector, evse, location, offset, record } from './builders.js';

const site = (...pks: string[]) => pks.sort();
const clusterOf = (result: ReturnType<typeof dedupeRecords>, pk: string) =>
  result.clusters.find((c) => c.members.includes(pk))!.members;

const fast = (uid: string) => ({ ...evse(uid, null), connectors: [connector('CHADEMO', 50_000, 'DC')] });

describe('stale explicit references', () => {
  it('no longer block a 0 m match with the same connectors once the referenced id is gone', () => {
    const feed = record(
      'lakd',
      'ocpi',
      location('2430', { evses: [fast('a')], lat: 54.0095862, lon: 24.0285258 }),
    );
    const other = record('lakd', 'ocpi', location('504', { evses: [fast('b')], lat: 54.5, lon: 24.5 }));
    // The copy names 156, which LAKD no longer lists; provider 32 is known to import from LAKD.
    const copy = record(
      'ocm',
      'ocm',
      location('267697', { evses: [fast('c')], lat: 54.0095862, lon: 24.0285258, partyId: 'OCM' }),
      [{ kind: 'ocpi-location', value: '156', provider: '32' }],
    );
    const result = dedupeRecords([feed, other, copy], { refProviders: { '32': 'lakd' } });
    expect(clusterOf(result, copy.pk)).toEqual(site(copy.pk, feed.pk));
    // Still a copy of LAKD for field precedence: it ranks just below its origin.
    expect(result.roles.get(copy.pk)?.derivedFrom).toBe('lakd');
  });

  it('a resolved reference still keeps the copy away from the origin’s other records', () => {
    const origin = record('lakd', 'ocpi', location('156', { evses: [fast('a')], lat: 54.0, lon: 24.0 }));
    const neighbour = record('lakd', 'ocpi', location('2430', { evses: [fast('b')], lat: 54.0, lon: 24.0 }));
    const copy = record(
      'ocm',
      'ocm',
      location('1', { evses: [fast('c')], lat: 54.0, lon: 24.0, partyId: 'OCM' }),
      [{ kind: 'ocpi-location', value: '156', provider: '32' }],
    );
    const result = dedupeRecords([origin, neighbour, copy], {});
    expect(clusterOf(result, copy.pk)).toEqual(site(copy.pk, origin.pk));
  });
});

describe('text hygiene', () => {
  it('decodes HTML entities in OCPI names and addresses', () => {
    const raw = {
      id: 'L1',
      country_code: 'NL',
      party_id: 'ABC',
      publish: true,
      name: 'Parking &quot;Centrum&quot; &amp; Co &#252;ber &#x00E9;t&eacute;',
      address: 'Kerkstraat 1 &amp;amp; 2',
      city: 'Delft',
      country: 'NLD',
      coordinates: { latitude: '52.0', longitude: '4.35' },
      evses: [],
      last_updated: '2024-01-01T00:00:00Z',
    };
    const result = normalizeLocation(raw, '2.2.1');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.name).toBe('Parking "Centrum" & Co über été');
    expect(result.value.address).toBe('Kerkstraat 1 & 2');
  });

  it('decodes HTML entities in register text, and leaves text without a terminated entity alone', () => {
    const poi = {
      ID: 5,
      DataProviderID: 1,
      AddressInfo: {
        Title: 'Caf&eacute; &quot;Zur Post&quot;',
        AddressLine1: 'A&paragraph 1',
        CountryID: 87,
        Latitude: 50,
        Longitude: 7,
      },
      Connections: [],
    };
    const [rec] = [...parseRegister('ocm', JSON.stringify([poi]))];
    expect(rec?.ok).toBe(true);
    if (!rec?.ok) return;
    expect(rec.location.name).toBe('Café "Zur Post"');
    expect(rec.location.address).toBe('A&paragraph 1');
  });

  it('ignores "| operator | network" boilerplate when matching, and keeps it for display', () => {
    const here = { lat: 54.0, lon: 24.0 };
    const a = record(
      'nap',
      'ocpi',
      location('1', {
        ...here,
        name: 'Jerevan Druskininkai | Via Lietuva | Inbalance grid',
        evses: [fast('a')],
      }),
    );
    const b = record(
      'reg',
      'irve',
      location('2', {
        ...offset(here.lat, here.lon, 40, 0),
        name: 'Jerevan Druskininkai',
        evses: [fast('b')],
      }),
    );
    const result = dedupeRecords([a, b], {});
    expect(clusterOf(result, a.pk)).toEqual(site(a.pk, b.pk));
    expect(a.name).toContain('| Via Lietuva');
  });
});

describe('recall at short distances', () => {
  const at = { lat: 48.9, lon: 9.19 };
  const ac = (uid: string) => evse(uid, null);

  it('learns a brand and its operating company from repeated co-location, and merges their sites', () => {
    // Four places where the register names the company and the CPO feed the brand, 8-15 m apart,
    // each with a house number on one side only (missing = unknown, not different).
    const recs = [0, 1, 2, 3].flatMap((k) => {
      const p = offset(at.lat, at.lon, k * 500, 0);
      return [
        record(
          'cpo',
          'ocpi',
          location(`c${k}`, {
            ...p,
            address: `Hauptstraße ${10 + k}`,
            operator: { name: 'Stadtlicht Laden', website: null },
            evses: [ac(`c${k}`)],
          }),
        ),
        record(
          'reg',
          'bnetza-json',
          location(`r${k}`, {
            ...offset(p.lat, p.lon, 8 + k, 5),
            address: 'Hauptstraße',
            operator: { name: 'Energieversorgung Nordwest AG', website: null },
            evses: [ac(`r${k}`)],
          }),
        ),
      ];
    });
    const result = dedupeRecords(recs, {});
    for (let k = 0; k < 4; k++) {
      const c = recs[2 * k]!;
      const r = recs[2 * k + 1]!;
      expect(clusterOf(result, c.pk)).toEqual(site(c.pk, r.pk));
    }
  });

  it('does not learn an alias from a single co-location: different operators stay apart there', () => {
    const c = record(
      'cpo',
      'ocpi',
      location('c', { ...at, operator: { name: 'Stadtlicht Laden', website: null }, evses: [ac('c')] }),
    );
    const r = record(
      'reg',
      'bnetza-json',
      location('r', {
        ...offset(at.lat, at.lon, 20, 0),
        operator: { name: 'Energieversorgung Nordwest AG', website: null },
        evses: [ac('r')],
      }),
    );
    const result = dedupeRecords([c, r], {});
    expect(clusterOf(result, c.pk)).toEqual([c.pk]);
  });

  it('merges two nameless, operator-less records a few metres apart with the same plug', () => {
    const a = record('reg', 'bnetza-json', location('a', { ...at, evses: [ac('a')] }));
    const b = record(
      'crowd',
      'ocm',
      location('b', { ...offset(at.lat, at.lon, 5, 0), partyId: 'OCM', evses: [ac('b')] }),
    );
    expect(clusterOf(dedupeRecords([a, b], {}), a.pk)).toEqual(site(a.pk, b.pk));
  });

  it('a crowd record’s generic connector list does not keep it from its register twin at 3 m', () => {
    const a = record(
      'reg',
      'bnetza-json',
      location('a', { ...at, address: 'Marktplatz 3', evses: [fast('a')] }),
    );
    const b = record(
      'crowd',
      'ocm',
      location('b', {
        ...offset(at.lat, at.lon, 3, 0),
        partyId: 'OCM',
        address: 'Marktplatz 3',
        evses: [ac('b')],
      }),
    );
    expect(clusterOf(dedupeRecords([a, b], {}), a.pk)).toEqual(site(a.pk, b.pk));
  });
});
