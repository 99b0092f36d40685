// Zod schemas of the OCPI wire objects only the examples test checks: Tariffs, the response
// envelope and Versions. The atlas itself reads these more leniently than a schema could
// (model/normalize-tariff.ts, ocpi/envelope.ts, ocpi/client/discovery.ts); these say what the
// specification says, with the same leniency as src/ocpi/schemas.ts (whose scalars they use).
import { z } from 'zod';
import type { OcpiVersion } from '../../src/model/types.js';
import {
  dateTime,
  displayTextSchema,
  energyMixSchemas,
  enumValue,
  id,
  num,
  opt,
} from '../../src/ocpi/schemas.js';

// Tariff

const restrictionsObject = z.looseObject({
  start_time: opt(z.string()),
  end_time: opt(z.string()),
  start_date: opt(z.string()),
  end_date: opt(z.string()),
  min_kwh: opt(num),
  max_kwh: opt(num),
  min_current: opt(num),
  max_current: opt(num),
  min_power: opt(num),
  max_power: opt(num),
  min_duration: opt(num),
  max_duration: opt(num),
  day_of_week: opt(z.array(enumValue)),
  reservation: opt(enumValue),
});

/** One object per spec; chargecloud sends a list of them. */
export const tariffRestrictionsSchema = z.union([restrictionsObject, z.array(restrictionsObject)]);

const priceComponent211 = z.looseObject({ type: enumValue, price: num, step_size: opt(num) });
const priceComponent22 = priceComponent211.extend({ vat: opt(num) });

const element = <T extends z.ZodType>(pc: T) =>
  z.looseObject({ price_components: z.array(pc), restrictions: opt(tariffRestrictionsSchema) });

const tariffBase = {
  id,
  currency: z.string().min(1),
  tariff_alt_text: opt(z.array(displayTextSchema)),
  tariff_alt_url: opt(z.string()),
  last_updated: opt(dateTime),
};

export const tariff211Schema = z.looseObject({
  ...tariffBase,
  elements: z.array(element(priceComponent211)),
  energy_mix: opt(energyMixSchemas['2.1.1']),
});

const price221 = z.looseObject({ excl_vat: num, incl_vat: opt(num) });
const priceLimit230 = z.looseObject({ before_taxes: num, after_taxes: opt(num) });

const tariff22Base = {
  ...tariffBase,
  country_code: opt(z.string()),
  party_id: opt(z.string()),
  type: opt(enumValue),
  elements: z.array(element(priceComponent22)),
  energy_mix: opt(energyMixSchemas['2.2']),
  start_date_time: opt(dateTime),
  end_date_time: opt(dateTime),
};

export const tariff22Schema = z.looseObject({
  ...tariff22Base,
  min_price: opt(price221),
  max_price: opt(price221),
});

export const tariff230Schema = z.looseObject({
  ...tariff22Base,
  min_price: opt(priceLimit230),
  max_price: opt(priceLimit230),
  // Required (TaxIncluded 1) in 2.3.0; optional here so a CPO's omission is a warning, not a reject.
  tax_included: opt(enumValue),
  preauthorize_amount: opt(num),
});

export type OcpiTariff211 = z.infer<typeof tariff211Schema>;
export type OcpiTariff22 = z.infer<typeof tariff22Schema>;
export type OcpiTariff230 = z.infer<typeof tariff230Schema>;

export const tariffSchemas = {
  '2.1.1': tariff211Schema,
  '2.2': tariff22Schema,
  '2.2.1': tariff22Schema,
  '2.3.0': tariff230Schema,
} as const satisfies Record<OcpiVersion, z.ZodType>;

// ---------------------------------------------------------------------------------------------
// Envelope, versions, credentials

/** The response envelope of every version; `data` is absent on many error and PUT replies. */
export const envelopeSchema = z.looseObject({
  data: z.unknown().optional(),
  status_code: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
  status_message: opt(z.string()),
  timestamp: opt(dateTime),
});

export const versionSchema = z.looseObject({ version: z.string(), url: z.string() });

/**
 * GET versions: 2.1.1's field table says `{versions: [...]}`, its example (and every later
 * version) a bare array. Both are accepted and read as the array.
 */
export const versionListSchema = z
  .union([z.array(versionSchema), z.looseObject({ versions: z.array(versionSchema) })])
  .transform((v) => (Array.isArray(v) ? v : v.versions));

export const endpointSchema = z.looseObject({
  identifier: z.string(),
  url: z.string(),
  /** 2.2+ InterfaceRole SENDER | RECEIVER; absent in 2.1.1. */
  role: opt(enumValue),
});

export const versionDetailsSchema = z.looseObject({
  version: z.string(),
  endpoints: z.array(endpointSchema),
});

export type OcpiVersionEntry = z.infer<typeof versionSchema>;
export type OcpiEndpoint = z.infer<typeof endpointSchema>;
export type OcpiVersionDetails = z.infer<typeof versionDetailsSchema>;
