// GET / (a small landing page for a person who opens the server's address) and GET /healthz (for
// load balancers and probes: never rate-limited, never conditional).
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, jsonOk } from './geojson-schemas.js';
import { resourceApp } from './http/validation.js';

/** The pages a newcomer looks for, in the order the landing page lists them. */
export const LANDING_LINKS = [
  { href: '/map', text: 'Map', note: 'every site on a map, with live status' },
  { href: '/docs', text: 'API documentation', note: 'try each endpoint in the browser' },
  { href: '/openapi.json', text: 'OpenAPI document', note: 'to generate a client' },
  { href: '/v1/sites?limit=10', text: 'Sites', note: 'GeoJSON, filtered by bbox, point, country, ...' },
  { href: '/v1/dumps', text: 'Dumps', note: 'the whole data set as GeoJSON, NDJSON, CSV or SQLite' },
  { href: '/v1/dumps/LICENSE.txt', text: 'Licences', note: 'the licence and attribution of every source' },
  { href: '/v1/sources', text: 'Sources', note: 'who we aggregate, and how their syncs are going' },
  { href: '/v1/stats', text: 'Statistics', note: 'counts by country, operator, connector and power' },
] as const;

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

const LANDING_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Open charging atlas</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}li{margin:.4rem 0}</style>
</head>
<body>
<h1>Open charging atlas</h1>
<p>Open data on EV charging: every public charger we can find, from OCPI feeds and national registers,
grouped into sites, with live availability where the operator shares it.</p>
<ul>
${LANDING_LINKS.map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.text)}</a>: ${escapeHtml(l.note)}</li>`).join('\n')}
</ul>
<p>The data is published under the licence of each source: see <a href="/v1/dumps/LICENSE.txt">the licences</a>.</p>
</body>
</html>
`;

const healthSchema = z
  .object({ status: z.literal('ok'), time: z.string().openapi({ example: '2025-01-31T12:00:00.000Z' }) })
  .openapi('Health');

export const rootApp = resourceApp()
  .openapi(
    createRoute({
      method: 'get',
      path: '/',
      operationId: 'getLandingPage',
      summary: 'A landing page with links to the map, the documentation, the dumps and the licences',
      tags: ['documentation'],
      // A static page: any query (campaign tags, cache busting) is ignored.
      responses: {
        200: { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } },
        ...errorResponses,
      },
    }),
    (c) => c.html(LANDING_HTML),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'getHealth',
      summary: 'Liveness: answers while the server can reach its database',
      tags: ['health'],
      responses: jsonOk(healthSchema, 'Healthy'),
    }),
    (c) => c.json({ status: 'ok' as const, time: c.get('now').toISOString() }, 200),
  );
