// Zod schemas of the OCPI objects we receive and validate as they are (SPEC-DIGEST §4-§6): Locations,
// EVSEs and Connectors per version (the push receiver checks PATCH bodies against them) and
// Credentials (the handshake). Tariffs, the envelope and Versions are read by code that must be more
// lenient than a schema (model/normalize-tariff.ts, ocpi/envelope.ts, ocpi/client/discovery.ts);
// their schemas only check the official examples and live with that test (test/ocpi/wire-schemas.ts).
//
// Deliberately lenient, because real CPOs deviate (data/README.md "Bad-input catalogue"):
// - every object is loose: unknown fields pass through (2.3.0 makes this a SHALL);
// - coordinates may be strings (spec) or numbers (EVIO); ids may be numbers (LAKD);
// - enums are any string (2.3.0 OpenEnums; PowerGo's "socket", "CHARGING "); the normalizers
//   trim, upper-case and check them against src/model/ocpi-enums.ts;
// - string fields accept numbers where CPOs send them (physical_reference: 3, postal codes);
//   numeric fields accept numeric strings (PowerGo's "max_voltage": "230");
// - optional fields accept null, and fields the spec requires but we can do without are optional.
// What stays strict is what identifies or places a record: an id, a coordinates object with both
// members, lists that must be lists. `#NA` (2.2+) is just a string.
import { z } from 'zod';
import type { OcpiVersion } from '../model/types.js';

// ---------------------------------------------------------------------------------------------
// Scalars

/** Ids are strings in OCPI; LAKD sends integers. */
export const id = z.union([z.string().min(1), z.number()]);
/** A string field that some CPOs fill with a number. */
export const text = z.union([z.string(), z.number()]);
/** A number field that some CPOs fill with a numeric string. */
export const num = z.union([z.number(), z.string()]);
/** Any enum value; validity is the normalizer's business. */
export const enumValue = z.string();
/** OCPI DateTime; Z optional, fractions and (leniently) offsets accepted by the normalizer. */
export const dateTime = z.string();
/** Coordinates: strings per spec, numbers in the wild. */
const coordinate = z.union([z.string(), z.number()]);

export const opt = <T extends z.ZodType>(schema: T) => schema.nullish();

// ---------------------------------------------------------------------------------------------
// Shared classes

export const geoLocationSchema = z.looseObject({ latitude: coordinate, longitude: coordinate });

export const displayTextSchema = z.looseObject({ language: z.string(), text: z.string() });

export const imageSchema = z.looseObject({
  url: z.string(),
  thumbnail: opt(z.string()),
  category: enumValue,
  type: z.string(),
  width: opt(num),
  height: opt(num),
});

export const businessDetailsSchema = z.looseObject({
  name: z.string(),
  website: opt(z.string()),
  logo: opt(imageSchema),
});

const additionalGeoLocation = geoLocationSchema.extend({ name: opt(displayTextSchema) });

const regularHours = z.looseObject({ weekday: num, period_begin: z.string(), period_end: z.string() });
const exceptionalPeriod = z.looseObject({ period_begin: dateTime, period_end: dateTime });

/** Hours: 2.1.1 has regular_hours *or* twentyfourseven; 2.2+ always twentyfourseven. Both read leniently. */
export const hoursSchema = z.looseObject({
  twentyfourseven: opt(z.boolean()),
  regular_hours: opt(z.array(regularHours)),
  exceptional_openings: opt(z.array(exceptionalPeriod)),
  exceptional_closings: opt(z.array(exceptionalPeriod)),
});

const energySource = z.looseObject({ source: enumValue, percentage: num });
const environmentalImpact211 = z.looseObject({ source: enumValue, amount: num });
const environmentalImpact22 = z.looseObject({ category: enumValue, amount: num });
const energyMixBase = {
  is_green_energy: z.boolean(),
  energy_sources: opt(z.array(energySource)),
  supplier_name: opt(z.string()),
  energy_product_name: opt(z.string()),
};
export const energyMixSchemas = {
  '2.1.1': z.looseObject({ ...energyMixBase, environ_impact: opt(z.array(environmentalImpact211)) }),
  '2.2': z.looseObject({ ...energyMixBase, environ_impact: opt(z.array(environmentalImpact22)) }),
} as const;

const statusSchedule = z.looseObject({
  period_begin: dateTime,
  period_end: opt(dateTime),
  status: enumValue,
});

const publishTokenType = z.looseObject({
  uid: opt(z.string()),
  type: opt(enumValue),
  visual_number: opt(z.string()),
  issuer: opt(z.string()),
  group_id: opt(z.string()),
});

// ---------------------------------------------------------------------------------------------
// Connector

const connectorBase = {
  id,
  standard: opt(enumValue),
  format: opt(enumValue),
  power_type: opt(enumValue),
  terms_and_conditions: opt(z.string()),
  last_updated: opt(dateTime),
};

export const connector211Schema = z.looseObject({
  ...connectorBase,
  voltage: opt(num),
  amperage: opt(num),
  tariff_id: opt(text),
});

export const connector22Schema = z.looseObject({
  ...connectorBase,
  max_voltage: opt(num),
  max_amperage: opt(num),
  max_electric_power: opt(num),
  tariff_ids: opt(z.array(text)),
});

export const connector230Schema = connector22Schema.extend({ capabilities: opt(z.array(enumValue)) });

// ---------------------------------------------------------------------------------------------
// EVSE

const evseBase = {
  // uid is required by the spec, but Sitronics omits it; the normalizer falls back to evse_id.
  uid: opt(id),
  evse_id: opt(text),
  status: opt(enumValue),
  status_schedule: opt(z.array(statusSchedule)),
  capabilities: opt(z.array(enumValue)),
  floor_level: opt(text),
  coordinates: opt(geoLocationSchema),
  physical_reference: opt(text),
  directions: opt(z.array(displayTextSchema)),
  parking_restrictions: opt(z.array(enumValue)),
  images: opt(z.array(imageSchema)),
  last_updated: opt(dateTime),
};

export const evse211Schema = z.looseObject({ ...evseBase, connectors: opt(z.array(connector211Schema)) });
export const evse22Schema = z.looseObject({ ...evseBase, connectors: opt(z.array(connector22Schema)) });

const evseParking = z.looseObject({ parking_id: id, evse_position: opt(enumValue) });

export const evse230Schema = z.looseObject({
  ...evseBase,
  connectors: opt(z.array(connector230Schema)),
  // v2.3.0's own examples send plain parking ids ("1"); corrected to EVSEParking in edition 2.
  parking: opt(z.array(z.union([evseParking, z.string()]))),
  accepted_service_providers: opt(z.array(z.string())),
});

// ---------------------------------------------------------------------------------------------
// Location

const locationBase = {
  id,
  name: opt(text),
  address: opt(text),
  city: opt(text),
  postal_code: opt(text),
  country: opt(z.string()),
  coordinates: geoLocationSchema,
  related_locations: opt(z.array(additionalGeoLocation)),
  directions: opt(z.array(displayTextSchema)),
  operator: opt(businessDetailsSchema),
  suboperator: opt(businessDetailsSchema),
  owner: opt(businessDetailsSchema),
  facilities: opt(z.array(enumValue)),
  time_zone: opt(z.string()),
  opening_times: opt(hoursSchema),
  charging_when_closed: opt(z.boolean()),
  images: opt(z.array(imageSchema)),
  last_updated: opt(dateTime),
};

export const location211Schema = z.looseObject({
  ...locationBase,
  type: opt(enumValue),
  evses: opt(z.array(evse211Schema)),
  energy_mix: opt(energyMixSchemas['2.1.1']),
});

const location22Base = {
  ...locationBase,
  // Required by 2.2+, but may come from the push URL or the credentials role instead.
  country_code: opt(z.string()),
  party_id: opt(z.string()),
  publish: opt(z.boolean()),
  publish_allowed_to: opt(z.array(publishTokenType)),
  state: opt(text),
  parking_type: opt(enumValue),
  energy_mix: opt(energyMixSchemas['2.2']),
};

export const location22Schema = z.looseObject({ ...location22Base, evses: opt(z.array(evse22Schema)) });

const parkingSchema = z.looseObject({
  id,
  physical_reference: opt(z.string()),
  vehicle_types: z.array(enumValue),
  max_vehicle_weight: opt(num),
  max_vehicle_height: opt(num),
  max_vehicle_length: opt(num),
  max_vehicle_width: opt(num),
  parking_space_length: opt(num),
  parking_space_width: opt(num),
  dangerous_goods_allowed: opt(z.boolean()),
  direction: opt(enumValue),
  drive_through: opt(z.boolean()),
  restricted_to_type: z.boolean(),
  reservation_required: z.boolean(),
  time_limit: opt(num),
  roofed: opt(z.boolean()),
  images: opt(z.array(imageSchema)),
  lighting: opt(z.boolean()),
  refrigeration_outlet: opt(z.boolean()),
  standards: opt(z.array(z.string())),
  apds_reference: opt(z.string()),
});

export const location230Schema = z.looseObject({
  ...location22Base,
  evses: opt(z.array(evse230Schema)),
  parking_places: opt(z.array(parkingSchema)),
  help_phone: opt(z.string()),
});

export type OcpiLocation211 = z.infer<typeof location211Schema>;
export type OcpiLocation22 = z.infer<typeof location22Schema>;
export type OcpiLocation230 = z.infer<typeof location230Schema>;
export type OcpiEvse22 = z.infer<typeof evse22Schema>;
export type OcpiConnector22 = z.infer<typeof connector22Schema>;

export const locationSchemas = {
  '2.1.1': location211Schema,
  '2.2': location22Schema,
  '2.2.1': location22Schema,
  '2.3.0': location230Schema,
} as const satisfies Record<OcpiVersion, z.ZodType>;

export const evseSchemas = {
  '2.1.1': evse211Schema,
  '2.2': evse22Schema,
  '2.2.1': evse22Schema,
  '2.3.0': evse230Schema,
} as const satisfies Record<OcpiVersion, z.ZodType>;

export const connectorSchemas = {
  '2.1.1': connector211Schema,
  '2.2': connector22Schema,
  '2.2.1': connector22Schema,
  '2.3.0': connector230Schema,
} as const satisfies Record<OcpiVersion, z.ZodType>;

// ---------------------------------------------------------------------------------------------
// PATCH bodies (push receiver)

export type LocationDepth = 'location' | 'evse' | 'connector';

const byDepth = {
  location: locationSchemas,
  evse: evseSchemas,
  connector: connectorSchemas,
} as const;

// Built once: every field optional, except that 2.2+ PATCH requests SHALL carry last_updated.
const patchSchemas = new Map<string, z.ZodType<Record<string, unknown>>>();
for (const depth of ['location', 'evse', 'connector'] as const) {
  for (const version of ['2.1.1', '2.2', '2.2.1', '2.3.0'] as const) {
    const partial = byDepth[depth][version].partial();
    const schema = version === '2.1.1' ? partial : partial.extend({ last_updated: dateTime });
    patchSchemas.set(`${depth}@${version}`, schema);
  }
}

/**
 * Schema for a Locations PATCH body at the depth given by the URL (…/{location_id},
 * …/{evse_uid}, …/{connector_id}). Present fields keep their type; nothing else is required.
 */
export function partialLocationPatchSchema(
  version: OcpiVersion,
  depth: LocationDepth,
): z.ZodType<Record<string, unknown>> {
  return patchSchemas.get(`${depth}@${version}`)!;
}

// ---------------------------------------------------------------------------------------------
// Credentials

export const credentials211Schema = z.looseObject({
  token: z.string(),
  url: z.string(),
  business_details: businessDetailsSchema,
  party_id: z.string(),
  country_code: z.string(),
});

export const credentialsRoleSchema = z.looseObject({
  role: enumValue,
  business_details: businessDetailsSchema,
  party_id: z.string(),
  country_code: z.string(),
});

export const credentials22Schema = z.looseObject({
  token: z.string(),
  url: z.string(),
  roles: z.array(credentialsRoleSchema).min(1),
});

/** 2.3.0: a hub names itself in hub_party_id (cc + pid, ci(5)) instead of a HUB role. */
export const credentials230Schema = credentials22Schema.extend({ hub_party_id: opt(z.string()) });

export type OcpiCredentials211 = z.infer<typeof credentials211Schema>;
export type OcpiCredentials22 = z.infer<typeof credentials22Schema>;
export type OcpiCredentials230 = z.infer<typeof credentials230Schema>;

export const credentialsSchemas = {
  '2.1.1': credentials211Schema,
  '2.2': credentials22Schema,
  '2.2.1': credentials22Schema,
  '2.3.0': credentials230Schema,
} as const satisfies Record<OcpiVersion, z.ZodType>;
