import { describe, expect, it } from 'vitest';
import { ALPHA2_CODES, alpha2ToAlpha3, alpha3ToAlpha2 } from '../../src/model/countries.js';
import {
  normalizeConnector,
  normalizeEvse,
  normalizeHours,
  normalizeLocation,
} from '../../src/model/normalize-location.js';
import { toUtcIso } from '../../src/model/normalize-values.js';
import type { DataWarning, Location, OcpiVersion } from '../../src/model/types.js';

type Json = Record<string, unknown>;

function connector22(over: Json = {}): Json {
  return {
    id: '1',
    standard: 'IEC_62196_T2',
    format: 'SOCKET',
    power_type: 'AC_3_PHASE',
    max_voltage: 230,
    max_amperage: 32,
    last_updated: '2024-01-01T00:00:00Z',
    ...over,
  };
}

function evse22(over: Json = {}): Json {
  return {
    uid: 'E1',
    evse_id: 'NL*ABC*E0001',
    status: 'AVAILABLE',
    connectors: [connector22()],
    last_updated: '2024-01-01T00:00:00Z',
    ...over,
  };
}

function location22(over: Json = {}): Json {
  return {
    country_code: 'NL',
    party_id: 'ABC',
    id: 'LOC1',
    publish: true,
    name: 'Station',
    address: 'Straat 1',
    city: 'Delft',
    postal_code: '2611AA',
    country: 'NLD',
    coordinates: { latitude: '52.011577', longitude: '4.357068' },
    time_zone: 'Europe/Amsterdam',
    evses: [evse22()],
    last_updated: '2024-01-02T00:00:00Z',
    ...over,
  };
}

function location211(over: Json = {}): Json {
  const { country_code: _cc, party_id: _pid, publish: _p, ...rest } = location22({ type: 'ON_STREET' });
  return {
    ...rest,
    evses: [
      {
        uid: 'E1',
        evse_id: 'NL*FAS*E0001',
        status: 'AVAILABLE',
        connectors: [
          {
            id: '1',
            standard: 'IEC_62196_T2',
            format: 'SOCKET',
            power_type: 'AC_3_PHASE',
            voltage: 230,
            amperage: 16,
            last_updated: '2024-01-01T00:00:00Z',
          },
        ],
        last_updated: '2024-01-01T00:00:00Z',
      },
    ],
    ...over,
  };
}

function ok(raw: unknown, version: OcpiVersion = '2.2.1', ctx = {}): Location {
  const r = normalizeLocation(raw, version, ctx);
  if (!r.ok)
    throw new Error(`unexpectedly quarantined: ${r.reason.field} ${r.reason.rule} ${r.reason.message}`);
  return r.value;
}

function rejected(raw: unknown, version: OcpiVersion = '2.2.1') {
  const r = normalizeLocation(raw, version);
  if (r.ok) throw new Error('unexpectedly kept');
  return r.reason;
}

const has = (ws: DataWarning[], field: string, rule: string) =>
  ws.some((w) => w.field === field && w.rule === rule);

function firstConnector(loc: Location) {
  return loc.evses[0]!.connectors[0]!;
}

describe('normalizeLocation: a clean 2.2.1 record', () => {
  it('maps every field without warnings', () => {
    const loc = ok(location22());
    expect(loc.warnings).toEqual([]);
    expect(loc).toMatchObject({
      countryCode: 'NL',
      partyId: 'ABC',
      id: 'LOC1',
      publish: true,
      country: 'NLD',
      lat: 52.011577,
      lon: 4.357068,
      lastUpdated: '2024-01-02T00:00:00Z',
    });
    expect(firstConnector(loc)).toEqual({
      id: '1',
      standard: 'IEC_62196_T2',
      format: 'SOCKET',
      powerType: 'AC_3_PHASE',
      maxVoltage: 230,
      maxAmperage: 32,
      maxPowerW: 22080,
      tariffIds: [],
      termsAndConditions: null,
      lastUpdated: '2024-01-01T00:00:00Z',
    });
  });
});

describe('coordinates', () => {
  it('quarantines a location whose coordinates are 0,0', () => {
    expect(rejected(location22({ coordinates: { latitude: '0.000000', longitude: '0' } }))).toMatchObject({
      field: 'coordinates',
      rule: 'null_island',
    });
  });

  it('accepts coordinates as strings, numbers and with stray spaces', () => {
    expect(ok(location22({ coordinates: { latitude: '51.5', longitude: '-0.12' } }))).toMatchObject({
      lat: 51.5,
      lon: -0.12,
    });
    expect(ok(location22({ coordinates: { latitude: 40.579958, longitude: -8.581911 } }))).toMatchObject({
      lat: 40.579958,
      lon: -8.581911,
    });
    // Toger id 48: longitude " 28.67736435772519".
    expect(ok(location22({ coordinates: { latitude: '41.1', longitude: ' 28.67736435772519' } })).lon).toBe(
      28.67736435772519,
    );
  });

  it('quarantines coordinates out of range', () => {
    expect(rejected(location22({ coordinates: { latitude: '91', longitude: '4' } }))).toMatchObject({
      field: 'coordinates.latitude',
      rule: 'out_of_range',
    });
    expect(rejected(location22({ coordinates: { latitude: '52', longitude: '-180.5' } }))).toMatchObject({
      field: 'coordinates.longitude',
      rule: 'out_of_range',
    });
  });

  it('quarantines empty, unreadable or absent coordinates', () => {
    // Toger ids 79/80/81.
    expect(rejected(location22({ coordinates: { latitude: '', longitude: '' } }))).toMatchObject({
      field: 'coordinates.latitude',
      rule: 'missing',
    });
    expect(rejected(location22({ coordinates: { latitude: '52.1', longitude: 'east' } }))).toMatchObject({
      field: 'coordinates.longitude',
      rule: 'invalid_format',
    });
    expect(rejected(location22({ coordinates: undefined }))).toMatchObject({
      field: 'coordinates',
      rule: 'missing',
    });
    expect(rejected(location22({ coordinates: '52.1,4.3' }))).toMatchObject({
      field: 'coordinates',
      rule: 'wrong_shape',
    });
  });

  it('drops unusable EVSE coordinates with a warning instead of the EVSE', () => {
    const loc = ok(location22({ evses: [evse22({ coordinates: { latitude: '0', longitude: '0' } })] }));
    expect(loc.evses[0]!.coordinates).toBeNull();
    expect(has(loc.warnings, 'evses[0].coordinates', 'null_island')).toBe(true);
  });
});

describe('identity and shape', () => {
  it('quarantines what is not an object, has no id, or whose evses are not a list', () => {
    expect(rejected('LOC1')).toMatchObject({ field: '(record)', rule: 'wrong_shape' });
    expect(rejected([location22()])).toMatchObject({ field: '(record)', rule: 'wrong_shape' });
    expect(rejected(location22({ id: undefined }))).toMatchObject({ field: 'id', rule: 'missing' });
    expect(rejected(location22({ id: '  ' }))).toMatchObject({ field: 'id', rule: 'missing' });
    expect(rejected(location22({ evses: { uid: 'E1' } }))).toMatchObject({
      field: 'evses',
      rule: 'wrong_shape',
    });
  });

  it('accepts a numeric id (LAKD) as a string, with a warning', () => {
    const loc = ok(location22({ id: 156 }));
    expect(loc.id).toBe('156');
    expect(has(loc.warnings, 'id', 'wrong_type')).toBe(true);
  });

  it('reads a location without evses as one with none', () => {
    expect(ok(location22({ evses: undefined })).evses).toEqual([]);
  });
});

describe('power', () => {
  const power = (over: Json, version: OcpiVersion = '2.2.1') => {
    const loc = ok(location22({ evses: [evse22({ connectors: [connector22(over)] })] }), version);
    return { w: firstConnector(loc).maxPowerW, warnings: loc.warnings };
  };

  it('prefers max_electric_power in W', () => {
    expect(power({ max_electric_power: 11000 }).w).toBe(11000);
  });

  it('converts plainly-kW max_electric_power when V x A says ~1000x more', () => {
    // EV24: max_electric_power 22 on a 3-phase 230 V / 32 A socket.
    const r = power({ max_electric_power: 22 });
    expect(r.w).toBe(22000);
    expect(r.warnings).toContainEqual(
      expect.objectContaining({ field: 'evses[0].connectors[0].max_electric_power', rule: 'power_in_kw' }),
    );
  });

  it('converts typical kW values when there are no volts or amps to compare', () => {
    // ITCharge: 60 and 150 with no max_voltage at all.
    for (const kw of [22, 50, 150, 350, 7.4]) {
      const r = power({
        power_type: 'DC',
        max_voltage: undefined,
        max_amperage: undefined,
        max_electric_power: kw,
      });
      expect(r.w).toBe(Math.round(kw * 1000));
      expect(has(r.warnings, 'evses[0].connectors[0].max_electric_power', 'power_in_kw')).toBe(true);
    }
  });

  it('keeps a small value in W when V x A agrees with it', () => {
    expect(
      power({ power_type: 'AC_1_PHASE', max_voltage: 230, max_amperage: 3, max_electric_power: 690 }).w,
    ).toBe(690);
  });

  it('divides values 1000x too high', () => {
    // LAKD 2024: 22000000 for 22 kW sockets.
    const r = power({ max_electric_power: 22_000_000 });
    expect(r.w).toBe(22000);
    expect(has(r.warnings, 'evses[0].connectors[0].max_electric_power', 'power_1000x')).toBe(true);
  });

  it('derives V x A, x3 for AC_3_PHASE, when max_electric_power is absent', () => {
    expect(power({ power_type: 'AC_1_PHASE', max_voltage: 230, max_amperage: 16 }).w).toBe(3680);
    expect(power({ power_type: 'AC_3_PHASE', max_voltage: 230, max_amperage: 16 }).w).toBe(11040);
    expect(power({ power_type: 'DC', max_voltage: 500, max_amperage: 100 }).w).toBe(50000);
  });

  it('reads a 400 V three-phase voltage as line-to-line (sqrt(3) x V x A), with a warning', () => {
    const r = power({ power_type: 'AC_3_PHASE', max_voltage: 400, max_amperage: 32 });
    expect(r.w).toBe(22170);
    expect(has(r.warnings, 'evses[0].connectors[0].max_voltage', 'line_to_line_voltage')).toBe(true);
  });

  it('reads 0 volts/amps/power as unknown and numeric strings as numbers', () => {
    const zero = power({ max_voltage: 0, max_amperage: 0, max_electric_power: 0 });
    expect(zero.w).toBeNull();
    expect(zero.warnings.filter((w) => w.rule === 'zero_value')).toHaveLength(3);
    // PowerGo: "max_voltage": "230".
    const str = power({ max_voltage: '230', max_amperage: 16, power_type: 'AC_1_PHASE' });
    expect(str.w).toBe(3680);
    expect(has(str.warnings, 'evses[0].connectors[0].max_voltage', 'wrong_type')).toBe(true);
  });

  it('derives 2.1.1 power from voltage x amperage, x3 for three phases', () => {
    const loc = ok(location211(), '2.1.1');
    expect(firstConnector(loc)).toMatchObject({ maxVoltage: 230, maxAmperage: 16, maxPowerW: 11040 });
    expect(loc.warnings.filter((w) => w.field.startsWith('evses'))).toEqual([]);
  });

  it('reads 2.1.1 voltage/amperage in a 2.2 feed (Toger, LAKD 2024), with a warning', () => {
    const c = connector22({ max_voltage: undefined, max_amperage: undefined, voltage: 230, amperage: 32 });
    const loc = ok(location22({ evses: [evse22({ connectors: [c] })] }));
    expect(firstConnector(loc).maxPowerW).toBe(22080);
    expect(has(loc.warnings, 'evses[0].connectors[0].voltage', 'other_version_field')).toBe(true);
  });
});

describe('enums', () => {
  it('trims and upper-cases known values', () => {
    // PowerGo: "socket", "ac_3_phase", and "CHARGING " with a trailing space.
    const loc = ok(
      location22({
        evses: [
          evse22({
            status: 'CHARGING ',
            connectors: [connector22({ format: 'socket', power_type: 'ac_3_phase' })],
          }),
        ],
      }),
    );
    expect(loc.evses[0]!.status).toBe('CHARGING');
    expect(firstConnector(loc)).toMatchObject({ format: 'SOCKET', powerType: 'AC_3_PHASE' });
    expect(loc.warnings).toEqual([]);
  });

  it("keeps the spec's lower-case single/three in IEC 60309 connector types", () => {
    const loc = ok(
      location22({ evses: [evse22({ connectors: [connector22({ standard: 'iec_60309_2_THREE_32' })] })] }),
    );
    expect(firstConnector(loc).standard).toBe('IEC_60309_2_three_32');
    expect(
      ok(
        location22({ evses: [evse22({ connectors: [connector22({ standard: 'IEC_60309_2_single_16' })] })] }),
      ).warnings,
    ).toEqual([]);
  });

  it('keeps unknown values raw with a warning', () => {
    // ChargeSini "GB/T (DC)", LAKD "Not_implemented".
    const loc = ok(
      location22({
        evses: [
          evse22({ connectors: [connector22({ standard: 'GB/T (DC)', power_type: 'Not_implemented' })] }),
        ],
      }),
    );
    expect(firstConnector(loc)).toMatchObject({ standard: 'GB/T (DC)', powerType: 'Not_implemented' });
    expect(has(loc.warnings, 'evses[0].connectors[0].standard', 'unknown_value')).toBe(true);
    expect(has(loc.warnings, 'evses[0].connectors[0].power_type', 'unknown_value')).toBe(true);
  });

  it('leaves a missing standard empty, with a warning', () => {
    const loc = ok(location22({ evses: [evse22({ connectors: [connector22({ standard: null })] })] }));
    expect(firstConnector(loc).standard).toBe('');
    expect(has(loc.warnings, 'evses[0].connectors[0].standard', 'missing')).toBe(true);
  });
});

describe('timestamps', () => {
  it('reads a DateTime without zone as UTC and emits YYYY-MM-DDTHH:MM:SSZ', () => {
    // LAKD "2023-03-22T08:24:03", Sitronics "…40.908", PowerGo "…39.407906".
    expect(ok(location22({ last_updated: '2023-03-22T08:24:03' })).lastUpdated).toBe('2023-03-22T08:24:03Z');
    expect(ok(location22({ last_updated: '2023-04-13T12:38:40.908' })).lastUpdated).toBe(
      '2023-04-13T12:38:40Z',
    );
    const loc = ok(location22({ last_updated: '2025-06-21T11:20:39.407906' }));
    expect(loc.lastUpdated).toBe('2025-06-21T11:20:39Z');
    expect(loc.warnings).toEqual([]);
  });

  it('converts offsets to UTC, with a warning', () => {
    // stadtnavi: +01:00.
    const loc = ok(location22({ last_updated: '2022-12-24T12:39:05+01:00' }));
    expect(loc.lastUpdated).toBe('2022-12-24T11:39:05Z');
    expect(has(loc.warnings, 'last_updated', 'timezone_offset')).toBe(true);
    expect(toUtcIso('2024-01-01T00:30:00-02:30')).toBe('2024-01-01T03:00:00Z');
    expect(toUtcIso('2024-03-01T00:30:00+0100')).toBe('2024-02-29T23:30:00Z');
  });

  it('rejects impossible dates and non-dates', () => {
    expect(toUtcIso('2023-02-29T00:00:00Z')).toBeNull();
    expect(toUtcIso('2023-13-01T00:00:00Z')).toBeNull();
    expect(toUtcIso('yesterday')).toBeNull();
    expect(toUtcIso('2025-03-12 10:54:38')).toBe('2025-03-12T10:54:38Z');
  });

  it('falls back to the newest EVSE/connector last_updated, else a fixed placeholder', () => {
    // Otopriz: 37 locations without last_updated.
    const child = ok(location22({ last_updated: undefined }));
    expect(child.lastUpdated).toBe('2024-01-01T00:00:00Z');
    expect(has(child.warnings, 'last_updated', 'missing')).toBe(true);
    const none = ok(location22({ last_updated: undefined, evses: [] }));
    expect(none.lastUpdated).toBe('1970-01-01T00:00:00Z');
  });
});

describe('country and owner', () => {
  it('maps an alpha-2 country to alpha-3 (ITCharge "RU")', () => {
    const loc = ok(location22({ country: 'RU' }));
    expect(loc.country).toBe('RUS');
    expect(has(loc.warnings, 'country', 'alpha2_country')).toBe(true);
  });

  it('drops a country that is no ISO code (EV24 "Polska"), with a warning', () => {
    const loc = ok(location22({ country: 'Polska' }));
    expect(loc.country).toBeNull();
    expect(has(loc.warnings, 'country', 'unknown_value')).toBe(true);
  });

  it('takes 2.1.1 owner ids from ctx first', () => {
    const loc = ok(location211(), '2.1.1', { countryCode: 'nl', partyId: 'fas' });
    expect([loc.countryCode, loc.partyId]).toEqual(['NL', 'FAS']);
    expect(loc.warnings).toEqual([]);
  });

  it('derives 2.1.1 owner ids from the operator part of an EVSE id, in every spelling', () => {
    for (const evseId of ['NL*FAS*E0001', 'NL-FAS-E0001', 'NLFASE3100201']) {
      const raw = location211();
      (raw.evses as Json[])[0]!.evse_id = evseId;
      const loc = ok(raw, '2.1.1');
      expect([loc.countryCode, loc.partyId]).toEqual(['NL', 'FAS']);
      expect(has(loc.warnings, 'party_id', 'derived')).toBe(true);
    }
  });

  it('falls back to the alpha-3 country and an empty party id', () => {
    // Fastned 50109: no EVSEs, country DEU.
    const loc = ok(location211({ evses: [], country: 'DEU' }), '2.1.1');
    expect([loc.countryCode, loc.partyId]).toEqual(['DE', '']);
  });

  it('warns when a 2.2+ body lacks owner ids and fills them from ctx or the EVSE id', () => {
    const fromCtx = ok(location22({ country_code: undefined, party_id: undefined }), '2.2.1', {
      countryCode: 'DE',
      partyId: 'XYZ',
    });
    expect([fromCtx.countryCode, fromCtx.partyId]).toEqual(['DE', 'XYZ']);
    expect(has(fromCtx.warnings, 'country_code', 'missing')).toBe(true);
    const fromEvse = ok(location22({ country_code: undefined, party_id: undefined }));
    expect([fromEvse.countryCode, fromEvse.partyId]).toEqual(['NL', 'ABC']);
  });
});

describe('publish', () => {
  it('keeps publish=false', () => {
    const loc = ok(location22({ publish: false }));
    expect(loc.publish).toBe(false);
    expect(loc.warnings).toEqual([]);
  });

  it('treats a missing 2.2+ publish as true, with a warning', () => {
    const loc = ok(location22({ publish: undefined }));
    expect(loc.publish).toBe(true);
    expect(loc.warnings).toEqual([{ field: 'publish', rule: 'missing', detail: 'treated as true' }]);
  });

  it('has no publish in 2.1.1: true, silently', () => {
    expect(ok(location211(), '2.1.1').publish).toBe(true);
  });
});

describe('missing or odd descriptive fields are kept with warnings', () => {
  it('keeps a location with an empty city (LAKD, ITCharge)', () => {
    const loc = ok(location22({ city: '' }));
    expect(loc.city).toBeNull();
    expect(loc.warnings).toEqual([{ field: 'city', rule: 'missing', detail: 'empty string' }]);
  });

  it('keeps missing address, postal code, time zone and name', () => {
    const loc = ok(location22({ address: undefined, postal_code: null, time_zone: undefined, name: '' }));
    expect([loc.address, loc.postalCode, loc.timeZone, loc.name]).toEqual([null, null, null, null]);
    // postal_code and name are optional in 2.2+; address and time_zone are required.
    expect(loc.warnings.map((w) => `${w.field}:${w.rule}`)).toEqual(['address:missing', 'time_zone:missing']);
  });

  it('warns about values beyond the spec length and a non-IANA time zone, keeping them', () => {
    const city = 'X'.repeat(50);
    const loc = ok(location22({ city, time_zone: 'Asia/Kuala Lumpur' }));
    expect(loc.city).toBe(city);
    expect(has(loc.warnings, 'city', 'too_long')).toBe(true);
    expect(has(loc.warnings, 'time_zone', 'invalid_format')).toBe(true);
  });

  it("reads 2.2+'s #NA placeholder as null", () => {
    expect(ok(location22({ state: '#NA' })).state).toBeNull();
  });
});

describe('EVSEs', () => {
  it('uses evse_id as uid when uid is missing, with a warning', () => {
    const loc = ok(location22({ evses: [evse22({ uid: undefined })] }));
    expect(loc.evses[0]!.uid).toBe('NL*ABC*E0001');
    expect(has(loc.warnings, 'evses[0].uid', 'missing')).toBe(true);
  });

  it('drops an EVSE with neither uid nor evse_id but keeps the location (Sitronics)', () => {
    const loc = ok(
      location22({ evses: [evse22({ uid: undefined, evse_id: undefined }), evse22({ uid: 'E2' })] }),
    );
    expect(loc.evses.map((e) => e.uid)).toEqual(['E2']);
    expect(loc.warnings).toContainEqual({
      field: 'evses[0]',
      rule: 'dropped',
      detail: 'EVSE has neither uid nor evse_id',
    });
  });

  it('keeps an EVSE without connectors, with a warning', () => {
    const loc = ok(
      location22({ evses: [evse22({ connectors: [] }), evse22({ uid: 'E2', connectors: undefined })] }),
    );
    expect(loc.evses.map((e) => e.connectors.length)).toEqual([0, 0]);
    expect(has(loc.warnings, 'evses[0].connectors', 'missing')).toBe(true);
    expect(has(loc.warnings, 'evses[1].connectors', 'missing')).toBe(true);
  });

  it('re-keys a repeated uid by its evse_id, and drops a plain duplicate (LAKD 2024)', () => {
    const loc = ok(
      location22({
        evses: [
          evse22({ uid: 1332, evse_id: 'VSA-E-1Z3E-A' }),
          evse22({ uid: 1332, evse_id: 'VSA-E-1Z3E-B' }),
          evse22({ uid: 1332, evse_id: 'VSA-E-1Z3E-B' }),
        ],
      }),
    );
    expect(loc.evses.map((e) => e.uid)).toEqual(['1332', 'VSA-E-1Z3E-B']);
    expect(loc.warnings.filter((w) => w.rule === 'duplicate').map((w) => w.field)).toEqual([
      'evses[1].uid',
      'evses[2].uid',
    ]);
  });

  it('drops a connector without id and a repeated connector id, keeping the EVSE', () => {
    const loc = ok(
      location22({
        evses: [evse22({ connectors: [connector22({ id: undefined }), connector22(), connector22()] })],
      }),
    );
    expect(loc.evses[0]!.connectors).toHaveLength(1);
    expect(has(loc.warnings, 'evses[0].connectors[0]', 'dropped')).toBe(true);
    expect(has(loc.warnings, 'evses[0].connectors[2].id', 'duplicate')).toBe(true);
  });

  it('normalizes an EVSE and a connector on their own (push at EVSE / connector depth)', () => {
    const e = normalizeEvse(evse22({ status: 'bogus' }), '2.2.1');
    expect(e.ok && e.value.status).toBe('bogus');
    expect(e.ok && e.warnings).toEqual([{ field: 'status', rule: 'unknown_value', detail: '"bogus"' }]);
    expect(normalizeEvse({ status: 'AVAILABLE' }, '2.2.1')).toEqual({
      ok: false,
      reason: { field: 'uid', rule: 'missing', message: 'EVSE has neither uid nor evse_id' },
    });
    const c = normalizeConnector(connector22({ id: 9413, tariff_ids: ['T1'] }), '2.2.1');
    expect(c.ok && c.value.id).toBe('9413');
    expect(c.ok && c.value.tariffIds).toEqual(['T1']);
    expect(normalizeConnector('1', '2.2.1').ok).toBe(false);
  });

  it('reads 2.1.1 tariff_id as a one-element tariffIds', () => {
    const raw = location211();
    ((raw.evses as Json[])[0]!.connectors as Json[])[0]!.tariff_id = '11';
    expect(firstConnector(ok(raw, '2.1.1')).tariffIds).toEqual(['11']);
  });
});

describe('opening hours', () => {
  const regular = [{ weekday: 1, period_begin: '08:00', period_end: '20:00' }];

  it('reads 2.1.1 regular_hours without twentyfourseven as twentyfourseven=false', () => {
    const w: DataWarning[] = [];
    expect(normalizeHours({ regular_hours: regular }, '2.1.1', w)).toEqual({
      twentyfourseven: false,
      regularHours: [{ weekday: 1, periodBegin: '08:00', periodEnd: '20:00' }],
      exceptionalOpenings: [],
      exceptionalClosings: [],
    });
    expect(w).toEqual([]);
  });

  it('does the same in 2.2+, where the flag is required, with a warning', () => {
    const w: DataWarning[] = [];
    expect(normalizeHours({ regular_hours: regular }, '2.2.1', w)?.twentyfourseven).toBe(false);
    expect(w.map((x) => x.rule)).toEqual(['missing']);
  });

  it('reads weekday 0 as Sunday (ITCharge numbers 0..6) and drops unreadable periods', () => {
    const w: DataWarning[] = [];
    const h = normalizeHours(
      {
        twentyfourseven: false,
        regular_hours: [
          { weekday: 0, period_begin: '00:00', period_end: '23:59' },
          { weekday: 2, period_begin: 'вы:ходной', period_end: '18:00' },
        ],
      },
      '2.2.1',
      w,
    );
    expect(h?.regularHours).toEqual([{ weekday: 7, periodBegin: '00:00', periodEnd: '23:59' }]);
    expect(w.map((x) => `${x.field}:${x.rule}`)).toEqual([
      'opening_times.regular_hours[0].weekday:invalid_format',
      'opening_times.regular_hours[1].period_begin:invalid_format',
      'opening_times.regular_hours[1]:dropped',
    ]);
  });

  it('maps twentyfourseven locations', () => {
    const loc = ok(location22({ opening_times: { twentyfourseven: true } }));
    expect(loc.openingTimes).toEqual({
      twentyfourseven: true,
      regularHours: [],
      exceptionalOpenings: [],
      exceptionalClosings: [],
    });
  });
});

describe('countries table', () => {
  it('holds all 249 ISO 3166-1 codes, one-to-one', () => {
    expect(ALPHA2_CODES).toHaveLength(249);
    const alpha3 = ALPHA2_CODES.map((a2) => alpha2ToAlpha3(a2));
    expect(new Set(alpha3).size).toBe(249);
    for (const a2 of ALPHA2_CODES) expect(alpha3ToAlpha2(alpha2ToAlpha3(a2)!)).toBe(a2);
  });

  it('maps the codes our feeds use, case-insensitively', () => {
    const pairs = [
      ['NL', 'NLD'],
      ['DE', 'DEU'],
      ['GB', 'GBR'],
      ['RU', 'RUS'],
      ['TR', 'TUR'],
      ['IL', 'ISR'],
      ['MY', 'MYS'],
      ['LT', 'LTU'],
      ['RO', 'ROU'],
      ['PT', 'PRT'],
      ['US', 'USA'],
      ['BR', 'BRA'],
      ['AM', 'ARM'],
      ['BY', 'BLR'],
    ];
    for (const [a2, a3] of pairs) {
      expect(alpha2ToAlpha3(a2!.toLowerCase())).toBe(a3);
      expect(alpha3ToAlpha2(a3!)).toBe(a2);
    }
    expect(alpha2ToAlpha3('XK')).toBeNull();
    // Toger's "TRY" is the Turkish lira, not a country.
    expect(alpha3ToAlpha2('TRY')).toBeNull();
  });
});
