import { describe, expect, it } from 'vitest';
import { type ImportedRecord, parseRegister } from '../../../src/ingest/registers/index.js';

// The 2022 layout's header, as in the Köln file (including the register's typo "Ladeeinrichung").
const HEADER = [
  'Betreiber',
  'Straße',
  'Hausnummer',
  'Adresszusatz',
  'Postleitzahl',
  'Ort',
  'Bundesland',
  'Kreis/kreisfreie Stadt',
  'Breitengrad',
  'Längengrad',
  'Inbetriebnahmedatum',
  'Anschlussleistung',
  'Art der Ladeeinrichung',
  'Anzahl Ladepunkte',
  'Steckertypen1',
  'P1 [kW]',
  'Public Key1',
  'Steckertypen2',
  'P2 [kW]',
  'Public Key2',
  'Steckertypen3',
  'P3 [kW]',
  'Public Key3',
  'Steckertypen4',
  'P4 [kW]',
  'Public Key4',
];

const DEFAULT_ROW: Record<string, string> = {
  Betreiber: 'Stadtwerke Test GmbH',
  Straße: 'Testweg',
  Hausnummer: '7',
  Postleitzahl: '50667',
  Ort: 'Köln',
  Bundesland: 'Nordrhein-Westfalen',
  'Kreis/kreisfreie Stadt': 'Kreisfreie Stadt Köln',
  Breitengrad: '50,937417',
  Längengrad: '6,97069',
  Inbetriebnahmedatum: '22.07.21',
  Anschlussleistung: '22',
  'Art der Ladeeinrichung': 'Normalladeeinrichtung',
  'Anzahl Ladepunkte': '1',
  Steckertypen1: 'AC Steckdose Typ 2',
  'P1 [kW]': '22',
};

function csvLine(fields: Record<string, string>): string {
  return HEADER.map((name) => {
    const value = fields[name] ?? '';
    return /[;"\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
  }).join(';');
}

/** A register CSV as BNetzA publishes it: BOM, CRLF. */
function bnetzaCsv(...rows: Record<string, string>[]): string {
  return `\uFEFF${HEADER.join(';')}\r\n${rows.map((r) => csvLine({ ...DEFAULT_ROW, ...r })).join('\r\n')}\r\n`;
}

function only(records: Iterable<ImportedRecord>): ImportedRecord {
  const list = [...records];
  expect(list).toHaveLength(1);
  return list[0]!;
}

function onlyLocation(records: Iterable<ImportedRecord>) {
  const record = only(records);
  if (!record.ok) throw new Error(`quarantined: ${JSON.stringify(record.reason)}`);
  return record.location;
}

describe('BNetzA CSV (2022 layout)', () => {
  it('reads decimal-comma coordinates behind a BOM', () => {
    const location = onlyLocation(parseRegister('bnetza-csv', bnetzaCsv({})));
    expect(location).toMatchObject({
      countryCode: 'DE',
      partyId: 'BNA',
      country: 'DEU',
      lat: 50.937417,
      lon: 6.97069,
      address: 'Testweg 7',
      city: 'Köln',
      postalCode: '50667',
      state: 'Nordrhein-Westfalen',
      operator: { name: 'Stadtwerke Test GmbH', website: null },
      // Two-digit year: 22.07.21 is 2021-07-22.
      lastUpdated: '2021-07-22T00:00:00.000Z',
      warnings: [],
    });
  });

  it('converts decimal-comma kW to W', () => {
    const location = onlyLocation(parseRegister('bnetza-csv', bnetzaCsv({ 'P1 [kW]': '3,5' })));
    expect(location.evses[0]?.connectors[0]?.maxPowerW).toBe(3500);
  });

  it('keeps a quoted field with ";" inside in its column', () => {
    const location = onlyLocation(
      parseRegister('bnetza-csv', bnetzaCsv({ Betreiber: 'Netz; Service & "Co" KG' })),
    );
    expect(location.operator?.name).toBe('Netz; Service & "Co" KG');
    expect(location.lat).toBe(50.937417);
  });

  it('makes one EVSE per charge point, with the connectors its Steckertypen column lists', () => {
    const location = onlyLocation(
      parseRegister(
        'bnetza-csv',
        bnetzaCsv({
          'Anzahl Ladepunkte': '2',
          Steckertypen1: 'AC Steckdose Typ 2, AC Schuko',
          'P1 [kW]': '22',
          Steckertypen2: 'DC Kupplung Combo, DC CHAdeMO',
          'P2 [kW]': '50',
        }),
      ),
    );
    const summary = location.evses.map((e) => ({
      uid: e.uid,
      status: e.status,
      connectors: e.connectors.map((c) => [c.id, c.standard, c.format, c.powerType, c.maxPowerW]),
    }));
    expect(summary).toEqual([
      {
        uid: '1',
        status: 'UNKNOWN',
        connectors: [
          ['1', 'IEC_62196_T2', 'SOCKET', 'AC_3_PHASE', 22000],
          ['2', 'DOMESTIC_F', 'SOCKET', 'AC_1_PHASE', 22000],
        ],
      },
      {
        uid: '2',
        status: 'UNKNOWN',
        connectors: [
          ['1', 'IEC_62196_T2_COMBO', 'CABLE', 'DC', 50000],
          ['2', 'CHADEMO', 'CABLE', 'DC', 50000],
        ],
      },
    ]);
  });

  it('warns when Anzahl Ladepunkte disagrees with the charge points described', () => {
    const location = onlyLocation(parseRegister('bnetza-csv', bnetzaCsv({ 'Anzahl Ladepunkte': '3' })));
    expect(location.warnings).toEqual([expect.objectContaining({ field: 'evses', rule: 'count-mismatch' })]);
  });

  it('quarantines a row at 0,0', () => {
    const record = only(parseRegister('bnetza-csv', bnetzaCsv({ Breitengrad: '0', Längengrad: '0,0' })));
    expect(record).toMatchObject({ ok: false, reason: { field: 'Breitengrad', rule: 'null-island' } });
  });

  it('quarantines a row without coordinates, and one whose fields do not match the header', () => {
    const text = `${bnetzaCsv({ Längengrad: '' })}Kurz;Testweg;1\r\n`;
    const records = parseRegister('bnetza-csv', text);
    expect([...records]).toMatchObject([
      { ok: false, reason: { field: 'Längengrad', rule: 'missing-coordinates' } },
      { ok: false, reason: { field: '(row)', rule: 'field-count' } },
    ]);
    expect(records.summary).toEqual({ read: 2, imported: 0, quarantined: 2, skipped: 0 });
  });

  it('gives repeated rows stable hash ids with a -2, -3 suffix', () => {
    const text = bnetzaCsv({}, {}, { Hausnummer: '9' });
    const ids = () => [...parseRegister('bnetza-csv', text)].map((r) => (r.ok ? r.location.id : null));
    const [first, second, third] = ids();
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(second).toBe(`${first}-2`);
    expect(third).not.toBe(first);
    expect(ids()).toEqual([first, second, third]);
  });
});

function apiStation(overrides: Record<string, unknown> = {}) {
  return {
    id: 1000543,
    operator: { companyName: 'KL Energie GmbH', displayName: 'KL Energie echarge' },
    street: 'An Haus Bey',
    house_no: '16',
    postal_code: '41334',
    city: 'Nettetal',
    state: 'Nordrhein-Westfalen',
    coordinates: { latitude: 51.337719, longitude: 6.260828 },
    go_live_date: '30.05.2023',
    opening_hours_specification: '247',
    opening_days: [],
    evses: [
      {
        evse_id: 'DE*KL1*ETE200000107*01',
        connectors: [{ connector_type: 'AC Typ 2 Steckdose', max_electric_power_connector: 3.7 }],
      },
    ],
    ...overrides,
  };
}

const apiJson = (...stations: unknown[]) => JSON.stringify({ chargingStations: stations });

describe('BNetzA API JSON', () => {
  it('imports a station with its charge points, kW as W, the evse_id as a normalized ref, the display name as an operator alias', () => {
    const record = only(parseRegister('bnetza-json', apiJson(apiStation())));
    expect(record).toMatchObject({
      ok: true,
      location: {
        id: '1000543',
        countryCode: 'DE',
        partyId: 'BNA',
        address: 'An Haus Bey 16',
        operator: { name: 'KL Energie GmbH' },
        openingTimes: { twentyfourseven: true },
        lastUpdated: '2023-05-30T00:00:00.000Z',
        evses: [
          {
            uid: '1',
            evseId: 'DE*KL1*ETE200000107*01',
            connectors: [{ standard: 'IEC_62196_T2', format: 'SOCKET', maxPowerW: 3700, powerType: null }],
          },
        ],
      },
      externalRefs: [
        { kind: 'evse-id', value: 'DEKL1ETE20000010701' },
        { kind: 'operator-alias', value: 'KL Energie echarge' },
      ],
    });
  });

  it('reads opening_days by German weekday and drops the placeholder house number 0', () => {
    const location = onlyLocation(
      parseRegister(
        'bnetza-json',
        apiJson(
          apiStation({
            house_no: '0',
            opening_hours_specification: 'Keine Angabe',
            opening_days: [
              { weekday: 'Montag', open_from: '06:00', open_to: '22:00' },
              { weekday: 'Sonntag', open_from: '08:00', open_to: '20:00' },
            ],
          }),
        ),
      ),
    );
    expect(location.address).toBe('An Haus Bey');
    expect(location.openingTimes).toEqual({
      twentyfourseven: false,
      regularHours: [
        { weekday: 1, periodBegin: '06:00', periodEnd: '22:00' },
        { weekday: 7, periodBegin: '08:00', periodEnd: '20:00' },
      ],
      exceptionalOpenings: [],
      exceptionalClosings: [],
    });
  });

  it('keeps a connector without connector_type as UNKNOWN, with a warning', () => {
    const location = onlyLocation(
      parseRegister(
        'bnetza-json',
        apiJson(apiStation({ evses: [{ connectors: [{ max_electric_power_connector: 11 }] }] })),
      ),
    );
    expect(location.evses[0]?.connectors[0]).toMatchObject({ standard: 'UNKNOWN', maxPowerW: 11000 });
    expect(location.warnings).toContainEqual({
      field: 'evses[0].connectors[0].connector_type',
      rule: 'missing',
    });
  });

  it('quarantines a station at 0,0 and keeps the others', () => {
    const records = parseRegister(
      'bnetza-json',
      apiJson(apiStation({ id: 1, coordinates: { latitude: 0, longitude: 0 } }), apiStation({ id: 2 })),
    );
    expect(
      [...records].map((r) => (r.ok ? r.location.id : `quarantined ${r.recordId} ${r.reason.rule}`)),
    ).toEqual(['quarantined 1 null-island', '2']);
    expect(records.summary).toEqual({ read: 2, imported: 1, quarantined: 1, skipped: 0 });
  });

  it('quarantines a file that is not JSON as one record', () => {
    const records = parseRegister('bnetza-json', '{"chargingStations": [');
    expect([...records]).toMatchObject([
      { ok: false, recordId: null, reason: { field: '(file)', rule: 'json' } },
    ]);
  });
});
