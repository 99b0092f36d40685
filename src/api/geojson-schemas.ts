// Response shapes for the OpenAPI document (the handlers build these objects; see site-features.ts).
import { z } from '@hono/zod-openapi';

export const errorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi('Error', {
    example: {
      error: { code: 'invalid_parameter', message: 'bbox: expected minLon,minLat,maxLon,maxLat (4 numbers)' },
    },
  });

const pointSchema = z.object({
  type: z.literal('Point'),
  coordinates: z
    .array(z.number())
    .length(2)
    .openapi({ description: '[lon, lat], WGS 84, at most 7 decimals' }),
});

export const featureSchema = z
  .object({
    type: z.literal('Feature'),
    id: z.string(),
    geometry: pointSchema,
    properties: z.record(z.string(), z.unknown()),
  })
  .openapi('Feature');

export const featureCollectionSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(featureSchema),
    next: z.string().nullable().openapi({ description: 'URL of the next page, null on the last one' }),
    links: z.array(z.object({ rel: z.string(), href: z.string(), type: z.string().optional() })),
  })
  .openapi('FeatureCollection');

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
