// Operator aliases a source states itself: the BNetzA API's display name next to the company name,
// the parts of an Open Charge Map operator title. Read by the importers as `operator-alias`
// references, they count as the same operator in dedupe from the first co-location on.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dedupeRecords } from '../../src/dedupe/dedupe-records.js';
import { parseRegister } from '../../src/ingest/registers/index.js';
import { titleParts } from '../../src/ingest/registers/operator-alias-refs.js';
import { evse, location, offset, record } from './builders.js';

const at = { lat: 48.9, lon: 9.19 };
const clusterOf = (result: ReturnType<typeof dedupeRecords>, pk: string) =>
  result.clusters.find((c) => c.members.includes(pk))!.members;

function pair(aliases: string[]) {
  const cpo = record(
    'cpo',
    'ocpi',
    location('c', { ...at, operator: { name: 'Stadtlicht Laden', website: null }, evses: [evse('c', null)] }),
  );
  const reg = record(
    'reg',
    'bnetza-json',
    location('r', {
      ...offset(at.lat, at.lon, 20, 0),
      operator: { name: 'Energieversorgung Nordwest AG', website: null },
      evses: [evse('r', null)],
    }),
    aliases.map((value) => ({ kind: 'operator-alias' as const, value })),
  );
  return { cpo, reg, result: dedupeRecords([cpo, reg], {}) };
}

describe('stated operator aliases', () => {
  it('merge a brand and its company at 20 m that one co-location alone would keep apart', () => {
    const without = pair([]);
    expect(clusterOf(without.result, without.cpo.pk)).toEqual([without.cpo.pk]);
    const stated = pair(['Stadtlicht Laden']);
    expect(clusterOf(stated.result, stated.cpo.pk).sort()).toEqual([stated.cpo.pk, stated.reg.pk].sort());
  });

  it('an unrelated stated alias changes nothing', () => {
    const other = pair(['Ganz Andere Energie']);
    expect(clusterOf(other.result, other.cpo.pk)).toEqual([other.cpo.pk]);
  });

  it('are read from the BNetzA API: display names next to company names', () => {
    const text = gunzipSync(
      readFileSync('../shared/data/de-ludwigsburg-multisource/bnetza_api_subset.json.gz'),
    ).toString('utf8');
    const pairs = new Set<string>();
    for (const r of parseRegister('bnetza-json', text)) {
      if (!r.ok) continue;
      for (const ref of r.externalRefs)
        if (ref.kind === 'operator-alias') pairs.add(`${r.location.operator?.name} = ${ref.value}`);
    }
    // The subset's 11 operators: 4 state a display name other than the company name.
    expect([...pairs].sort()).toEqual([
      'KL Energie GmbH = KL Energie echarge',
      'McDreams Hotel GmbH = McDreams Hotels',
      'OUTLETCITY AG = OUTLETCITY METZINGEN',
      'Stadtwerke Düsseldorf AG = SWD AG',
    ]);
  });

  it('are read from Open Charge Map operator titles, without region markers', () => {
    expect(titleParts('Innogy SE (RWE eMobility)')).toEqual(['Innogy SE', 'RWE eMobility']);
    expect(titleParts('SWB / EWE')).toEqual(['SWB', 'EWE']);
    expect(titleParts('EasyGO (aka Carcharger.ie)')).toEqual(['EasyGO', 'Carcharger.ie']);
    expect(titleParts('Charge & Drive (Fortum - NO)')).toEqual(['Charge & Drive', 'Fortum']);
    expect(titleParts('Allego')).toEqual([]);
    const poi = {
      ID: 1,
      OperatorInfo: { ID: 3, Title: 'E.ON (DE)' },
      AddressInfo: { Title: 'x', Latitude: 50.1, Longitude: 8.1, CountryID: 87 },
      Connections: [],
    };
    const [rec] = [...parseRegister('ocm', JSON.stringify([poi]))];
    // "(DE)" only says where: the alias is the name without it, not "DE".
    expect(rec?.ok && rec.externalRefs).toEqual([{ kind: 'operator-alias', value: 'E.ON' }]);
  });
});
