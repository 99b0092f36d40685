// /openapi.json (OpenAPI 3.1, generated from the route table: the zod schemas the routes validate
// and answer with) and /docs, a Swagger UI page whose assets come from our own swagger-ui-dist
// dependency: no CDN, the machine may be offline. The host hands the files in (HttpOptions.docsAsset):
// Node reads node_modules; a Workers build must bundle them (e.g. wrangler `rules = [{ type = "Text",
// globs = ["**/swagger-ui*.css", "**/swagger-ui-bundle.js"] }]` and a docsAsset that returns the
// imported strings).

import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from './deps.js';
import { notFound } from './errors.js';
import { errorResponses, jsonOk, noQueryParams, notFoundResponse } from './geojson-schemas.js';
import type { HttpOptions } from './http/options.js';
import { resourceApp } from './http/validation.js';

type ApiDocument = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

const DESCRIPTION =
  'Open data on EV charging: sites and locations as GeoJSON (RFC 7946), tariffs, statistics, live availability ' +
  'and dumps. Every error is `{ "error": { "code", "message" } }`; unknown parameters are refused, except ' +
  'those starting with `_` (e.g. `?_=1700000000` to bust a cache), which are ignored. Responses carry ETag / ' +
  'Last-Modified (a conditional request answers 304), are gzip or brotli compressed on request, open to ' +
  'CORS for GET, and rate-limited per client (429 with Retry-After). The data is published under the licence ' +
  'of each source: see /v1/sources and /v1/dumps/LICENSE.txt.';

/** Operations whose answer is never conditional (no ETag, no 304): live streams and health checks. */
const NEVER_CONDITIONAL = new Set(['/healthz', '/v1/availability/stream']);

/** Generates the document of every route declared with createRoute and mounted on `app`. */
export function describeApi(app: OpenAPIHono<AppEnv>): ApiDocument {
  const doc = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Open charging atlas API',
      version: '1',
      description: DESCRIPTION,
    },
    servers: [{ url: '/' }],
    // Every public route is open: no authentication, only a per-client rate limit.
    security: [],
  });
  // The generator's config type predates OpenAPI 3.1's licence `identifier`; the document has it.
  doc.info.license = { name: 'MIT', identifier: 'MIT' };
  doc.components ??= {};
  doc.components.responses = {
    ...doc.components.responses,
    NotModified: {
      description: 'Not modified: If-None-Match matched the ETag (or If-Modified-Since the Last-Modified)',
    },
  };
  // The 304 comes from the HTTP layer in front of every handler, so it is documented here, once.
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (NEVER_CONDITIONAL.has(path) || !item.get) continue;
    item.get.responses = { ...item.get.responses, 304: { $ref: '#/components/responses/NotModified' } };
  }
  return doc;
}

/** The swagger-ui-dist files the page uses; nothing else is served from node_modules. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const initJs = (url: string) => `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '${url}', dom_id: '#swagger-ui', deepLinking: true });
});
`;

/** The page's scripts: /docs shows this API's document, /ogc/api?f=html the OGC API's. */
const INIT_SCRIPTS: Record<string, string> = {
  'init.js': initJs('/openapi.json'),
  'init-ogc.js': initJs('/ogc/api'),
};

/** A Swagger UI page of one API document; its script (INIT_SCRIPTS) names the document again. */
export const docsHtml = (
  title: string,
  documentUrl: string,
  script: 'init.js' | 'init-ogc.js',
) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"><p>API description: <a href="${documentUrl}">${documentUrl}</a></p></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/${script}"></script>
</body>
</html>
`;

const DOCS_HTML = docsHtml('Open charging atlas API', '/openapi.json', 'init.js');

const documentSchema = z
  .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }) })
  .openapi('OpenApiDocument', { description: 'this document (OpenAPI 3.1)' });

const assetParams = z.object({
  file: z
    .string()
    .max(100)
    .openapi({ param: { name: 'file', in: 'path' }, example: 'swagger-ui.css' }),
});

const html = (description: string) => ({
  200: { description, content: { 'text/html': { schema: z.string() } } },
});

const documentRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  summary: 'This API description (OpenAPI 3.1)',
  tags: ['documentation'],
  request: { query: noQueryParams },
  responses: { ...jsonOk(documentSchema, 'The document'), ...errorResponses },
});

const docsPageRoute = createRoute({
  method: 'get',
  path: '/docs',
  operationId: 'getDocsPage',
  summary: 'The API documentation page (Swagger UI)',
  tags: ['documentation'],
  responses: { ...html('An HTML page'), ...errorResponses },
});

const docsAssetRoute = createRoute({
  method: 'get',
  path: '/docs/assets/{file}',
  operationId: 'getDocsAsset',
  summary: 'A script, style sheet or icon of the documentation page',
  tags: ['documentation'],
  // A static file: any query (a cache-busting version) is ignored.
  request: { params: assetParams },
  responses: {
    200: {
      description: 'The file',
      content: {
        'text/css': { schema: z.string() },
        'text/javascript': { schema: z.string() },
        'image/png': { schema: z.string().openapi({ format: 'binary' }) },
      },
    },
    ...notFoundResponse,
    ...errorResponses,
  },
});

/** `document` is called on the first request, once every route is mounted. */
export function createDocsApp(opts: HttpOptions, document: () => ApiDocument) {
  return resourceApp()
    .openapi(documentRoute, (c) => {
      const doc = document();
      return c.json({ ...doc, info: { ...doc.info } }, 200);
    })
    .openapi(docsPageRoute, (c) => c.html(DOCS_HTML))
    .openapi(docsAssetRoute, async (c) => {
      const { file } = c.req.valid('param');
      const init = INIT_SCRIPTS[file];
      if (init) return c.body(init, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
      const type = ASSETS[file];
      const body = type && opts.docsAsset ? await opts.docsAsset(file) : null;
      if (!type || body == null) throw notFound(`docs asset ${JSON.stringify(file)}`);
      return c.body(body as string, 200, {
        'Content-Type': type,
        'Cache-Control': 'public, max-age=86400',
      });
    });
}
