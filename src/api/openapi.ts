// /openapi.json (OpenAPI 3.1, generated from the zod schemas the routes validate with) and /docs,
// a Swagger UI page whose assets come from our own swagger-ui-dist dependency: no CDN, the machine
// may be offline. The host hands the files in (HttpOptions.docsAsset): Node reads node_modules;
// a Workers build must bundle them (e.g. wrangler `rules = [{ type = "Text", globs = ["**/swagger-ui*.css",
// "**/swagger-ui-bundle.js"] }]` and a docsAsset that returns the imported strings).

import { OpenAPIHono } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { createAvailabilityApp } from './availability.js';
import type { AppEnv } from './deps.js';
import { createDumpsApp } from './dumps.js';
import { notFound } from './errors.js';
import { historyApp } from './history.js';
import type { HttpOptions } from './http/options.js';
import { locationsApp } from './locations.js';
import { sitesApp } from './sites.js';
import { operatorsApp, statsApp } from './stats.js';
import { occupancyApp } from './stats-occupancy.js';
import { tariffsApp } from './tariffs.js';
import { createTilesApp } from './tiles/app.js';

/** The documented resources and where they are mounted. */
export function documentedResources(opts: HttpOptions) {
  return [
    ['/v1/sites', sitesApp],
    ['/v1/locations', locationsApp],
    ['/v1/tariffs', tariffsApp],
    ['/v1/stats', statsApp],
    ['/v1/operators', operatorsApp],
    ['/v1/dumps', createDumpsApp(opts)],
    // Building the app reads no database: getDb is only called per request.
    [
      '/v1/availability',
      createAvailabilityApp({ getDb: () => Promise.reject(new Error('documentation only')) }),
    ],
    ['/v1/evses', historyApp],
    ['/v1/stats/occupancy', occupancyApp],
    ['/v1', createTilesApp({})],
  ] as const;
}

let documentCache: unknown;

export function openApiDocument(): unknown {
  if (documentCache) return documentCache;
  const doc = new OpenAPIHono();
  for (const [path, app] of documentedResources({})) doc.route(path, app as unknown as OpenAPIHono);
  documentCache = doc.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Open charging atlas API',
      version: '1',
      description:
        'Open data on EV charging: sites and locations as GeoJSON (RFC 7946), tariffs, statistics and dumps. ' +
        'Every error is `{ "error": { "code", "message" } }`; unknown parameters are refused. Responses carry ' +
        'ETag / Last-Modified (conditional requests answer 304), are gzip or brotli compressed on request, ' +
        'open to CORS for GET, and rate-limited per client (429 with Retry-After).',
      license: { name: 'Data: per source, see /v1/sources and /v1/dumps/LICENSE.txt' },
    },
    servers: [{ url: '/' }],
  });
  return documentCache;
}

/** The swagger-ui-dist files the page uses; nothing else is served from node_modules. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const INIT_JS = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
});
`;

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Open charging atlas API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"><p>API description: <a href="/openapi.json">/openapi.json</a></p></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>
`;

export function createDocsApp(opts: HttpOptions = {}) {
  return new Hono<AppEnv>()
    .get('/openapi.json', (c) => {
      c.header('Content-Type', 'application/json; charset=utf-8');
      return c.body(JSON.stringify(openApiDocument()));
    })
    .get('/docs', (c) => c.html(DOCS_HTML))
    .get('/docs/assets/:file', async (c) => {
      const file = c.req.param('file');
      if (file === 'init.js') {
        c.header('Content-Type', 'text/javascript; charset=utf-8');
        return c.body(INIT_JS);
      }
      const type = ASSETS[file];
      const body = type && opts.docsAsset ? await opts.docsAsset(file) : null;
      if (!type || body == null) throw notFound(`docs asset ${JSON.stringify(file)}`);
      c.header('Content-Type', type);
      c.header('Cache-Control', 'public, max-age=86400');
      return c.body(body as string);
    });
}
