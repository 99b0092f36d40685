// /v1/locations: source records as GeoJSON.
import { Hono } from 'hono';
import { z } from 'zod';
import { evsesOf, publishedLocation, publishedLocations } from '../db/queries/locations.js';
import type { AppEnv } from './deps.js';
import { notFound } from './errors.js';
import { locationCollection, locationDetail } from './location-features.js';
import { bboxParam, limitParam, parseQuery } from './params.js';

const listQuery = z.object({
  bbox: bboxParam.optional(),
  limit: limitParam(10_000, 1_000),
});

export const locationsApp = new Hono<AppEnv>()
  .get('/', async (c) => {
    const q = parseQuery(listQuery, c.req.query());
    const db = c.get('db');
    const rows = await publishedLocations(db, q);
    const { evses, connectors } = await evsesOf(
      db,
      rows.map((r) => r.pk),
    );
    c.header('Content-Type', 'application/geo+json');
    return c.body(JSON.stringify(locationCollection(rows, evses, connectors)));
  })
  .get('/:id', async (c) => {
    const db = c.get('db');
    const id = c.req.param('id');
    const row = await publishedLocation(db, id);
    if (!row) throw notFound(`location ${JSON.stringify(id)}`);
    const { evses, connectors } = await evsesOf(db, [row.pk]);
    c.header('Content-Type', 'application/geo+json');
    return c.body(JSON.stringify(locationDetail(row, evses, connectors)));
  });
