// GET /v1/stats (and /v1/stats/by-*) and GET /v1/operators: counts of sites, locations, EVSEs,
// connectors and installed kW. /v1/stats/occupancy belongs to the availability resource; this app
// answers only `/` and `/by-*`, so both mount under /v1/stats.

import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  operatorStats,
  POWER_CLASS_BOUNDS_KW,
  type StatsDimension,
  type StatsRow,
  statsBy,
} from '../db/queries/stats.js';
import type { Db } from '../db/types.js';
import { alpha2ToAlpha3 } from '../model/countries.js';
import type { AppEnv } from './deps.js';
import { errorResponses, jsonOk } from './geojson-schemas.js';
import { dataVersion } from './http/data-version.js';
import { freshFor } from './http/fresh-for.js';
import { resourceApp } from './http/validation.js';
import { limitParam } from './params.js';
import { cursorParam, encodeCursor, filterOf, siteQueryFields } from './query-params.js';

const filterQuery = siteQueryFields.pick({ country: true, operator: true, source: true, license: true });
const statsQuery = z.strictObject(filterQuery.shape);
const operatorsQuery = z.strictObject({
  country: filterQuery.shape.country,
  source: filterQuery.shape.source,
  license: filterQuery.shape.license,
  limit: limitParam(10_000, 1_000).openapi({
    type: 'string',
    description: 'page size, 1..10000 (default 1000)',
  }),
  cursor: cursorParam.optional().openapi({ description: 'opaque; follow the `next` link' }),
});

const kw = (w: number | null) => (w == null ? 0 : Math.round(w / 100) / 10);

function counts(r: StatsRow) {
  return {
    sites: r.sites,
    locations: r.locations,
    evses: r.evses,
    connectors: r.connectors,
    installed_kw: kw(r.installed_w),
  };
}

/** Country rows keyed by alpha-3; a site without a country counts under its party's country. */
function byCountry(rows: StatsRow[]) {
  const merged = new Map<string, ReturnType<typeof counts>>();
  for (const r of rows) {
    const key = r.key ?? (r.key2 ? (alpha2ToAlpha3(r.key2) ?? r.key2) : 'unknown');
    const c = counts(r);
    const m = merged.get(key);
    if (!m) merged.set(key, c);
    else {
      // Sites and locations are distinct per row group; adding is exact because a location has one country.
      for (const k of Object.keys(c) as (keyof typeof c)[]) m[k] += c[k];
      m.installed_kw = Math.round(m.installed_kw * 10) / 10;
    }
  }
  return [...merged.entries()].map(([country, c]) => ({ country, ...c })).sort((a, b) => b.evses - a.evses);
}

const DIMENSIONS = {
  country: { key: 'country', rows: byCountry },
  operator: { key: 'operator', rows: (rs: StatsRow[]) => rs.map((r) => ({ operator: r.key, ...counts(r) })) },
  connector: {
    key: 'standard',
    rows: (rs: StatsRow[]) => rs.map((r) => ({ standard: r.key, ...counts(r) })),
  },
  power_class: {
    key: 'power_class',
    rows: (rs: StatsRow[]) => rs.map((r) => ({ power_class_kw: r.key, ...counts(r) })),
  },
} as const;

async function dimension<D extends keyof typeof DIMENSIONS>(
  db: Db,
  dim: D,
  q: z.infer<typeof statsQuery>,
): Promise<ReturnType<(typeof DIMENSIONS)[D]['rows']>> {
  const rows = await statsBy(db, dim as StatsDimension, filterOf(q));
  return DIMENSIONS[dim].rows(rows) as ReturnType<(typeof DIMENSIONS)[D]['rows']>;
}

/** One dimension's rows, for /v1/stats/by-*, as the counts stand (STATS_FRESH_MS). */
function countedDimension<D extends keyof typeof DIMENSIONS>(
  c: Context<AppEnv>,
  dim: D,
  q: z.infer<typeof statsQuery>,
) {
  return counted(c, () => dimension(c.get('db'), dim, q));
}

const countsShape = {
  sites: z.number().int(),
  locations: z.number().int(),
  evses: z.number().int(),
  connectors: z.number().int(),
  installed_kw: z.number(),
};
const countsSchema = z.object(countsShape).openapi('Counts');
const byCountrySchema = z.array(
  z.object({
    country: z.string().openapi({ description: 'ISO 3166-1 alpha-3, or `unknown`' }),
    ...countsShape,
  }),
);
const byOperatorSchema = z.array(z.object({ operator: z.string().nullable(), ...countsShape }));
const byConnectorSchema = z.array(
  z.object({
    standard: z.string().nullable().openapi({ description: 'OCPI ConnectorType' }),
    ...countsShape,
  }),
);
const byPowerClassSchema = z.array(
  z.object({
    power_class_kw: z
      .string()
      .nullable()
      .openapi({ description: 'a band of EVSE maximum power, e.g. `50-150`' }),
    ...countsShape,
  }),
);

const statsSchema = z
  .object({
    totals: countsSchema.nullable(),
    by_country: byCountrySchema,
    by_operator: byOperatorSchema,
    by_connector: byConnectorSchema,
    by_power_class: byPowerClassSchema,
  })
  .openapi('Statistics');

const operatorPageSchema = z
  .object({
    operators: z.array(
      z.object({
        name: z.string().nullable(),
        ...countsShape,
        countries: z.array(z.string()).openapi({ description: 'ISO 3166-1 alpha-3 codes' }),
      }),
    ),
    next: z.string().nullable().openapi({ description: 'URL of the next page, null on the last one' }),
  })
  .openapi('OperatorPage');

const byRoute = <K extends string, S extends z.ZodType>(
  path: string,
  operationId: string,
  summary: string,
  key: K,
  rows: S,
) =>
  createRoute({
    method: 'get',
    path,
    operationId,
    summary,
    tags: ['statistics'],
    request: { query: statsQuery },
    responses: {
      ...jsonOk(z.object({ [key]: rows } as { [k in K]: S }), 'Counts'),
      ...errorResponses,
    },
  });

/**
 * Every statistics answer (`/v1/stats`, `/v1/stats/by-*`, `/v1/operators`) is computed again only
 * once the counts' version moved (a write that may change a count: src/db/counts-changes.ts; a
 * status push never does), and then at most once a minute of the app's clock, in the background,
 * the last answer served meanwhile (fresh-for.ts): each query takes seconds on a large database,
 * and a sync moves the counts at every page.
 */
export const STATS_FRESH_MS = 60_000;
const statsFresh = freshFor<object>(STATS_FRESH_MS);

/**
 * The answer to the request as the counts stand, computed by `compute` when due (STATS_FRESH_MS),
 * dated with the Last-Modified of the counts it was computed from: served stale for up to a minute
 * after a change, it carried the new counts' date, so a client revalidating with If-Modified-Since
 * alone got a 304 for the fresh answer and kept the stale one until the next change.
 */
async function counted<T extends object>(c: Context<AppEnv>, compute: () => Promise<T>): Promise<T> {
  const db = c.get('db');
  const now = c.get('now');
  const version = await dataVersion(db, now, '', 'counts');
  const dated = async () => ({ body: await compute(), lastModified: version.lastModified.toUTCString() });
  const answer = (await statsFresh(db, c.req.url, now, version.etag, dated)) as {
    body: T;
    lastModified: string;
  };
  c.header('Last-Modified', answer.lastModified);
  return answer.body;
}

export const statsApp = resourceApp()
  .openapi(
    createRoute({
      method: 'get',
      path: '/',
      operationId: 'getStatistics',
      summary: 'Totals and counts by country, operator, connector type and power class',
      description:
        `Installed kW sums each EVSE's strongest connector (by connector type: that type's connectors). ` +
        `Power classes are EVSE maximum power bands in kW: ${POWER_CLASS_BOUNDS_KW.join(', ')} and above.`,
      tags: ['statistics'],
      request: { query: statsQuery },
      responses: { ...jsonOk(statsSchema, 'Counts'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const db = c.get('db');
      const body = await counted(c, async () => {
        const [total] = await statsBy(db, 'total', filterOf(q));
        return {
          totals: total ? counts(total) : null,
          by_country: await dimension(db, 'country', q),
          by_operator: await dimension(db, 'operator', q),
          by_connector: await dimension(db, 'connector', q),
          by_power_class: await dimension(db, 'power_class', q),
        };
      });
      return c.json(body, 200);
    },
  )
  .openapi(
    byRoute(
      '/by-country',
      'getStatisticsByCountry',
      'Counts by country (ISO 3166-1 alpha-3)',
      'by_country',
      byCountrySchema,
    ),
    async (c) =>
      c.json(
        {
          by_country: await countedDimension(c, 'country', c.req.valid('query')),
        },
        200,
      ),
  )
  .openapi(
    byRoute('/by-operator', 'getStatisticsByOperator', 'Counts by operator', 'by_operator', byOperatorSchema),
    async (c) =>
      c.json(
        {
          by_operator: await countedDimension(c, 'operator', c.req.valid('query')),
        },
        200,
      ),
  )
  .openapi(
    byRoute(
      '/by-connector',
      'getStatisticsByConnector',
      'Counts by OCPI connector type',
      'by_connector',
      byConnectorSchema,
    ),
    async (c) =>
      c.json(
        {
          by_connector: await countedDimension(c, 'connector', c.req.valid('query')),
        },
        200,
      ),
  )
  .openapi(
    byRoute(
      '/by-power-class',
      'getStatisticsByPowerClass',
      'Counts by EVSE power class',
      'by_power_class',
      byPowerClassSchema,
    ),
    async (c) =>
      c.json(
        {
          by_power_class: await countedDimension(c, 'power_class', c.req.valid('query')),
        },
        200,
      ),
  );

/** A page of operators with the link to the next one (null on the last). */
async function operatorPage(db: Db, url: string, q: z.infer<typeof operatorsQuery>) {
  const rows = await operatorStats(db, filterOf(q), q.cursor?.k, q.limit + 1);
  const items = rows.slice(0, q.limit);
  let next: string | null = null;
  const last = items[items.length - 1];
  if (rows.length > q.limit && last?.key) {
    const nextUrl = new URL(url);
    nextUrl.searchParams.set('cursor', encodeCursor({ k: last.key }));
    next = nextUrl.toString();
  }
  return {
    operators: items.map((r) => ({
      name: r.key,
      ...counts(r),
      // A location without a country counts under its party's (alpha-2): once the codes are
      // alpha-3, one country may be listed twice. group_concat's order follows the query plan:
      // sorted, the answer does not.
      countries: [
        ...new Set(
          (r.countries ?? '')
            .split(',')
            .filter(Boolean)
            .map((cc) => (cc.length === 2 ? (alpha2ToAlpha3(cc) ?? cc) : cc)),
        ),
      ].sort(),
    })),
    next,
  };
}

export const operatorsApp = resourceApp().openapi(
  createRoute({
    method: 'get',
    path: '/',
    operationId: 'listOperators',
    summary: 'Operators with their counts, by name',
    tags: ['statistics'],
    request: { query: operatorsQuery },
    responses: { ...jsonOk(operatorPageSchema, 'A page of operators'), ...errorResponses },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const db = c.get('db');
    const page = await counted(c, () => operatorPage(db, c.req.url, q));
    if (page.next) c.header('Link', `<${page.next}>; rel="next"`);
    return c.json(page, 200);
  },
);
