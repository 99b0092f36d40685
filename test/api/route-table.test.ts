// Every public route the app serves is in /openapi.json, and the document names no route the app
// does not serve. A route added with app.get() or a plain Hono app, instead of createRoute() in a
// resource of src/api/routes.ts, fails here with its name.
import type { OpenAPIHono } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import type { AppEnv } from '../../src/api/deps.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';

/** Prefixes left out of the comparison, each for a stated reason. */
const NOT_IN_THE_DOCUMENT = [
  // The OCPI platform (receiver, credentials, sender) is specified by OCPI itself, answers in the
  // OCPI envelope under token auth, and is described in docs/ocpi-push.md.
  '/ocpi',
  // OGC API - Features describes itself: its conformance classes require its own OpenAPI
  // definition, served at /ogc/api.
  '/ogc',
];

/**
 * Served paths that the document spells otherwise, each for a stated reason. Hono cannot match a
 * parameter followed by a fixed extension in one segment (`:y.mvt` is a parameter named "y.mvt"),
 * so the tile route is served as `{file}` and checks the `.mvt` itself.
 */
const SPELLED_OTHERWISE: Record<string, string> = {
  'GET /v1/tiles/{z}/{x}/{file}': 'GET /v1/tiles/{z}/{x}/{y}.mvt',
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** `GET /v1/sites/{id}` for each route the app serves, middleware left out. */
function servedRoutes(app: OpenAPIHono<AppEnv>): Set<string> {
  const out = new Set<string>();
  for (const r of app.routes) {
    if (r.method === 'ALL' && r.path.endsWith('*')) continue;
    if (NOT_IN_THE_DOCUMENT.some((p) => r.path === p || r.path.startsWith(`${p}/`))) continue;
    const path = r.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}');
    const route = `${r.method} ${path}`;
    out.add(SPELLED_OTHERWISE[route] ?? route);
  }
  return out;
}

type Document = { paths: Record<string, Partial<Record<(typeof METHODS)[number], unknown>>> };

function documentedRoutes(doc: Document): Set<string> {
  const out = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) if (item[m]) out.add(`${m.toUpperCase()} ${path}`);
  }
  return out;
}

const missingFrom = (a: Set<string>, b: Set<string>) => [...a].filter((r) => !b.has(r)).sort();

let db: Db;
beforeAll(() => {
  db = openSqlite(':memory:');
});
afterAll(() => db.close());

const build = () => createApp({ getDb: () => db, http: { rateLimit: false } });

async function documentOf(app: OpenAPIHono<AppEnv>): Promise<Document> {
  const res = await app.request('/openapi.json');
  expect(res.status).toBe(200);
  return (await res.json()) as Document;
}

describe('the route table', () => {
  it('documents every public route the app serves, and only those', async () => {
    const app = build();
    const served = servedRoutes(app);
    const documented = documentedRoutes(await documentOf(app));
    expect(missingFrom(served, documented), 'served but not in /openapi.json').toEqual([]);
    expect(missingFrom(documented, served), 'in /openapi.json but not served').toEqual([]);
    // The comparison covers the whole public surface, the landing page and health check included.
    for (const r of ['GET /', 'GET /healthz', 'GET /v1/sources/{id}/quarantine', 'GET /v1/sites/{id}']) {
      expect(served.has(r), r).toBe(true);
    }
  });

  it('names a route that is served without being declared in the table', async () => {
    const app = build();
    app.get('/v1/undeclared', (c) => c.json({ ok: true }));
    const missing = missingFrom(servedRoutes(app), documentedRoutes(await documentOf(app)));
    expect(missing).toEqual(['GET /v1/undeclared']);
  });
});
