// The `mapped` register type: a file in any CSV or JSON layout, read by a mapping the sources file
// states (where each canonical field comes from, value maps, units, date formats, grouping), so a
// new register needs configuration, not code. Validated at startup with zod: every error names the
// field's path (`mapping.fields.latitude`), strict objects reject misspelt keys.
import { z } from 'zod';
import { isDateLayout } from './date-layouts.js';

const CONNECTOR_FORMATS = ['SOCKET', 'CABLE'] as const;

const csvFormat = z.strictObject({
  type: z.literal('csv'),
  /** One character; ',' when absent. */
  separator: z.string().length(1).default(','),
  quote: z.string().length(1).default('"'),
  /** A WHATWG encoding label (utf-8, windows-1252, iso-8859-15, utf-16le, ...). */
  encoding: z.string().min(1).default('utf-8'),
});
const jsonFormat = z.strictObject({
  type: z.literal('json'),
  /** Dotted path to the array of records ("data.items"); empty when the document is that array. */
  records: z.string().default(''),
  encoding: z.string().min(1).default('utf-8'),
});
const ndjsonFormat = z.strictObject({
  type: z.literal('ndjson'),
  encoding: z.string().min(1).default('utf-8'),
});

const literal = z.union([z.string(), z.number(), z.boolean()]);
/** What a value map gives for a connector label: an OCPI standard, or standard plus format/power type. */
const connectorKind = z.strictObject({
  standard: z.string().min(1),
  format: z.enum(CONNECTOR_FORMATS).optional(),
  power_type: z.string().min(1).optional(),
});
const mapTarget = z.union([literal, z.null(), connectorKind]);

const regex = z.string().refine(
  (s) => {
    try {
      new RegExp(s, 'u');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

const dateLayout = z.string().refine(isDateLayout, {
  message: 'a date layout with YYYY (or YY), MM and DD, or iso / epoch_s / epoch_ms',
});

const fieldObject = z
  .strictObject({
    /** Column name (CSV) or dotted path (JSON); several are joined with `join`. `{i}` is the slot number. */
    from: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** A constant instead of a column. */
    value: literal.optional(),
    join: z.string().default(' '),
    /** Values that mean "none" in this file (e.g. house number "0"), checked per column. */
    null_values: z.array(z.string()).default([]),
    /** A regular expression; its first group (else the whole match) is the value. */
    pattern: regex.optional(),
    /** Source value -> canonical value (trimmed, matched exactly, then case-insensitively; "*": any other value). */
    map: z.record(z.string(), mapTarget).optional(),
    /** Splits a free-text list ("Typ 2, Schuko") into one value per item. */
    split: z.string().min(1).optional(),
    /** Power in W or kW; W when absent. */
    unit: z.enum(['W', 'kW']).optional(),
    /** Date layouts with DD, MM, YYYY, YY, HH, mm, ss ("DD.MM.YY"), or iso / epoch_s / epoch_ms. */
    date_format: z.union([dateLayout, z.array(dateLayout).min(1)]).optional(),
    /** Id fields: the values hashed into a stable id (for files without an id column). */
    hash: z.boolean().default(false),
  })
  .refine((f) => (f.from === undefined) !== (f.value === undefined), {
    message: 'give exactly one of "from" (a column or path) and "value" (a constant)',
  });

/** A field: a column name / JSON path, or an object with options. */
const field = z.preprocess((v) => (typeof v === 'string' ? { from: v } : v), fieldObject);

const coordinatesField = z.strictObject({
  /** A column holding both numbers ("[2.79, 48.84]" or "48.84 2.79"), or a JSON [x, y] array. */
  from: z.string().min(1),
  order: z.enum(['lat,lon', 'lon,lat']),
});

const locationFields = z
  .strictObject({
    id: field.optional(),
    latitude: field.optional(),
    longitude: field.optional(),
    coordinates: coordinatesField.optional(),
    name: field.optional(),
    address: field.optional(),
    city: field.optional(),
    postal_code: field.optional(),
    state: field.optional(),
    /** ISO 3166 alpha-3 (or alpha-2, converted); else the alpha-3 of `country_code`. */
    country: field.optional(),
    operator: field.optional(),
    suboperator: field.optional(),
    owner: field.optional(),
    parking_type: field.optional(),
    /** The file's last update (else commissioning) date of the record. */
    last_updated: field.optional(),
    /** Mapped to planned / operational / out_of_service / removed (unmapped words are read as such). */
    lifecycle: field.optional(),
    /** The record's own licence, when the file states one per record. */
    license: field.optional(),
    /** True (after the map) means open 24/7. */
    open_24_7: field.optional(),
  })
  .superRefine((f, ctx) => {
    const pair = f.latitude !== undefined && f.longitude !== undefined;
    if (pair === (f.coordinates !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['latitude'],
        message: 'give "latitude" and "longitude", or "coordinates" (one column with both)',
      });
    }
  });

/** A connector flag column (IRVE's prise_type_2: true) and the connector it stands for. */
const connectorFlag = z.strictObject({
  standard: z.string().min(1),
  format: z.union([z.enum(CONNECTOR_FORMATS), fieldObject]).optional(),
  power_type: z.string().min(1).optional(),
});

const connectorFields = z
  .strictObject({
    /** JSON: path (in an EVSE object) to its array of connector objects, each then read as a row. */
    each: z.string().min(1).optional(),
    /** The connector type(s): a `split` list makes one connector per item; `map` names the standards. */
    standard: field.optional(),
    /** Columns that are true when the EVSE has that connector: one connector per true flag. */
    flags: z.record(z.string().min(1), connectorFlag).optional(),
    id: field.optional(),
    format: field.optional(),
    power_type: field.optional(),
    max_power: field.optional(),
    /** Amperes. */
    max_amperage: field.optional(),
    /** Volts. */
    max_voltage: field.optional(),
  })
  .refine((c) => !(c.standard && c.flags), { message: 'give "standard" or "flags", not both' });

const evseMapping = z.strictObject({
  /** JSON: path (in a location record) to its array of EVSE objects, each then read as a row. */
  each: z.string().min(1).optional(),
  /** Columns whose values together identify an EVSE within a location: rows sharing them are one EVSE. */
  group_by: z.array(z.string().min(1)).min(1).optional(),
  /** Repeated column groups (Steckertypen1..4): columns with `{i}` are read for i = 1..slots. */
  slots: z.number().int().min(1).max(64).optional(),
  /** A count column: the row stands for that many identical EVSEs. */
  count: field.optional(),
  fields: z
    .strictObject({ uid: field.optional(), evse_id: field.optional(), status: field.optional() })
    .default({}),
  connectors: connectorFields.default({}),
});

export const registerMapping = z
  .strictObject({
    format: z.discriminatedUnion('type', [csvFormat, jsonFormat, ndjsonFormat]),
    /** The OCPI country code and party id the file's records are stored under. */
    country_code: z.string().regex(/^[A-Za-z]{2}$/, 'a two-letter country code'),
    party_id: z.string().regex(/^[A-Za-z0-9]{3}$/, 'a three-character party id'),
    /** ',' for files that write 50,93 (then no thousands separators are read). */
    decimal_mark: z.enum(['.', ',']).default('.'),
    /** Values meaning "true" in flag columns (compared case-insensitively). */
    true_values: z.array(z.string()).default(['true', '1', 'yes', 'y', 'oui', 'ja', 'x']),
    /** Columns whose values together identify a location: rows sharing them are one location. */
    group_by: z.array(z.string().min(1)).min(1).optional(),
    fields: locationFields,
    evses: evseMapping.default({ fields: {}, connectors: {} }),
  })
  .superRefine((m, ctx) => {
    const nested = m.evses.each !== undefined || m.evses.connectors.each !== undefined;
    if (nested && m.format.type === 'csv') {
      const path = m.evses.each !== undefined ? ['evses', 'each'] : ['evses', 'connectors', 'each'];
      ctx.addIssue({ code: 'custom', path, message: 'nested arrays are read from JSON, not CSV' });
    }
    if (m.evses.connectors.each !== undefined && m.evses.each === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['evses', 'connectors', 'each'],
        message: 'connectors are nested in EVSEs: give evses.each too',
      });
    }
    if (m.evses.slots !== undefined && m.evses.group_by !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['evses', 'slots'],
        message: 'slots (column groups in one row) and group_by (one row per EVSE) exclude each other',
      });
    }
  });

export type RegisterMapping = z.infer<typeof registerMapping>;
export type FieldSpec = z.infer<typeof fieldObject>;
export type ConnectorKindTarget = z.infer<typeof connectorKind>;
export type MapTarget = z.infer<typeof mapTarget>;
export type ConnectorFlag = z.infer<typeof connectorFlag>;
