// /v1/tariffs: OCPI tariffs with structured elements and a one-line human summary.
import { createRoute, z } from '@hono/zod-openapi';
import { publishedTariff, publishedTariffs } from '../db/queries/tariffs.js';
import { notFound } from './errors.js';
import { keysetPage } from './feature-pages.js';
import { errorResponses, idParams, jsonOk, noQueryParams, notFoundResponse } from './geojson-schemas.js';
import { resourceApp } from './http/validation.js';
import { limitParam } from './params.js';
import { cursorParam, dateTimeParam, encodeCursor } from './query-params.js';
import { tariffSchema, tariffView } from './tariff-view.js';

const listQuery = z.strictObject({
  source: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:,-]{0,999}$/, 'expected source ids, comma-separated')
    .transform((s) => s.split(',').filter(Boolean))
    .optional()
    .openapi({ description: 'source ids, comma-separated' }),
  country: z
    .string()
    .regex(
      /^[A-Za-z]{2}(,[A-Za-z]{2}){0,49}$/,
      'expected ISO 3166-1 alpha-2 codes of the owning party, comma-separated',
    )
    .transform((s) => s.toUpperCase().split(','))
    .optional()
    .openapi({ description: 'alpha-2 country codes of the owning party (OCPI country_code)', example: 'DE' }),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 currency code')
    .transform((s) => s.toUpperCase())
    .optional()
    .openapi({ example: 'EUR' }),
  free: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional(),
  updated_since: dateTimeParam.optional().openapi({ example: '2024-05-01T00:00:00Z' }),
  limit: limitParam(10_000, 1_000).openapi({
    type: 'string',
    description: 'page size, 1..10000 (default 1000)',
  }),
  cursor: cursorParam.optional().openapi({ description: 'opaque; follow the `next` link' }),
});

const tariffPageSchema = z
  .object({
    tariffs: z.array(tariffSchema),
    next: z.string().nullable().openapi({ description: 'URL of the next page, null on the last one' }),
  })
  .openapi('TariffPage');

export const tariffsApp = resourceApp()
  .openapi(
    createRoute({
      method: 'get',
      path: '/',
      operationId: 'listTariffs',
      summary: 'Tariffs of the published sources',
      tags: ['tariffs'],
      request: { query: listQuery },
      responses: { ...jsonOk(tariffPageSchema, 'A page of tariffs'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await publishedTariffs(c.get('db'), {
        sources: q.source,
        countries: q.country,
        currency: q.currency,
        free: q.free,
        updatedSince: q.updated_since,
        after: q.cursor?.k,
        limit: q.limit + 1,
      });
      const page = keysetPage(
        rows.map((r) => ({ ...r, id: r.pk })),
        q.limit,
      );
      let next: string | null = null;
      if (page.next) {
        const url = new URL(c.req.url);
        url.searchParams.set('cursor', encodeCursor(page.next));
        next = url.toString();
        c.header('Link', `<${next}>; rel="next"`);
      }
      return c.json({ tariffs: page.items.map(tariffView), next }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      operationId: 'getTariff',
      summary: 'One tariff',
      tags: ['tariffs'],
      request: { params: idParams, query: noQueryParams },
      responses: {
        ...jsonOk(tariffSchema, 'The tariff'),
        ...notFoundResponse,
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const row = await publishedTariff(c.get('db'), id);
      if (!row) throw notFound(`tariff ${JSON.stringify(id)}`);
      return c.json(tariffView(row), 200);
    },
  );
