import { describe, expect, it } from 'vitest';
import { normalizeTariff, summarizeTariff } from '../../src/model/normalize-tariff.js';
import type { OcpiVersion, Tariff } from '../../src/model/types.js';

type Json = Record<string, unknown>;

function tariff22(over: Json = {}): Json {
  return {
    country_code: 'DE',
    party_id: 'ABC',
    id: 'T1',
    currency: 'EUR',
    elements: [{ price_components: [{ type: 'ENERGY', price: 0.39, vat: 19, step_size: 1 }] }],
    last_updated: '2024-01-01T00:00:00Z',
    ...over,
  };
}

function ok(raw: unknown, version: OcpiVersion = '2.2.1', ctx = {}): Tariff {
  const r = normalizeTariff(raw, version, ctx);
  if (!r.ok) throw new Error(`unexpectedly quarantined: ${r.reason.message}`);
  return r.value;
}

function reason(raw: unknown, version: OcpiVersion = '2.2.1') {
  const r = normalizeTariff(raw, version);
  if (r.ok) throw new Error('unexpectedly kept');
  return r.reason;
}

const element = (components: Json[], restrictions?: unknown): Json => ({
  price_components: components.map((c) => ({ step_size: 1, ...c })),
  ...(restrictions === undefined ? {} : { restrictions }),
});

describe('normalizeTariff: quarantine', () => {
  it('quarantines a tariff without id, currency or elements list', () => {
    expect(reason('T1')).toMatchObject({ field: '(record)', rule: 'wrong_shape' });
    expect(reason(tariff22({ id: undefined }))).toMatchObject({ field: 'id', rule: 'missing' });
    expect(reason(tariff22({ currency: '' }))).toMatchObject({ field: 'currency', rule: 'missing' });
    expect(reason(tariff22({ elements: undefined }))).toMatchObject({ field: 'elements', rule: 'missing' });
    expect(reason(tariff22({ elements: { price_components: [] } }))).toMatchObject({
      field: 'elements',
      rule: 'wrong_shape',
    });
  });

  it('keeps a tariff whose elements list is empty, with a warning', () => {
    const t = ok(tariff22({ elements: [] }));
    expect(t.elements).toEqual([]);
    expect(t.warnings).toContainEqual({
      field: 'elements',
      rule: 'missing',
      detail: 'no usable TariffElement',
    });
    expect(summarizeTariff(t)).toBe('No price information');
  });
});

describe('normalizeTariff: versions', () => {
  it('maps a clean 2.2.1 tariff without warnings', () => {
    const t = ok(tariff22({ type: 'regular', min_price: { excl_vat: 1, incl_vat: 1.19 } }));
    expect(t).toEqual({
      countryCode: 'DE',
      partyId: 'ABC',
      id: 'T1',
      currency: 'EUR',
      type: 'REGULAR',
      elements: [
        { priceComponents: [{ type: 'ENERGY', price: 0.39, vat: 19, stepSize: 1 }], restrictions: null },
      ],
      altText: [],
      altUrl: null,
      minPrice: { beforeTaxes: 1, afterTaxes: 1.19 },
      maxPrice: null,
      startDateTime: null,
      endDateTime: null,
      taxIncluded: null,
      lastUpdated: '2024-01-01T00:00:00Z',
      warnings: [],
    });
  });

  it('takes 2.1.1 owner ids from ctx (the body has none) and has no vat', () => {
    const {
      country_code: _c,
      party_id: _p,
      ...body
    } = tariff22({
      elements: [element([{ type: 'TIME', price: 2 }])],
    });
    const t = ok(body, '2.1.1', { countryCode: 'NL', partyId: 'TNM' });
    expect([t.countryCode, t.partyId, t.type, t.minPrice, t.taxIncluded]).toEqual([
      'NL',
      'TNM',
      null,
      null,
      null,
    ]);
    expect(t.elements[0]!.priceComponents[0]!.vat).toBeNull();
    expect(t.warnings).toEqual([]);
    const noCtx = ok(body, '2.1.1');
    expect([noCtx.countryCode, noCtx.partyId]).toEqual(['', '']);
    expect(noCtx.warnings.map((w) => `${w.field}:${w.rule}`)).toEqual([
      'country_code:missing',
      'party_id:missing',
    ]);
  });

  it('reads 2.3.0 PriceLimit and tax_included, warning when tax_included is missing', () => {
    const t = ok(
      tariff22({ max_price: { before_taxes: 10, after_taxes: 11.9 }, tax_included: 'yes' }),
      '2.3.0',
    );
    expect([t.maxPrice, t.taxIncluded]).toEqual([{ beforeTaxes: 10, afterTaxes: 11.9 }, 'YES']);
    const missing = ok(tariff22(), '2.3.0');
    expect(missing.taxIncluded).toBeNull();
    expect(missing.warnings).toEqual([{ field: 'tax_included', rule: 'missing' }]);
  });

  it('reads absent vat as null (no VAT applies) and a missing step_size as 1', () => {
    const t = ok(tariff22({ elements: [{ price_components: [{ type: 'ENERGY', price: 0.3 }] }] }));
    expect(t.elements[0]!.priceComponents[0]).toEqual({ type: 'ENERGY', price: 0.3, vat: null, stepSize: 1 });
    expect(t.warnings).toEqual([
      { field: 'elements[0].price_components[0].step_size', rule: 'missing', detail: 'read as 1' },
    ]);
  });

  it('warns about a missing last_updated and uses the fixed placeholder', () => {
    const t = ok(tariff22({ last_updated: undefined }));
    expect(t.lastUpdated).toBe('1970-01-01T00:00:00Z');
    expect(t.warnings.map((w) => w.rule)).toEqual(['missing']);
  });
});

describe('normalizeTariff: restrictions', () => {
  it('keeps the snake_case object, without nulls (NDW sends every key)', () => {
    const t = ok(
      tariff22({
        elements: [
          element([{ type: 'ENERGY', price: 0.5 }], {
            start_time: '08:00',
            end_time: '22:00',
            day_of_week: ['monday', 'TUESDAY'],
            min_kwh: null,
            max_power: 50,
            reservation: null,
          }),
        ],
      }),
    );
    expect(t.elements[0]!.restrictions).toEqual({
      start_time: '08:00',
      end_time: '22:00',
      max_power: 50,
      day_of_week: ['MONDAY', 'TUESDAY'],
    });
  });

  it('reads an all-null restrictions object as no restriction', () => {
    const t = ok(
      tariff22({ elements: [element([{ type: 'ENERGY', price: 0.5 }], { min_kwh: null, end_time: null })] }),
    );
    expect(t.elements[0]!.restrictions).toBeNull();
  });

  it("unwraps chargecloud's restriction lists and reads HH:MM:SS times", () => {
    const t = ok(
      tariff22({
        elements: [
          element(
            [{ type: 'TIME', price: 4.8 }],
            [{ start_time: '08:00:00', end_time: '19:59:59', min_duration: 14460 }],
          ),
          element([{ type: 'TIME', price: 0 }], []),
        ],
      }),
    );
    expect(t.elements.map((e) => e.restrictions)).toEqual([
      // An inclusive end second becomes OCPI's exclusive end minute.
      { start_time: '08:00', end_time: '20:00', min_duration: 14460 },
      null,
    ]);
    expect(t.warnings.map((w) => `${w.field}:${w.rule}`)).toEqual([
      'elements[0].restrictions:wrong_type',
      'elements[0].restrictions[0].start_time:invalid_format',
      'elements[0].restrictions[0].end_time:invalid_format',
      'elements[1].restrictions:wrong_type',
    ]);
  });

  it('splits a list of several restrictions into one element each, in order', () => {
    const t = ok(
      tariff22({
        elements: [
          element([{ type: 'TIME', price: 1 }], [{ day_of_week: ['SATURDAY'] }, { day_of_week: ['SUNDAY'] }]),
        ],
      }),
    );
    expect(t.elements.map((e) => e.restrictions)).toEqual([
      { day_of_week: ['SATURDAY'] },
      { day_of_week: ['SUNDAY'] },
    ]);
    expect(t.elements[0]!.priceComponents).toEqual(t.elements[1]!.priceComponents);
  });

  it('drops unusable elements and components with warnings', () => {
    const t = ok(
      tariff22({
        elements: [
          'x',
          { restrictions: {} },
          element([
            { type: 'ENERGY', price: 'cheap' },
            { type: 'ENERGY', price: '0.30' },
          ]),
        ],
      }),
    );
    expect(t.elements).toHaveLength(1);
    expect(t.elements[0]!.priceComponents).toEqual([{ type: 'ENERGY', price: 0.3, vat: null, stepSize: 1 }]);
    expect(t.warnings.map((w) => `${w.field}:${w.rule}`)).toEqual([
      'elements[0]:dropped',
      'elements[1]:dropped',
      'elements[2].price_components[0].price:wrong_type',
      'elements[2].price_components[0]:dropped',
      'elements[2].price_components[1].price:wrong_type',
    ]);
  });
});

describe('summarizeTariff', () => {
  const summary = (elements: Json[], over: Json = {}) => summarizeTariff(ok(tariff22({ elements, ...over })));

  it('writes energy and time prices, with a min_duration restriction', () => {
    expect(
      summary([
        element([{ type: 'ENERGY', price: 0.39 }]),
        element([{ type: 'TIME', price: 6 }], { min_duration: 10800 }),
      ]),
    ).toBe('0.39 EUR/kWh, 0.10 EUR/min after 3 h');
  });

  it('says "Free of charge" when every price is zero', () => {
    expect(summary([element([{ type: 'FLAT', price: 0 }])])).toBe('Free of charge');
    expect(
      summary([
        element([{ type: 'ENERGY', price: 0 }]),
        element([{ type: 'TIME', price: 0 }], { max_duration: 3600 }),
      ]),
    ).toBe('Free of charge');
  });

  it('shows TIME per minute when that is whole cents, else per hour', () => {
    expect(summary([element([{ type: 'TIME', price: 1.2 }])])).toBe('0.02 EUR/min');
    expect(summary([element([{ type: 'TIME', price: 2 }])])).toBe('2.00 EUR/h');
    expect(summary([element([{ type: 'TIME', price: 0.4132 }])])).toBe('0.4132 EUR/h');
  });

  it('covers PARKING_TIME, FLAT and calendar restrictions', () => {
    expect(
      summary([
        element([
          { type: 'FLAT', price: 0.5 },
          { type: 'ENERGY', price: 0.25 },
        ]),
        element([{ type: 'PARKING_TIME', price: 5 }], {
          day_of_week: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'],
          start_time: '09:00',
          end_time: '18:00',
        }),
        element([{ type: 'PARKING_TIME', price: 6 }], {
          day_of_week: ['SATURDAY', 'SUNDAY'],
          min_duration: 2700,
        }),
      ]),
    ).toBe(
      '0.50 EUR per session + 0.25 EUR/kWh, 5.00 EUR/h parking on Mon-Fri 09:00-18:00, ' +
        '0.10 EUR/min parking after 45 min on Sat, Sun',
    );
  });

  it("omits NDW's all-day 00:00-23:59 window and a 0 kW lower bound", () => {
    expect(
      summary([
        element([{ type: 'ENERGY', price: 0.7025 }], {
          start_time: '00:00',
          end_time: '23:59',
          min_power: 0,
        }),
      ]),
    ).toBe('0.7025 EUR/kWh');
  });

  it('adds min and max price', () => {
    expect(
      summary([element([{ type: 'ENERGY', price: 0.25 }])], {
        min_price: { excl_vat: 0.5 },
        max_price: { excl_vat: 10 },
      }),
    ).toBe('0.25 EUR/kWh, min 0.50 EUR, max 10.00 EUR');
  });
});
