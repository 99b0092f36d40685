// Response shapes of the public API, one declaration each: the OpenAPI document is generated from
// them, and the view builders (site-features.ts, location-features.ts) are typed by them, so a
// field added to an answer without its schema does not compile.
import { z } from '@hono/zod-openapi';
import { LIFECYCLES } from '../model/lifecycle.js';
import { tariffSchema } from './tariff-view.js';

export const errorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi('Error', {
    example: {
      error: { code: 'invalid_parameter', message: 'bbox: expected minLon,minLat,maxLon,maxLat (4 numbers)' },
    },
  });

export const pointSchema = z
  .object({
    type: z.literal('Point'),
    coordinates: z
      .array(z.number())
      .length(2)
      .openapi({ description: '[lon, lat], WGS 84, at most 7 decimals' }),
  })
  .openapi('Point');

const text = z.string().nullable();

const lifecycle = z
  .enum(LIFECYCLES as [string, ...string[]])
  .openapi({ description: 'planned, operational or out of service (removed ones are not published)' });

const connectorCountSchema = z
  .object({ standard: z.string(), power_kw: z.number().nullable(), count: z.number().int() })
  .openapi('ConnectorCount', { description: 'connectors of one OCPI type and rated power' });

const statusCounts = z
  .record(z.string(), z.number().int())
  .openapi({ description: 'number of EVSEs per OCPI status', example: { AVAILABLE: 2, CHARGING: 1 } });

const distance = z
  .number()
  .nullable()
  .optional()
  .openapi({ description: 'metres from `near` / `point` (distance queries only)' });

const period = z.object({ period_begin: z.string(), period_end: z.string() });

export const openingTimesSchema = z
  .object({
    twentyfourseven: z.boolean(),
    regular_hours: z.array(
      z.object({
        weekday: z.number().int().openapi({ description: '1 = Monday .. 7 = Sunday' }),
        period_begin: z.string().openapi({ example: '08:00' }),
        period_end: z.string().openapi({ example: '20:00' }),
      }),
    ),
    exceptional_openings: z.array(period),
    exceptional_closings: z.array(period),
  })
  .openapi('OpeningTimes', { description: 'OCPI Hours, in its 2.2 shape and snake_case spelling' });

const connectorSchema = z
  .object({
    id: z.string(),
    standard: z.string(),
    format: text,
    power_type: text,
    max_voltage: z.number().nullable(),
    max_amperage: z.number().nullable(),
    max_power_kw: z.number().nullable(),
    tariff_ids: z.array(z.string()),
  })
  .openapi('Connector');

export const evseSchema = z
  .object({
    uid: z.string(),
    evse_id: text.openapi({ description: 'eMI3 EVSE id' }),
    status: z.string(),
    status_updated_at: text,
    capabilities: z.array(z.string()),
    floor_level: text,
    physical_reference: text,
    coordinates: z.array(z.number()).nullable(),
    parking_restrictions: z.array(z.string()),
    max_power_kw: z.number().nullable(),
    last_updated: text,
    connectors: z.array(connectorSchema),
  })
  .openapi('Evse');

const party = z.object({ country_code: z.string(), party_id: z.string() });

/** The address fields a location and a site show, and the display name derived from them. */
const placeFields = {
  name: text.openapi({
    description: 'the name the source gives, or one derived from the address when it gives none',
  }),
  name_derived: z
    .boolean()
    .openapi({ description: 'true: the source has no name for this place; `name` is made from the address' }),
  address: text,
  city: text,
  postal_code: text,
  country: text.openapi({ description: 'ISO 3166-1 alpha-3' }),
};

/** The fields of a location as its source reports it, in its list and detail views. */
const locationBase = {
  id: z.string(),
  ...placeFields,
  operator: text,
  source: z.string().openapi({ description: 'source id (see /v1/sources)' }),
  source_location_id: z.string(),
  max_power_kw: z.number().nullable(),
  lifecycle,
  last_updated: z.string(),
};

/** What a detail view adds about a location: OCPI's descriptive fields and the EVSEs. */
const locationDetailFields = {
  state: text,
  party,
  operator_website: text,
  suboperator: text,
  owner: text,
  parking_type: text,
  time_zone: text,
  facilities: z.array(z.string()),
  opening_times: openingTimesSchema.nullable(),
  charging_when_closed: z.boolean().nullable(),
  evses: z.array(evseSchema),
};

export const locationListPropertiesSchema = z
  .object({
    ...locationBase,
    evse_count: z.number().int(),
    status: statusCounts,
    connectors: z.array(connectorCountSchema),
    distance_m: distance,
  })
  .openapi('LocationSummary');

export const locationDetailPropertiesSchema = z
  .object({ ...locationBase, ...locationDetailFields })
  .openapi('LocationDetail');

export const siteListPropertiesSchema = z
  .object({
    id: z.string(),
    ...placeFields,
    operator: text,
    operators: z.array(z.string()),
    sources: z.array(z.string()).openapi({ description: 'ids of the sources of its locations' }),
    location_ids: z.array(z.string()),
    evse_count: z.number().int(),
    connector_count: z.number().int(),
    max_power_kw: z.number().nullable(),
    status: statusCounts,
    connectors: z.array(connectorCountSchema),
    lifecycle,
    last_updated: z.string(),
    distance_m: distance,
  })
  .openapi('SiteSummary');

const fieldOrigin = z
  .object({
    value: z.unknown(),
    source: z.string().optional(),
    record: z.string().optional(),
    last_updated: z.string().optional(),
  })
  .openapi('FieldOrigin', { description: 'a resolved value and the record it was taken from' });

export const sourceRefSchema = z
  .object({ id: z.string(), name: z.string(), license: text, attribution: text })
  .openapi('SourceRef');

export const provenanceSchema = z
  .object({
    resolved_by: z
      .enum(['dedupe', 'single-record'])
      .openapi({ description: 'dedupe grouped several records, or the site is one record' }),
    updated_at: text,
    fields: z.record(z.string(), fieldOrigin),
    sources: z
      .array(sourceRefSchema)
      .openapi({ description: 'the sources named in `sources`, with licences' }),
  })
  .openapi('Provenance');

export const siteDetailPropertiesSchema = z
  .object({
    ...siteListPropertiesSchema.shape,
    locations: z.array(
      z.object({
        id: z.string(),
        source: z.string(),
        source_location_id: z.string(),
        ...placeFields,
        position: z.array(z.number()),
        operator: text,
        lifecycle,
        license: text.openapi({ description: "the record's licence, else its source's" }),
        last_updated: z.string(),
        ...locationDetailFields,
      }),
    ),
    tariffs: z.array(tariffSchema),
    provenance: provenanceSchema,
  })
  .openapi('SiteDetail');

/** A GeoJSON Feature (RFC 7946) with a Point geometry and these properties. */
function pointFeature<P extends z.ZodType>(properties: P) {
  return z.object({ type: z.literal('Feature'), id: z.string(), geometry: pointSchema, properties });
}

/** A page of features with its `next` link. */
function featurePage<F extends z.ZodType>(feature: F) {
  return z.object({
    type: z.literal('FeatureCollection'),
    features: z.array(feature),
    next: z.string().nullable().openapi({ description: 'URL of the next page, null on the last one' }),
    links: z.array(z.object({ rel: z.string(), href: z.string(), type: z.string().optional() })),
  });
}

export const siteFeatureSchema = pointFeature(siteListPropertiesSchema).openapi('SiteFeature');
export const siteDetailFeatureSchema = pointFeature(siteDetailPropertiesSchema).openapi('SiteDetailFeature');
export const locationFeatureSchema = pointFeature(locationListPropertiesSchema).openapi('LocationFeature');
export const locationDetailFeatureSchema = pointFeature(locationDetailPropertiesSchema).openapi(
  'LocationDetailFeature',
);
export const siteCollectionSchema = featurePage(siteFeatureSchema).openapi('SiteCollection');
export const locationCollectionSchema = featurePage(locationFeatureSchema).openapi('LocationCollection');

export type SiteFeature = z.infer<typeof siteFeatureSchema>;
export type SiteDetailFeature = z.infer<typeof siteDetailFeatureSchema>;
export type LocationFeature = z.infer<typeof locationFeatureSchema>;
export type LocationDetailFeature = z.infer<typeof locationDetailFeatureSchema>;
export type OpeningTimesView = z.infer<typeof openingTimesSchema>;

export const GEOJSON = 'application/geo+json; charset=utf-8';

/** A 200 answer of GeoJSON with this schema. */
export const geojsonOk = <S extends z.ZodType>(schema: S, description: string) => ({
  200: { description, content: { 'application/geo+json': { schema } } },
});

/** A 200 answer of JSON with this schema. */
export const jsonOk = <S extends z.ZodType>(schema: S, description: string) => ({
  200: { description, content: { 'application/json': { schema } } },
});

export const errorResponses = {
  400: {
    description: 'A parameter is invalid or unknown; the message names it',
    content: { 'application/json': { schema: errorSchema } },
  },
  429: {
    description: 'Too many requests; see Retry-After',
    content: { 'application/json': { schema: errorSchema } },
  },
} as const;

export const notFoundResponse = {
  404: { description: 'No such resource', content: { 'application/json': { schema: errorSchema } } },
} as const;

/** Single-item routes take no query parameters; an unknown one is a 400 like on the lists. */
export const noQueryParams = z.strictObject({});

export const idParams = z.object({
  id: z
    .string()
    .min(1)
    .max(200, 'is longer than 200 characters')
    .openapi({ param: { name: 'id', in: 'path' } }),
});
