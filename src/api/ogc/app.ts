// /ogc: OGC API - Features (Part 1 Core, Part 3 filtering with CQL2 text) over the published sites
// and locations, so QGIS, GDAL and other OGC clients open the atlas directly.
import type { Feature, Point } from 'geojson';
import { type Context, Hono } from 'hono';
import { type CreditedSource, creditedSources } from '../../db/queries/dump-sources.js';
import type { AppEnv } from '../deps.js';
import { attributionLine } from '../dump-formats.js';
import { ApiError, notFound } from '../errors.js';
import { docsHtml } from '../openapi.js';
import { ogcApiDocument } from './api-document.js';
import { COLLECTIONS, type OgcCollection } from './collections.js';
import { documentHtml, featuresHtml, type Link } from './html.js';
import { itemsPage } from './items-page.js';
import { CRS84, encodeItemCursor, type ItemCursor, MAX_LIMIT, parseItemsQuery } from './items-query.js';

/** Declared only for what is implemented and tested in test/api/ogc*.test.ts. */
export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
];

const JSON_TYPE = 'application/json';
const GEOJSON = 'application/geo+json';
const HTML = 'text/html';
const OPENAPI = 'application/vnd.oai.openapi+json;version=3.0';
const SCHEMA_JSON = 'application/schema+json';
const QUERYABLES_REL = 'http://www.opengis.net/def/rel/ogc/1.0/queryables';

type Ctx = Context<AppEnv>;

/** html when asked by `f=html`, or by an Accept header that prefers HTML (a browser); else json. */
function wantsHtml(c: Ctx): boolean {
  const f = c.req.query('f');
  if (f != null) {
    if (f === 'html') return true;
    if (f === 'json' || f === 'geojson') return false;
    throw new ApiError(400, 'invalid_parameter', 'f: one of json, html');
  }
  const accept = c.req.header('accept') ?? '';
  const h = accept.indexOf(HTML);
  const j = accept.indexOf('json');
  return h >= 0 && (j < 0 || h < j);
}

function onlyF(c: Ctx): void {
  for (const key of Object.keys(c.req.query())) {
    if (key !== 'f') throw new ApiError(400, 'unknown_parameter', `${key}: unknown parameter (accepted: f)`);
  }
}

const baseOf = (c: Ctx) => `${new URL(c.req.url).origin}/ogc`;

/** The request's URL with `f` (and the cursor, when given) replaced. */
function variant(c: Ctx, f: string, cursor?: ItemCursor | null): string {
  const url = new URL(c.req.url);
  url.searchParams.set('f', f);
  if (cursor !== undefined) {
    if (cursor) url.searchParams.set('cursor', encodeItemCursor(cursor));
    else url.searchParams.delete('cursor');
  }
  return url.toString();
}

function selfLinks(c: Ctx, html: boolean, jsonType = JSON_TYPE): Link[] {
  return [
    {
      rel: 'self',
      href: variant(c, html ? 'html' : 'json'),
      type: html ? HTML : jsonType,
      title: 'This document',
    },
    {
      rel: 'alternate',
      href: variant(c, html ? 'json' : 'html'),
      type: html ? jsonType : HTML,
      title: html ? 'This document as JSON' : 'This document as HTML',
    },
  ];
}

function respond(c: Ctx, doc: Record<string, unknown>, title: string, jsonType = JSON_TYPE): Response {
  c.header('Vary', 'Accept');
  if (wantsHtml(c)) return c.html(documentHtml(title, doc));
  c.header('Content-Type', `${jsonType}; charset=utf-8`);
  return c.body(JSON.stringify(doc));
}

function collectionOf(id: string): OgcCollection {
  const col = COLLECTIONS[id];
  if (!col)
    throw notFound(`collection ${JSON.stringify(id)} (one of ${Object.keys(COLLECTIONS).join(', ')})`);
  return col;
}

/** A licence's own page: the URL itself, or the SPDX page of an SPDX id. */
const licenseHref = (license: string) =>
  /^https?:\/\//.test(license) ? license : `https://spdx.org/licenses/${encodeURIComponent(license)}.html`;

function licenseLinks(c: Ctx, sources: CreditedSource[]): Link[] {
  return [
    {
      rel: 'license',
      href: `${new URL(c.req.url).origin}/v1/dumps/LICENSE.txt`,
      type: 'text/plain',
      title: 'Licences and attributions of every source (the data is republished under each)',
    },
    ...sources.map((s) => ({
      rel: 'license',
      href: licenseHref(s.license),
      title: `${s.name}: ${s.license}`,
    })),
  ];
}

async function collectionDoc(c: Ctx, col: OgcCollection, sources: CreditedSource[]) {
  const base = baseOf(c);
  const extent = await col.extent(c.get('db'));
  const href = `${base}/collections/${col.id}`;
  return {
    id: col.id,
    title: col.title,
    description: col.description,
    itemType: 'feature',
    crs: [CRS84],
    storageCrs: CRS84,
    attribution: attributionLine(sources),
    extent: {
      spatial: { bbox: extent.bbox ? [extent.bbox] : [], crs: CRS84 },
      temporal: {
        interval: [extent.interval],
        trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian',
      },
    },
    links: [
      { rel: 'self', href: `${href}?f=json`, type: JSON_TYPE, title: col.title },
      { rel: 'alternate', href: `${href}?f=html`, type: HTML, title: `${col.title} as HTML` },
      { rel: 'items', href: `${href}/items?f=json`, type: GEOJSON, title: `${col.title}: features` },
      { rel: 'items', href: `${href}/items?f=html`, type: HTML, title: `${col.title}: features as HTML` },
      { rel: QUERYABLES_REL, href: `${href}/queryables`, type: SCHEMA_JSON, title: 'Queryables' },
      ...licenseLinks(c, sources),
    ],
  };
}

function queryablesDoc(c: Ctx, col: OgcCollection) {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const [name, def] of Object.entries(col.queryables)) {
    properties[name] =
      def.type === 'geometry'
        ? { title: def.title, format: 'geometry-point' }
        : def.type === 'date-time'
          ? { title: def.title, type: 'string', format: 'date-time' }
          : { title: def.title, type: def.type };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${baseOf(c)}/collections/${col.id}/queryables`,
    type: 'object',
    title: `${col.title}: queryables`,
    properties,
    additionalProperties: false,
  };
}

function itemLinks(c: Ctx, col: OgcCollection, id: string): Link[] {
  const href = `${baseOf(c)}/collections/${col.id}/items/${encodeURIComponent(id)}`;
  return [
    { rel: 'self', href: `${href}?f=json`, type: GEOJSON },
    { rel: 'alternate', href: `${href}?f=html`, type: HTML },
    { rel: 'collection', href: `${baseOf(c)}/collections/${col.id}`, type: JSON_TYPE },
  ];
}

async function items(c: Ctx, col: OgcCollection): Promise<Response> {
  c.header('Vary', 'Accept');
  const html = wantsHtml(c);
  const q = parseItemsQuery(c.req.query(), col.queryables, col.id);
  const page = await itemsPage(c.get('db'), col, q);
  // numberMatched (optional in Part 1) only where it costs no count of the matches: the last page of
  // a walk by our links, or any page of a collection read unfiltered whose size is stored.
  const matched =
    page.matched ?? (q.box || q.match ? undefined : ((await col.count(c.get('db'))) ?? undefined));
  const type = html ? HTML : GEOJSON;
  const links: Link[] = [
    ...selfLinks(c, html, GEOJSON),
    { rel: 'collection', href: `${baseOf(c)}/collections/${col.id}`, type: JSON_TYPE, title: col.title },
  ];
  for (const [rel, cursor, title] of [
    ['next', page.next, 'Next page'],
    ['prev', page.prev, 'Previous page'],
  ] as const) {
    if (cursor) links.push({ rel, href: variant(c, html ? 'html' : 'json', cursor), type, title });
  }
  if (html) {
    const itemHref = (id: string) =>
      `${baseOf(c)}/collections/${col.id}/items/${encodeURIComponent(id)}?f=html`;
    return c.html(featuresHtml(`${col.title}: features`, page.features, links, itemHref));
  }
  c.header('Content-Type', `${GEOJSON}; charset=utf-8`);
  return c.body(
    JSON.stringify({
      type: 'FeatureCollection',
      timeStamp: c.get('now').toISOString(),
      ...(matched === undefined ? {} : { numberMatched: matched }),
      numberReturned: page.features.length,
      features: page.features,
      links,
    }),
  );
}

async function item(c: Ctx, col: OgcCollection, id: string): Promise<Response> {
  onlyF(c);
  const found = await col.find(c.get('db'), id);
  if (found.found === 'none') throw notFound(`feature ${JSON.stringify(id)} in ${col.id}`);
  if (found.found === 'moved') {
    const to = `${baseOf(c)}/collections/${col.id}/items/${encodeURIComponent(found.to)}`;
    return c.redirect(new URL(c.req.url).search ? `${to}${new URL(c.req.url).search}` : to, 301);
  }
  const feature: Feature<Point> & { links?: Link[] } = { ...found.feature, links: itemLinks(c, col, id) };
  c.header('Vary', 'Accept');
  if (wantsHtml(c)) return c.html(featuresHtml(`${col.title}: ${id}`, [feature], feature.links!, () => '#'));
  c.header('Content-Type', `${GEOJSON}; charset=utf-8`);
  return c.body(JSON.stringify(feature));
}

export const ogcApp = new Hono<AppEnv>()
  .get('/', (c) => {
    onlyF(c);
    const base = baseOf(c);
    return respond(
      c,
      {
        title: 'Open charging atlas: OGC API - Features',
        description:
          'Open data on EV charging sites, served as OGC API - Features: open it in QGIS, GDAL/OGR or any OGC client. ' +
          `Pages hold at most ${MAX_LIMIT} features; filters use CQL2 text.`,
        links: [
          ...selfLinks(c, wantsHtml(c)),
          {
            rel: 'service-desc',
            href: `${base}/api`,
            type: OPENAPI,
            title: 'The API definition (OpenAPI 3.0)',
          },
          {
            rel: 'service-doc',
            href: `${base}/api?f=html`,
            type: HTML,
            title: 'API documentation',
          },
          {
            rel: 'conformance',
            href: `${base}/conformance`,
            type: JSON_TYPE,
            title: 'Conformance classes implemented',
          },
          { rel: 'data', href: `${base}/collections`, type: JSON_TYPE, title: 'Collections' },
        ],
      },
      'Open charging atlas: OGC API - Features',
    );
  })
  .get('/conformance', (c) => {
    onlyF(c);
    return respond(c, { conformsTo: CONFORMANCE, links: selfLinks(c, wantsHtml(c)) }, 'Conformance');
  })
  .get('/api', (c) => {
    onlyF(c);
    c.header('Vary', 'Accept');
    // The HTML encoding (/req/html/definition) of the definition is its Swagger UI page.
    if (wantsHtml(c))
      return c.html(docsHtml('Open charging atlas: OGC API - Features', '/ogc/api?f=json', 'init-ogc.js'));
    c.header('Content-Type', `${OPENAPI}; charset=utf-8`);
    return c.body(JSON.stringify(ogcApiDocument(baseOf(c))));
  })
  .get('/collections', async (c) => {
    onlyF(c);
    const sources = await creditedSources(c.get('db'));
    const collections = [];
    for (const col of Object.values(COLLECTIONS)) collections.push(await collectionDoc(c, col, sources));
    return respond(c, { links: selfLinks(c, wantsHtml(c)), collections }, 'Collections');
  })
  .get('/collections/:id', async (c) => {
    onlyF(c);
    const col = collectionOf(c.req.param('id'));
    const doc = await collectionDoc(c, col, await creditedSources(c.get('db')));
    return respond(c, doc, col.title);
  })
  .get('/collections/:id/queryables', (c) => {
    onlyF(c);
    const col = collectionOf(c.req.param('id'));
    return respond(c, queryablesDoc(c, col), `${col.title}: queryables`, SCHEMA_JSON);
  })
  .get('/collections/:id/items', (c) => items(c, collectionOf(c.req.param('id'))))
  .get('/collections/:id/items/:featureId', (c) =>
    item(c, collectionOf(c.req.param('id')), c.req.param('featureId')),
  );
