import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ImportedRecord, parseRegister } from '../../../src/ingest/registers/index.js';
import type { Location } from '../../../src/model/types.js';
import { registerFixture } from './shared-data.js';

const csvText = readFileSync(registerFixture('irve-sample.csv'), 'utf8');

/** A PDC row as Qualicharge's NDJSON has it: typed values, coordonneesXY still a string. */
function pdc(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    nom_amenageur: 'Commune de Testville',
    nom_operateur: 'Atlas Recharge',
    id_station_itinerance: 'FRA01P0001',
    nom_station: 'Place de la Mairie',
    implantation_station: 'Voirie',
    adresse_station: '1 place de la Mairie, 21000 Dijon',
    code_insee_commune: '21231',
    coordonneesXY: '[5.041480, 47.322047]',
    nbre_pdc: 2,
    id_pdc_itinerance: 'FRA01E0001A',
    puissance_nominale: 22.0,
    prise_type_ef: false,
    prise_type_2: true,
    prise_type_combo_ccs: false,
    prise_type_chademo: false,
    prise_type_autre: false,
    paiement_cb: true,
    reservation: false,
    horaires: '24/7',
    date_maj: '2024-03-01',
    cable_t2_attache: null,
    ...overrides,
  };
}

const ndjson = (...rows: Record<string, unknown>[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;

function locations(records: Iterable<ImportedRecord>): Location[] {
  return [...records].flatMap((r) => (r.ok ? [r.location] : []));
}

describe('IRVE statique', () => {
  it('groups PDC rows into one Location per id_station_itinerance, even when the rows are not adjacent', () => {
    const text = ndjson(
      pdc({ id_pdc_itinerance: 'FRA01E0001A' }),
      pdc({ id_station_itinerance: 'FRA01P0002', id_pdc_itinerance: 'FRA01E0002A', nbre_pdc: 1 }),
      pdc({ id_pdc_itinerance: 'FRA01E0001B' }),
    );
    const records = parseRegister('irve', text);
    const result = locations(records);
    expect(result.map((l) => [l.id, l.evses.map((e) => e.uid)])).toEqual([
      ['FRA01P0001', ['FRA01E0001A', 'FRA01E0001B']],
      ['FRA01P0002', ['FRA01E0002A']],
    ]);
    expect(records.summary).toEqual({ read: 2, imported: 2, quarantined: 0, skipped: 0 });
  });

  it('maps a station: operator, owner, postal code and city from the address, kW as W, PDC ids as evse-id refs', () => {
    const [record] = [
      ...parseRegister(
        'irve',
        ndjson(
          pdc({ prise_type_ef: true, cable_t2_attache: true }),
          pdc({ id_pdc_itinerance: 'FRA01E0001B' }),
        ),
      ),
    ];
    expect(record).toMatchObject({
      ok: true,
      location: {
        countryCode: 'FR',
        partyId: 'IRV',
        id: 'FRA01P0001',
        country: 'FRA',
        lat: 47.322047,
        lon: 5.04148,
        name: 'Place de la Mairie',
        address: '1 place de la Mairie, 21000 Dijon',
        postalCode: '21000',
        city: 'Dijon',
        parkingType: 'ON_STREET',
        operator: { name: 'Atlas Recharge', website: null },
        owner: { name: 'Commune de Testville', website: null },
        openingTimes: { twentyfourseven: true },
        lastUpdated: '2024-03-01T00:00:00.000Z',
        warnings: [],
      },
      externalRefs: [
        { kind: 'evse-id', value: 'FRA01E0001A' },
        { kind: 'evse-id', value: 'FRA01E0001B' },
      ],
    });
    const first = record?.ok ? record.location.evses[0] : undefined;
    expect(first).toMatchObject({
      evseId: 'FRA01E0001A',
      status: 'UNKNOWN',
      capabilities: ['CREDIT_CARD_PAYABLE'],
    });
    expect(first?.connectors.map((c) => [c.id, c.standard, c.format, c.powerType, c.maxPowerW])).toEqual([
      ['1', 'DOMESTIC_E', 'SOCKET', 'AC_1_PHASE', 22000],
      ['2', 'IEC_62196_T2', 'CABLE', 'AC_3_PHASE', 22000],
    ]);
  });

  it('reads the CSV form with the same column names like the NDJSON form', () => {
    const fromCsv = parseRegister('irve', csvText);
    const csvLocations = locations(fromCsv);
    const fromNdjson = locations(
      parseRegister(
        'irve',
        ndjson(
          pdc({
            prise_type_ef: true,
            gratuit: false,
            paiement_acte: true,
            paiement_autre: false,
            cable_t2_attache: false,
            nom_enseigne: 'Testville',
            siren_amenageur: null,
          }),
          pdc({ id_pdc_itinerance: 'FRA01E0001B', cable_t2_attache: true }),
        ),
      ),
    );
    expect(csvLocations[0]).toEqual(fromNdjson[0]);
    // The fixture: 2 stations of 2 PDC each (interleaved, one address with a line break inside quotes),
    // one in Réunion, one at 0,0.
    expect(fromCsv.summary).toEqual({ read: 4, imported: 3, quarantined: 1, skipped: 0 });
  });

  it('reads the quoted multi-line address and the "autre" connector of the CSV fixture', () => {
    const station = locations(parseRegister('irve', csvText)).find((l) => l.id === 'FRA01P0002');
    expect(station).toMatchObject({
      address: 'Aire de Test Nord, A6 21320 Pouilly-en-Auxois',
      city: 'Pouilly-en-Auxois',
    });
    expect(station?.evses.map((e) => e.connectors.map((c) => [c.standard, c.maxPowerW]))).toEqual([
      [
        ['IEC_62196_T2_COMBO', 150000],
        ['CHADEMO', 150000],
      ],
      [['prise_type_autre', 50000]],
    ]);
    expect(station?.evses[0]?.capabilities).toEqual(['RESERVABLE', 'CREDIT_CARD_PAYABLE']);
  });

  it('gives an overseas station its own ISO country (Réunion: RE / REU)', () => {
    const station = locations(parseRegister('irve', csvText)).find((l) => l.id === 'FRA01P0974');
    expect(station).toMatchObject({
      countryCode: 'RE',
      country: 'REU',
      postalCode: '97420',
      city: 'Le Port',
      openingTimes: null,
    });
  });

  it('quarantines a station at 0,0 with all its PDC rows', () => {
    const text = ndjson(
      pdc({ coordonneesXY: '[0, 0]', id_station_itinerance: 'FRA01P0000' }),
      pdc({ coordonneesXY: '[0, 0]', id_station_itinerance: 'FRA01P0000', id_pdc_itinerance: 'FRA01E0000B' }),
    );
    const [record] = [...parseRegister('irve', text)];
    expect(record).toMatchObject({
      ok: false,
      recordId: 'FRA01P0000',
      reason: { field: 'coordonneesXY', rule: 'null-island' },
    });
    expect(record?.ok === false && Array.isArray(record.raw) ? record.raw.length : 0).toBe(2);
  });

  it('keeps a station whose coordinates are implausible, with warnings', () => {
    // Real cases: FRROSE3861 has [46.467775, 46.467775]; FRC2P0080011 (Guadeloupe) lat/lon swapped.
    const [same] = locations(
      parseRegister('irve', ndjson(pdc({ coordonneesXY: '[46.467775, 46.467775]', nbre_pdc: 1 }))),
    );
    expect(same?.warnings.map((w) => w.rule)).toEqual(['lat-equals-lon', 'outside-register-area']);
  });

  it('warns when nbre_pdc disagrees with the PDC rows present', () => {
    const [station] = locations(parseRegister('irve', ndjson(pdc({ nbre_pdc: 16 }))));
    expect(station?.warnings).toEqual([
      { field: 'evses', rule: 'count-mismatch', detail: 'nbre_pdc 16, 1 PDC rows' },
    ]);
  });

  it('quarantines an unparseable line and a row without station id on their own', () => {
    const text = `${ndjson(pdc({}))}{"id_station_itinerance": oops}\n${ndjson(pdc({ id_station_itinerance: null, id_pdc_itinerance: 'FRX' }))}`;
    const records = parseRegister('irve', text);
    expect([...records]).toMatchObject([
      { ok: false, recordId: null, reason: { field: '(line 2)', rule: 'unparseable-row' } },
      { ok: false, recordId: 'FRX', reason: { field: 'id_station_itinerance', rule: 'missing-id' } },
      { ok: true, location: { id: 'FRA01P0001' } },
    ]);
    expect(records.summary).toEqual({ read: 3, imported: 1, quarantined: 2, skipped: 0 });
  });
});
