// /ogc/api: the OpenAPI 3.0 definition of the OGC API (its `service-desc`). Written out rather than
// generated, because the items parameters depend on the collection (each has its own queryables);
// test/api/ogc.test.ts checks that every route it lists answers and every documented parameter is accepted.
import { COLLECTIONS, type OgcCollection } from './collections.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from './items-query.js';

const param = (name: string, description: string, schema: Record<string, unknown>, inPath = false) => ({
  name,
  in: inPath ? 'path' : 'query',
  required: inPath,
  description,
  schema,
  ...(inPath ? {} : { style: 'form', explode: false }),
});

const f = param('f', 'Encoding: json (default) or html; an Accept header with text/html also selects html', {
  type: 'string',
  enum: ['json', 'html'],
});

const collectionId = param(
  'collectionId',
  'A collection',
  { type: 'string', enum: Object.keys(COLLECTIONS) },
  true,
);

const json = (description: string, type = 'application/json') => ({
  description,
  content: { [type]: { schema: { type: 'object' } }, 'text/html': { schema: { type: 'string' } } },
});

const error = {
  description: 'Bad parameter, unknown collection or feature: { "error": { "code", "message" } }',
  content: { 'application/json': { schema: { type: 'object' } } },
};

const ITEMS_PARAMETERS = [
  f,
  param('bbox', 'minLon,minLat,maxLon,maxLat in CRS84; minLon > maxLon crosses the antimeridian', {
    type: 'array',
    items: { type: 'number' },
    minItems: 4,
    maxItems: 4,
  }),
  param('bbox-crs', 'Only CRS84', { type: 'string', format: 'uri' }),
  param('limit', `Page size (a larger value is served as ${MAX_LIMIT})`, {
    type: 'integer',
    minimum: 1,
    maximum: MAX_LIMIT,
    default: DEFAULT_LIMIT,
  }),
  param(
    'datetime',
    'An instant or interval (start/end, .. for an open end) on last_updated; a date alone is its whole day; an end before the start is a 400',
    { type: 'string' },
  ),
  param('filter', 'A CQL2 text filter on the queryables (see /queryables)', { type: 'string' }),
  param('filter-lang', 'cql2-text; cql-text, the draft name GDAL 3.6 sends, is read the same way', {
    type: 'string',
    enum: ['cql2-text', 'cql-text'],
    default: 'cql2-text',
  }),
  param('filter-crs', 'Only CRS84', { type: 'string', format: 'uri' }),
  param('cursor', 'Opaque: follow the next and prev links', { type: 'string' }),
];

const FEATURES =
  'Features; numberMatched on the last page of a walk by the next and prev links, and on every page of the unfiltered sites collection';

/** One collection's items, with an equality filter parameter per queryable (how GDAL finds them). */
function itemsPath(col: OgcCollection) {
  const filters = Object.entries(col.queryables)
    .filter(([, def]) => def.type !== 'geometry')
    .map(([name, def]) =>
      param(name, `${def.title}: features whose ${name} equals this`, {
        type: def.type === 'date-time' ? 'string' : def.type,
        ...(def.type === 'date-time' ? { format: 'date-time' } : {}),
      }),
    );
  return {
    get: {
      summary: `${col.title}, paged`,
      parameters: [...ITEMS_PARAMETERS, ...filters],
      responses: { 200: json(FEATURES, 'application/geo+json'), 400: error },
    },
  };
}

export function ogcApiDocument(base: string) {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Open charging atlas: OGC API - Features',
      version: '1.0.0',
      description:
        'Charging sites and source locations as OGC API - Features (Part 1 Core, Part 3 CQL2 text filters). ' +
        'Besides the listed parameters, items accept `name=value` equality filters on each queryable.',
      license: {
        name: 'Data: per source, see /v1/dumps/LICENSE.txt',
        url: `${base}/../v1/dumps/LICENSE.txt`,
      },
    },
    servers: [{ url: base }],
    paths: {
      ...CORE_PATHS,
      ...Object.fromEntries(
        Object.values(COLLECTIONS).map((col) => [`/collections/${col.id}/items`, itemsPath(col)]),
      ),
    },
  };
}

/** The paths of Part 1 Core, the same for every deployment. */
const CORE_PATHS = {
  '/': { get: { summary: 'Landing page', parameters: [f], responses: { 200: json('Landing page') } } },
  '/conformance': {
    get: { summary: 'Conformance classes', parameters: [f], responses: { 200: json('Conformance') } },
  },
  '/api': {
    get: {
      summary: "This definition; as HTML, its Swagger UI page (the landing page's service-doc)",
      parameters: [f],
      responses: { 200: json('OpenAPI', 'application/vnd.oai.openapi+json;version=3.0') },
    },
  },
  '/collections': {
    get: { summary: 'Collections', parameters: [f], responses: { 200: json('Collections') } },
  },
  '/collections/{collectionId}': {
    get: {
      summary: 'One collection',
      parameters: [collectionId, f],
      responses: { 200: json('Collection'), 404: error },
    },
  },
  '/collections/{collectionId}/queryables': {
    get: {
      summary: 'Properties a filter may use',
      parameters: [collectionId, f],
      responses: { 200: json('Queryables', 'application/schema+json'), 404: error },
    },
  },
  '/collections/{collectionId}/items': {
    get: {
      summary: 'Features, paged',
      parameters: [collectionId, ...ITEMS_PARAMETERS],
      responses: { 200: json(FEATURES, 'application/geo+json'), 400: error, 404: error },
    },
  },
  '/collections/{collectionId}/items/{featureId}': {
    get: {
      summary: 'One feature',
      parameters: [collectionId, param('featureId', 'Feature id', { type: 'string' }, true), f],
      responses: {
        200: json('Feature', 'application/geo+json'),
        301: { description: 'Merged into another site: see Location' },
        404: error,
      },
    },
  },
};
