import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type ImportedRecord,
  ocmOperatorsFromReference,
  parseRegister,
} from '../../../src/ingest/registers/index.js';
import { OCM_CONNECTION_TYPES, OCM_COUNTRY_ALPHA2 } from '../../../src/ingest/registers/ocm-tables.js';
import { registerFixture, sharedData } from './shared-data.js';

interface ReferenceData {
  ConnectionTypes: { ID: number; Title: string }[];
  Countries: { ID: number; ISOCode: string }[];
}

// OCM's reference data: only tests use it; production decodes ids with the tables in ocm-tables.ts.
const referenceJson: unknown = JSON.parse(
  readFileSync(sharedData('lt-ocm-export-sample', 'ocm-data_reference.json'), 'utf8'),
);
const reference = referenceJson as ReferenceData;
const operators = ocmOperatorsFromReference(referenceJson);

const compactText = readFileSync(registerFixture('ocm-compact-pois.json'), 'utf8');
const verboseText = readFileSync(registerFixture('ocm-verbose-pois.json'), 'utf8');

function imported(records: Iterable<ImportedRecord>) {
  return [...records].map((r) => {
    if (!r.ok) throw new Error(`quarantined: ${JSON.stringify(r.reason)}`);
    return { location: r.location, externalRefs: r.externalRefs };
  });
}

/** The verbose form with every *ID field that has a nested object beside it removed. */
function withoutIdFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIdFields);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  const nested: Record<string, string> = { OperatorID: 'OperatorInfo', CountryID: 'Country' };
  return Object.fromEntries(
    Object.entries(object)
      .filter(([key]) => {
        const sibling =
          nested[key] ?? (key.endsWith('TypeID') || key.endsWith('ProviderID') ? key.slice(0, -2) : null);
        return !(sibling && object[sibling] != null);
      })
      .map(([key, v]) => [key, withoutIdFields(v)]),
  );
}

describe('Open Charge Map POIs', () => {
  it('reads the compact and the verbose form of the same POIs into the same Locations', () => {
    const compact = imported(parseRegister('ocm', compactText, { ocmOperators: operators }));
    const verbose = imported(parseRegister('ocm', verboseText));
    expect(verbose).toEqual(compact);
    const nestedOnly = imported(
      parseRegister('ocm', JSON.stringify(withoutIdFields(JSON.parse(verboseText)))),
    );
    expect(nestedOnly).toEqual(compact);
  });

  it('maps a POI to the canonical model: connections become EVSEs per unit, kW become W', () => {
    const [hub] = imported(parseRegister('ocm', verboseText));
    expect(hub?.location).toMatchObject({
      countryCode: 'LT',
      partyId: 'OCM',
      id: '990001',
      country: 'LTU',
      name: 'Atlas test hub Kaunas',
      address: 'Savanorių pr. 1000, P2 deck',
      city: 'Kaunas',
      postalCode: 'LT-50001',
      state: null,
      operator: { name: 'Ionity', website: 'http://www.ionity.eu/' },
      lastUpdated: '2025-01-15T08:30:00.000Z',
      warnings: [],
    });
    const evses = hub?.location.evses.map((e) => [
      e.uid,
      e.status,
      e.connectors.map((c) => [c.standard, c.format, c.powerType, c.maxPowerW]),
    ]);
    expect(evses).toEqual([
      ['990201-1', 'UNKNOWN', [['IEC_62196_T2_COMBO', 'CABLE', 'DC', 350000]]],
      ['990201-2', 'UNKNOWN', [['IEC_62196_T2_COMBO', 'CABLE', 'DC', 350000]]],
      ['990202', 'UNKNOWN', [['IEC_62196_T2', 'SOCKET', 'AC_3_PHASE', 22200]]],
      // Avcon (ID 7) has no OCPI type: kept raw; StatusTypeID 150 "Planned For Future Date" -> PLANNED.
      ['990203', 'PLANNED', [['OCM:7', null, null, null]]],
    ]);
    expect(hub?.externalRefs).toEqual([]);
  });

  it('links a POI imported from a register to that register id, and drops the placeholder operator', () => {
    const [, imported29] = imported(parseRegister('ocm', verboseText));
    expect(imported29?.externalRefs).toEqual([{ kind: 'register-id', value: '4242', provider: '29' }]);
    expect(imported29?.location).toMatchObject({
      countryCode: 'DE',
      country: 'DEU',
      operator: null,
      city: null,
    });
    expect(imported29?.location.warnings).toEqual([{ field: 'city', rule: 'missing' }]);
  });

  it('leaves the operator empty for a compact POI when no operator names are given', () => {
    const [hub] = imported(parseRegister('ocm', compactText));
    expect(hub?.location.operator).toBeNull();
  });

  it('quarantines a POI at 0,0 and one without an ID, and keeps the rest', () => {
    const pois = JSON.parse(compactText) as {
      ID?: number;
      AddressInfo: { Latitude: number; Longitude: number };
    }[];
    pois[0]!.AddressInfo.Latitude = 0;
    pois[0]!.AddressInfo.Longitude = 0;
    delete pois[1]!.ID;
    const records = parseRegister('ocm', JSON.stringify([...pois, JSON.parse(compactText)[1]]));
    expect([...records]).toMatchObject([
      { ok: false, recordId: '990001', reason: { field: 'AddressInfo.Latitude', rule: 'null-island' } },
      { ok: false, recordId: null, reason: { field: 'ID', rule: 'missing-id' } },
      { ok: true, location: { id: '990002' } },
    ]);
    expect(records.summary).toEqual({ read: 3, imported: 1, quarantined: 2, skipped: 0 });
  });

  it('quarantines a POI whose fields have the wrong type, naming the field', () => {
    const record = [
      ...parseRegister('ocm', JSON.stringify({ ID: 5, AddressInfo: { Latitude: 'north' } })),
    ][0];
    expect(record).toMatchObject({
      ok: false,
      recordId: '5',
      reason: { field: 'AddressInfo.Latitude', rule: 'schema' },
    });
  });
});

describe('OCM id tables written from the reference data', () => {
  it('decode every CountryID as the reference does', () => {
    const fromReference = Object.fromEntries(reference.Countries.map((c) => [c.ID, c.ISOCode]));
    expect(OCM_COUNTRY_ALPHA2).toEqual(fromReference);
  });

  it('map only ConnectionTypeIDs the reference knows, to the standard its title names', () => {
    const titles = new Map(reference.ConnectionTypes.map((t) => [t.ID, t.Title]));
    const expectations: [RegExp, RegExp][] = [
      [/^IEC_62196_T2_COMBO$/, /CCS \(Type 2\)/],
      [/^IEC_62196_T1_COMBO$/, /CCS \(Type 1\)/],
      [/^IEC_62196_T2$/, /^Type 2/],
      [/^IEC_62196_T1$/, /J1772/],
      [/^CHADEMO$/, /CHAdeMO/],
      [/^TESLA_/, /Tesla/],
      [/^DOMESTIC_F$/, /Schuko/],
      [/^GBT_/, /GB-T/],
    ];
    for (const [id, kind] of Object.entries(OCM_CONNECTION_TYPES)) {
      const title = titles.get(Number(id));
      expect(title, `ConnectionTypeID ${id}`).toBeDefined();
      for (const [standard, titlePattern] of expectations) {
        if (standard.test(kind.standard)) expect(title, `ConnectionTypeID ${id}`).toMatch(titlePattern);
      }
    }
  });

  it('reads operator names from the reference, leaving out the placeholders', () => {
    expect(operators.get(3299)).toEqual({ name: 'Ionity', website: 'http://www.ionity.eu/' });
    expect(operators.has(1)).toBe(false); // "(Unknown Operator)"
    expect(operators.has(45)).toBe(false); // "(Business Owner at Location)"
  });
});
