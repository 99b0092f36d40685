// /v1/locations: source records (before dedupe groups them into sites) as GeoJSON, with the same
// filters and paging as /v1/sites.
import { createRoute } from '@hono/zod-openapi';
import {
  evsesOf,
  publishedLocation,
  publishedLocationIds,
  publishedLocationPoints,
  publishedLocationsByPk,
} from '../db/queries/locations.js';
import { notFound } from './errors.js';
import { distancePage, featureCollectionResponse, keysetPage, nearSearchBox } from './feature-pages.js';
import {
  errorResponses,
  GEOJSON,
  geojsonOk,
  idParams,
  locationCollectionSchema,
  locationDetailFeatureSchema,
  noQueryParams,
  notFoundResponse,
} from './geojson-schemas.js';
import { resourceApp } from './http/validation.js';
import { locationDetail, locationFeatures } from './location-features.js';
import { filterOf, siteQuerySchema } from './query-params.js';

const listRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listLocations',
  summary: 'Source locations as a GeoJSON FeatureCollection',
  description: 'Every published location as its source reports it; the same parameters as /v1/sites.',
  tags: ['locations'],
  request: { query: siteQuerySchema },
  responses: { ...geojsonOk(locationCollectionSchema, 'A page of locations'), ...errorResponses },
});

const detailRoute = createRoute({
  method: 'get',
  path: '/{id}',
  operationId: 'getLocation',
  summary: 'One source location with its EVSEs and connectors',
  tags: ['locations'],
  request: { params: idParams, query: noQueryParams },
  responses: {
    ...geojsonOk(locationDetailFeatureSchema, 'The location'),
    ...notFoundResponse,
    ...errorResponses,
  },
});

export const locationsApp = resourceApp()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const db = c.get('db');
    const filter = filterOf(q);
    let page: { items: { id: string }[]; distances?: Map<string, number>; next: typeof q.cursor | null };
    if (q.near) {
      const box = nearSearchBox(q);
      const points = box ? await publishedLocationPoints(db, box, filter) : [];
      page = distancePage(
        points.map((p) => ({ id: p.pk, lat: p.lat, lon: p.lon })),
        q,
      );
    } else {
      const ids = await publishedLocationIds(db, {
        bbox: q.bbox,
        filter,
        after: q.cursor?.k,
        limit: q.limit + 1,
      });
      page = keysetPage(
        ids.map((id) => ({ id })),
        q.limit,
      );
    }
    const ids = page.items.map((i) => i.id);
    const rows = await publishedLocationsByPk(db, ids);
    const order = new Map(ids.map((id, i) => [id, i]));
    rows.sort((a, b) => order.get(a.pk)! - order.get(b.pk)!);
    const { evses, connectors } = await evsesOf(db, ids);
    const features = locationFeatures(rows, evses, connectors, page.distances);
    return featureCollectionResponse(c, features, page.next ?? null);
  })
  .openapi(detailRoute, async (c) => {
    const db = c.get('db');
    const { id } = c.req.valid('param');
    const row = await publishedLocation(db, id);
    if (!row) throw notFound(`location ${JSON.stringify(id)}`);
    const { evses, connectors } = await evsesOf(db, [row.pk]);
    return c.json(locationDetail(row, evses, connectors), 200, { 'Content-Type': GEOJSON });
  });
