// Every example payload of the OCPI spec (../shared/ocpi/examples, byte for byte) against our wire
// schemas and normalizers. Expectations, including the spec's own defects listed in
// examples/README.md, are written here, never by editing the files.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeEvse, normalizeHours, normalizeLocation } from '../../src/model/normalize-location.js';
import { normalizeTariff, summarizeTariff } from '../../src/model/normalize-tariff.js';
import type { DataWarning, OcpiVersion } from '../../src/model/types.js';
import { unwrapOcpiBody } from '../../src/ocpi/envelope.js';
import {
  credentialsSchemas,
  displayTextSchema,
  energyMixSchemas,
  evseSchemas,
  hoursSchema,
  type LocationDepth,
  locationSchemas,
  partialLocationPatchSchema,
} from '../../src/ocpi/schemas.js';
import { tariffSchemas, versionDetailsSchema, versionListSchema } from './wire-schemas.js';

const EXAMPLES = path.resolve(process.cwd(), '../shared/ocpi/examples');

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const FILES = listFiles(EXAMPLES)
  .map((f) => path.relative(EXAMPLES, f).split(path.sep).join('/'))
  .filter((f) => f !== 'README.md')
  .sort();

/** JSON of an example; `.json-fragment` blocks are verbatim `"key": {...}` and get wrapped here. */
function readExample(rel: string): unknown {
  const text = fs.readFileSync(path.join(EXAMPLES, rel), 'utf8');
  return JSON.parse(rel.endsWith('.json-fragment') ? `{${text}}` : text);
}

function versionOf(rel: string): OcpiVersion {
  const v = rel.split('/')[0];
  if (v === '2.1.1' || v === '2.2.1' || v === '2.3.0') return v;
  throw new Error(`no version folder in ${rel}`);
}

type Kind =
  | 'location'
  | 'evse-put'
  | 'location-patch'
  | 'tariff'
  | 'tariff-patch'
  | 'hours'
  | 'opening-times'
  | 'energy-mix'
  | 'credentials'
  | 'versions'
  | 'version-details'
  | 'envelope'
  | 'display-text';

function kindOf(rel: string): Kind {
  const name = path.basename(rel).replace(/\.json(-fragment)?$/, '');
  if (name.startsWith('location_example')) return 'location';
  if (name === 'location_put_example_add_evse') return 'evse-put';
  if (name.startsWith('location_patch_example_')) return 'location-patch';
  if (name === 'tariff_patch_example') return 'tariff-patch';
  if (name.startsWith('tariff')) return 'tariff';
  if (name.startsWith('location_hours_')) return 'hours';
  if (name === 'location_regularhours_example') return 'opening-times';
  if (name.startsWith('location_energymix_')) return 'energy-mix';
  if (name.startsWith('credentials_example')) return 'credentials';
  if (name === 'versions_info_example') return 'versions';
  if (name.startsWith('version_details_example')) return 'version-details';
  if (name.startsWith('transport_and_format_')) return 'envelope';
  if (name === 'type_displaytext_example') return 'display-text';
  throw new Error(`unclassified example ${rel}`);
}

const byKind = (kind: Kind) => FILES.filter((f) => kindOf(f) === kind);
const brief = (ws: DataWarning[]) => ws.map((w) => `${w.field}:${w.rule}`);

describe('the example set', () => {
  it('has every file classified, across all three version folders', () => {
    // 2.1.1: 24 + 4 in original-2.1.1-tag; 2.2.1: 49 + 1 removed in d2; 2.3.0: 51 + 2 in ed2.
    expect(FILES.length).toBe(131);
    for (const f of FILES) expect(() => kindOf(f)).not.toThrow();
  });
});

// Warnings we predict per Location example; any file not listed must normalize without warnings.
const LOCATION_WARNINGS: Record<string, string[]> = {
  // 2.1.1 has no owner ids in the body: taken from the eMI3 operator of BE-BEC-E041503001, whose
  // dashed 2.1.1 form fails the eMI3 pattern (SPEC-DIGEST §8: warn, don't reject).
  '2.1.1/location_example.json': [
    'evses[0].evse_id:invalid_format',
    'evses[1].evse_id:invalid_format',
    'country_code:derived',
    'party_id:derived',
  ],
  // First 2.1.1 release: EVSE `id` instead of `evse_id`, a connector without last_updated.
  '2.1.1/original-2.1.1-tag/location_example.json': [
    'evses[0].id:other_version_field',
    'evses[0].evse_id:invalid_format',
    'evses[1].id:other_version_field',
    'evses[1].evse_id:invalid_format',
    'evses[1].connectors[0].last_updated:missing',
    'country_code:derived',
    'party_id:derived',
  ],
  // v2.3.0 gives evses[].parking as plain strings; tolerated, warned (README "Schema violations").
  '2.3.0/location_example.json': ['evses[0].parking:wrong_type', 'evses[1].parking:wrong_type'],
  '2.3.0/location_example_parking_garage_opening_hours.json': ['evses[0].parking:wrong_type'],
};

describe('Location examples', () => {
  it.each(byKind('location'))('%s parses and normalizes', (rel) => {
    const version = versionOf(rel);
    const json = readExample(rel);
    expect(locationSchemas[version].safeParse(json).success).toBe(true);
    const r = normalizeLocation(json, version);
    if (!r.ok) throw new Error(`quarantined: ${r.reason.message}`);
    expect(brief(r.value.warnings)).toEqual(LOCATION_WARNINGS[rel] ?? []);
  });

  it('reads the Gent Zuid example the same in all three versions', () => {
    for (const rel of [
      '2.1.1/location_example.json',
      '2.2.1/location_example.json',
      '2.3.0/ed2/location_example.json',
    ]) {
      const r = normalizeLocation(readExample(rel), versionOf(rel));
      if (!r.ok) throw new Error(r.reason.message);
      const loc = r.value;
      expect([loc.countryCode, loc.partyId, loc.id, loc.country, loc.city]).toEqual([
        'BE',
        'BEC',
        'LOC1',
        'BEL',
        'Gent',
      ]);
      expect(loc.publish).toBe(true);
      expect(loc.evses.map((e) => e.uid)).toEqual(['3256', '3257']);
      // AC_3_PHASE, 220 V (line-to-neutral) x 16 A x 3 phases; no max_electric_power given.
      expect(loc.evses[0]!.connectors[0]).toMatchObject({ powerType: 'AC_3_PHASE', maxPowerW: 10560 });
    }
  });

  it('keeps the 2.1.1 5-decimal coordinates of the original tag as numbers', () => {
    const r = normalizeLocation(readExample('2.1.1/original-2.1.1-tag/location_example.json'), '2.1.1');
    expect(r.ok && [r.value.lat, r.value.lon]).toEqual([51.04759, 3.72994]);
  });

  it('keeps uc3 (publish=false) as unpublished, and uc2 with the same id as published', () => {
    for (const v of ['2.2.1', '2.3.0'] as const) {
      const uc2 = normalizeLocation(readExample(`${v}/location_example_uc2_destination_charger.json`), v);
      const uc3 = normalizeLocation(
        readExample(`${v}/location_example_uc3_destination_charger_not_published.json`),
        v,
      );
      if (!uc2.ok || !uc3.ok) throw new Error('quarantined');
      expect(uc2.value.id).toBe(uc3.value.id);
      expect([uc2.value.publish, uc3.value.publish]).toEqual([true, false]);
    }
  });
});

describe('location_put_example_add_evse.json (invalid in every version)', () => {
  // README: `floor` instead of floor_level, physical_reference the number 3, and a connector
  // without power_type, volts, amps and last_updated. Our choice: the connector is still
  // identified (id "1") and says what plug it has (IEC_62196_T2 socket), so it is KEPT with its
  // electrics unknown (null) and a `missing` warning for each absent required field, rather than
  // dropped; `floor` is an unknown field and ignored; physical_reference becomes "3".
  it.each(byKind('evse-put'))('%s is kept with the predicted warnings', (rel) => {
    const version = versionOf(rel);
    const json = readExample(rel);
    expect(evseSchemas[version].safeParse(json).success).toBe(true);
    const r = normalizeEvse(json, version);
    if (!r.ok) throw new Error(r.reason.message);
    const is211 = version === '2.1.1';
    expect(brief(r.warnings)).toEqual([
      // 2.1.1 uses the dashed BE-BEC-E041503003, which fails the eMI3 pattern.
      ...(is211 ? ['evse_id:invalid_format'] : []),
      'physical_reference:wrong_type',
      'connectors[0].power_type:missing',
      is211 ? 'connectors[0].voltage:missing' : 'connectors[0].max_voltage:missing',
      is211 ? 'connectors[0].amperage:missing' : 'connectors[0].max_amperage:missing',
      'connectors[0].last_updated:missing',
      // 2.1.1's EVSE also lacks last_updated.
      ...(is211 ? ['last_updated:missing'] : []),
    ]);
    expect(r.value.uid).toBe('3256');
    expect(r.value.physicalReference).toBe('3');
    expect(r.value.floorLevel).toBeNull();
    expect(r.value.connectors).toEqual([
      {
        id: '1',
        standard: 'IEC_62196_T2',
        format: 'SOCKET',
        powerType: null,
        maxVoltage: null,
        maxAmperage: null,
        maxPowerW: null,
        tariffIds: ['14'],
        termsAndConditions: null,
        lastUpdated: null,
      },
    ]);
  });
});

describe('Location PATCH bodies', () => {
  // Depth from the PUT/PATCH URLs in examples/README.md: …/1012 (Location), …/1012/3255 and
  // …/1012/3256 (EVSE), …/1012/3255/2 (Connector).
  const DEPTH: Record<string, LocationDepth> = {
    location_patch_example_location: 'location',
    location_patch_example_status: 'evse',
    location_patch_example_remove_evse: 'evse',
    location_patch_example_tariff: 'connector',
  };

  it.each(byKind('location-patch'))('%s parses with the partial schema of its depth', (rel) => {
    const depth = DEPTH[path.basename(rel, '.json')]!;
    const r = partialLocationPatchSchema(versionOf(rel), depth).safeParse(readExample(rel));
    expect(r.success).toBe(true);
  });

  it('requires last_updated in a 2.2+ PATCH, not in 2.1.1', () => {
    const body = readExample('2.1.1/location_patch_example_status.json');
    expect(partialLocationPatchSchema('2.1.1', 'evse').safeParse(body).success).toBe(true);
    expect(partialLocationPatchSchema('2.2.1', 'evse').safeParse(body).success).toBe(false);
  });

  it('still checks the type of the fields a PATCH does carry', () => {
    expect(
      partialLocationPatchSchema('2.2.1', 'connector').safeParse({ tariff_ids: 'x', last_updated: 'x' })
        .success,
    ).toBe(false);
  });
});

// Tariff examples: 2.1.1 bodies carry no owner, so the PUT URL's NL/TNM is passed as context.
const CTX_211 = { countryCode: 'NL', partyId: 'TNM' };

describe('Tariff examples', () => {
  it.each(byKind('tariff'))('%s parses and normalizes', (rel) => {
    const version = versionOf(rel);
    const json = readExample(rel);
    expect(tariffSchemas[version].safeParse(json).success).toBe(true);
    const r = normalizeTariff(json, version, version === '2.1.1' ? CTX_211 : {});
    if (!r.ok) throw new Error(r.reason.message);
    // README: every tariff_put_example.json lacks the required last_updated. Kept, warned.
    const expected = path.basename(rel) === 'tariff_put_example.json' ? ['last_updated:missing'] : [];
    expect(brief(r.value.warnings)).toEqual(expected);
  });

  it('gives tariff_put_example.json the placeholder last_updated', () => {
    const r = normalizeTariff(readExample('2.2.1/tariff_put_example.json'), '2.2.1');
    expect(r.ok && r.value.lastUpdated).toBe('1970-01-01T00:00:00Z');
  });

  it('maps 2.2.1 Price and 2.3.0 PriceLimit onto the same fields', () => {
    const v221 = normalizeTariff(readExample('2.2.1/tariff_12_025kwh_min_price.json'), '2.2.1');
    const v230 = normalizeTariff(readExample('2.3.0/tariff_12_025kwh_min_price.json'), '2.3.0');
    if (!v221.ok || !v230.ok) throw new Error('quarantined');
    expect(v221.value.minPrice).toEqual({ beforeTaxes: 0.5, afterTaxes: 0.55 });
    expect(v230.value.minPrice).toEqual({ beforeTaxes: 0.5, afterTaxes: 0.55 });
    expect([v221.value.taxIncluded, v230.value.taxIncluded]).toEqual([null, 'NO']);
  });

  it('summarizes the spec examples', () => {
    const summary = (rel: string) => {
      const r = normalizeTariff(readExample(rel), versionOf(rel), CTX_211);
      if (!r.ok) throw new Error(r.reason.message);
      return summarizeTariff(r.value);
    };
    expect(summary('2.2.1/tariff_5_free_of_charge.json')).toBe('Free of charge');
    expect(summary('2.1.1/tariff_free_of_charge_example.json')).toBe('Free of charge');
    expect(summary('2.2.1/tariff_1_simple_2hour.json')).toBe('2.00 EUR/h');
    expect(summary('2.2.1/tariff_9_025kwh_start.json')).toBe('0.50 EUR per session + 0.25 EUR/kWh');
    expect(summary('2.2.1/tariff_13_simple_3hour_5parking.json')).toBe('0.05 EUR/min + 5.00 EUR/h parking');
    expect(summary('2.2.1/tariff_6_025kwh_start_max_price.json')).toBe(
      '0.50 EUR per session + 0.25 EUR/kWh, max 10.00 EUR',
    );
    expect(summary('2.3.0/tariff_4_complex.json')).toBe(
      '2.50 EUR per session, 1.00 EUR/h below 32 A, 2.00 EUR/h from 32 A on Mon-Fri, ' +
        '1.25 EUR/h from 32 A on Sat, Sun, 5.00 EUR/h parking on Mon-Fri 09:00-18:00, ' +
        '0.10 EUR/min parking on Sat 10:00-17:00',
    );
    expect(summary('2.2.1/tariff_15_reservation_5_euro_per_hour.json')).toBe(
      '5.00 EUR/h while reserved, 0.50 EUR per session + 0.25 EUR/kWh',
    );
    expect(summary('2.2.1/tariffrestriction_example_max_duration.json')).toBe(
      '0.25 EUR/kWh for the first 1 h, 0.40 EUR/kWh',
    );
  });

  it('parses the 2.1.1 tariff PATCH body with a partial schema', () => {
    const [rel] = byKind('tariff-patch');
    expect(rel).toBe('2.1.1/tariff_patch_example.json');
    expect(tariffSchemas['2.1.1'].partial().safeParse(readExample(rel!)).success).toBe(true);
  });
});

describe('Hours examples', () => {
  it.each(byKind('hours'))('%s parses and normalizes', (rel) => {
    const version = versionOf(rel);
    const json = readExample(rel);
    expect(hoursSchema.safeParse(json).success).toBe(true);
    const w: DataWarning[] = [];
    expect(normalizeHours(json, version, w)).not.toBeNull();
    expect(w).toEqual([]);
  });

  it.each(byKind('opening-times'))('%s ({"opening_times": ...}) normalizes', (rel) => {
    const json = readExample(rel) as { opening_times: unknown };
    expect(hoursSchema.safeParse(json.opening_times).success).toBe(true);
    const w: DataWarning[] = [];
    const hours = normalizeHours(json.opening_times, versionOf(rel), w);
    expect(hours?.twentyfourseven).toBe(false);
    expect(hours?.regularHours.length).toBeGreaterThan(0);
    if (rel.includes('original-2.1.1-tag')) {
      // The first 2.1.1 release wrote DateTimes with +02:00 offsets: converted to UTC, warned.
      expect(hours?.exceptionalOpenings).toEqual([
        { periodBegin: '2014-06-21T07:00:00Z', periodEnd: '2014-06-21T10:00:00Z' },
      ]);
      expect(new Set(w.map((x) => x.rule))).toEqual(new Set(['timezone_offset']));
    } else {
      // The 2.1.1 fragment has both regular_hours and twentyfourseven:false: harmless, no warning.
      expect(w).toEqual([]);
    }
  });
});

describe('EnergyMix examples', () => {
  it.each(byKind('energy-mix'))('%s parses (or is the known-broken original)', (rel) => {
    if (rel === '2.1.1/original-2.1.1-tag/location_energymix_example_complete.json-fragment') {
      // README: trailing commas, not parseable JSON.
      expect(() => readExample(rel)).toThrow(SyntaxError);
      return;
    }
    const json = readExample(rel) as { energy_mix: unknown };
    const schema = versionOf(rel) === '2.1.1' ? energyMixSchemas['2.1.1'] : energyMixSchemas['2.2'];
    expect(schema.safeParse(json.energy_mix).success).toBe(true);
  });
});

describe('Credentials, versions, envelopes', () => {
  it.each(byKind('credentials'))('%s parses with its version schema', (rel) => {
    const version = versionOf(rel);
    const json = readExample(rel);
    expect(credentialsSchemas[version].safeParse(json).success).toBe(true);
    // The single-party 2.1.1 shape and the roles[] shape do not pass for one another.
    const other = version === '2.1.1' ? credentialsSchemas['2.2.1'] : credentialsSchemas['2.1.1'];
    expect(other.safeParse(json).success).toBe(false);
  });

  it('accepts a 2.3.0 hub_party_id', () => {
    const json = { ...(readExample('2.3.0/credentials_example.json') as object), hub_party_id: 'NLHUB' };
    expect(credentialsSchemas['2.3.0'].parse(json).hub_party_id).toBe('NLHUB');
  });

  it.each(byKind('versions'))('%s (bare array) parses as a version list', (rel) => {
    expect(versionListSchema.parse(readExample(rel)).length).toBeGreaterThan(0);
  });

  it('accepts the 2.1.1 table form {versions: [...]} as well', () => {
    const list = readExample('2.1.1/versions_info_example.json');
    expect(versionListSchema.parse({ versions: list })).toEqual(versionListSchema.parse(list));
  });

  it.each(byKind('version-details'))('%s parses as version details', (rel) => {
    const details = versionDetailsSchema.parse(readExample(rel));
    expect(details.endpoints.some((e) => e.identifier === 'credentials')).toBe(true);
    // 2.2+ endpoints carry a role; 2.1.1 ones do not.
    expect(
      details.endpoints.every((e) => (versionOf(rel) === '2.1.1' ? e.role == null : e.role != null)),
    ).toBe(true);
  });

  it.each(byKind('envelope'))('%s unwraps as its README says', (rel) => {
    const body = unwrapOcpiBody(readExample(rel));
    if (rel.includes('error_response')) {
      expect(body).toEqual({ ok: false, statusCode: 2001, message: 'Missing required field: type' });
    } else if (rel.includes('version_info')) {
      // 2.1.1 lists "1.9", not a VersionNumber value: the schema keeps it as a string.
      expect(body.ok && versionListSchema.parse(body.data).length).toBe(2);
    } else {
      expect(body.ok && versionDetailsSchema.safeParse(body.data).success).toBe(true);
    }
  });

  it.each(byKind('display-text'))('%s parses', (rel) => {
    expect(displayTextSchema.safeParse(readExample(rel)).success).toBe(true);
  });
});
