import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ImportedRecord, parseRegister } from '../../../src/ingest/registers/index.js';
import type { Location } from '../../../src/model/types.js';
import { sharedData } from './shared-data.js';

function headerOf(file: string): string[] {
  const text = readFileSync(sharedData('us-afdc-wa', file), 'utf8').replace(/^\uFEFF/, '');
  return text.slice(0, text.indexOf('\n')).split(',');
}

// The real headers of both snapshots: 2023-03 has 70 columns, 2025-11 the same 70 plus 5 appended.
const HEADER_70 = headerOf('alt_fuel_stations_WA_2023-03.csv');
const HEADER_75 = headerOf('alt_fuel_stations_WA_2025-11.csv');

const STATION: Record<string, string> = {
  'Fuel Type Code': 'ELEC',
  'Station Name': 'Atlas Test Garage',
  'Street Address': '100 Test Ave',
  City: 'Spokane',
  State: 'WA',
  ZIP: '99201',
  'Status Code': 'E',
  'EV Level1 EVSE Num': '1',
  'EV Level2 EVSE Num': '2',
  'EV DC Fast Count': '1',
  'EV Network': 'ChargePoint Network',
  Latitude: '47.658',
  Longitude: '-117.424',
  ID: '999001',
  'Updated At': '2025-06-06 18:42:11 UTC',
  'EV Connector Types': 'J1772 J1772COMBO NEMA515 TESLA',
  Country: 'US',
  'Access Days Time': '24 hours daily',
  'Facility Type': 'PARKING_GARAGE',
  // Columns only the 75-column layout has:
  'Maximum Vehicle Class': 'LD',
  'EV Workplace Charging': 'false',
};

function afdcCsv(header: string[], ...rows: Record<string, string>[]): string {
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [header.join(','), ...rows.map((row) => header.map((h) => quote(row[h] ?? '')).join(','))].join(
    '\n',
  );
}

function locations(records: Iterable<ImportedRecord>): Location[] {
  return [...records].flatMap((r) => (r.ok ? [r.location] : []));
}

describe('AFDC CSV', () => {
  it('reads a station the same from the 70-column and the 75-column layout', () => {
    expect(HEADER_70).toHaveLength(70);
    expect(HEADER_75).toHaveLength(75);
    expect(HEADER_75.slice(0, 70)).toEqual(HEADER_70);
    const from70 = locations(parseRegister('afdc-csv', afdcCsv(HEADER_70, STATION)));
    const from75 = locations(parseRegister('afdc-csv', afdcCsv(HEADER_75, STATION)));
    expect(from70).toHaveLength(1);
    expect(from75).toEqual(from70);
  });

  it('maps a station and synthesizes one EVSE per port, by level', () => {
    const [station] = locations(parseRegister('afdc-csv', afdcCsv(HEADER_75, STATION)));
    expect(station).toMatchObject({
      countryCode: 'US',
      partyId: 'AFD',
      id: '999001',
      country: 'USA',
      name: 'Atlas Test Garage',
      address: '100 Test Ave',
      city: 'Spokane',
      state: 'WA',
      postalCode: '99201',
      parkingType: 'PARKING_GARAGE',
      operator: { name: 'ChargePoint Network', website: null },
      openingTimes: { twentyfourseven: true },
      lastUpdated: '2025-06-06T18:42:11.000Z',
      warnings: [],
    });
    const evses = station?.evses.map((e) => [
      e.uid,
      e.status,
      e.connectors.map((c) => `${c.standard}/${c.powerType}`),
    ]);
    expect(evses).toEqual([
      // The 120 V outlet is Level 1; J1772 is Level 2; CCS1, and Tesla (the station has DC ports), are DC.
      ['L1-1', 'UNKNOWN', ['DOMESTIC_B/AC_1_PHASE']],
      ['L2-1', 'UNKNOWN', ['IEC_62196_T1/AC_1_PHASE']],
      ['L2-2', 'UNKNOWN', ['IEC_62196_T1/AC_1_PHASE']],
      ['DC-1', 'UNKNOWN', ['IEC_62196_T1_COMBO/DC', 'TESLA_S/DC']],
    ]);
  });

  it('puts a Tesla connector on AC ports when the station has no DC ports (Destination chargers)', () => {
    const row = {
      ...STATION,
      'EV Level1 EVSE Num': '',
      'EV DC Fast Count': '',
      'EV Connector Types': 'TESLA',
    };
    const [station] = locations(parseRegister('afdc-csv', afdcCsv(HEADER_75, row)));
    expect(station?.evses.map((e) => [e.uid, e.connectors.map((c) => c.standard)])).toEqual([
      ['L2-1', ['TESLA_S']],
      ['L2-2', ['TESLA_S']],
    ]);
  });

  it('marks a planned station PLANNED, the only life-cycle fact AFDC gives', () => {
    const [station] = locations(
      parseRegister('afdc-csv', afdcCsv(HEADER_75, { ...STATION, 'Status Code': 'P' })),
    );
    expect(new Set(station?.evses.map((e) => e.status))).toEqual(new Set(['PLANNED']));
  });

  it('skips and counts other fuel types, and quarantines a station without coordinates', () => {
    const records = parseRegister(
      'afdc-csv',
      afdcCsv(
        HEADER_70,
        { ...STATION, 'Fuel Type Code': 'LPG', ID: '1' },
        { ...STATION, ID: '2', Latitude: '' },
        { ...STATION, ID: '3', Latitude: '0', Longitude: '0' },
        { ...STATION, ID: '4' },
      ),
    );
    expect([...records]).toMatchObject([
      { ok: false, recordId: '2', reason: { field: 'Latitude', rule: 'missing-coordinates' } },
      { ok: false, recordId: '3', reason: { rule: 'null-island' } },
      { ok: true, location: { id: '4' } },
    ]);
    expect(records.summary).toEqual({ read: 4, imported: 1, quarantined: 2, skipped: 1 });
  });
});
