// The one route table of the public API. Every public route is declared once, in a resource app
// built with resourceApp() whose routes are createRoute() objects (zod request and response
// schemas), and mounted here. createApp() serves exactly these, and /openapi.json is generated from
// the same mounted apps, so a route cannot be served without being documented:
// test/api/route-table.test.ts compares the app's routes with the document and fails otherwise.
//
// To add a public route: declare it with createRoute() in its resource's file (see sites.ts), and
// if the resource is new, add one line below. A route added with app.get() or a plain Hono app is
// served but undocumented, and the test names it.
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createAvailabilityApp } from './availability.js';
import type { AppDeps, AppEnv } from './deps.js';
import { createDumpsApp } from './dumps.js';
import { historyApp } from './history.js';
import { locationsApp } from './locations.js';
import { createMapApp } from './map/app.js';
import { createDocsApp } from './openapi.js';
import { rootApp } from './root.js';
import { sitesApp } from './sites.js';
import { sourcesApp } from './sources.js';
import { operatorsApp, statsApp } from './stats.js';
import { occupancyApp } from './stats-occupancy.js';
import { createStatusDumpsApp } from './status-dumps/app.js';
import { tariffsApp } from './tariffs.js';
import { createTilesApp } from './tiles/app.js';

export interface PublicResource {
  /** Where the resource's routes are mounted. */
  path: string;
  app: OpenAPIHono<AppEnv>;
}

/** `document` hands /openapi.json the document of the finished app (see describeApi). */
export function publicResources(
  deps: AppDeps,
  document: Parameters<typeof createDocsApp>[1],
): PublicResource[] {
  return [
    { path: '/', app: rootApp },
    { path: '/', app: createDocsApp(deps.http ?? {}, document) },
    { path: '/v1/sites', app: sitesApp },
    { path: '/v1/locations', app: locationsApp },
    { path: '/v1/tariffs', app: tariffsApp },
    // Answers `/` and `/by-*` only, so /v1/stats/occupancy below stays the availability resource's.
    { path: '/v1/stats', app: statsApp },
    { path: '/v1/stats/occupancy', app: occupancyApp },
    { path: '/v1/operators', app: operatorsApp },
    { path: '/v1/dumps', app: createDumpsApp(deps.http, deps.staleAfterS) },
    { path: '/v1/dumps/status', app: createStatusDumpsApp(deps.http) },
    { path: '/v1/sources', app: sourcesApp },
    { path: '/v1/availability', app: createAvailabilityApp(deps) },
    { path: '/v1/evses', app: historyApp },
    // /v1/tiles/{z}/{x}/{y}.mvt, /v1/tiles.json and /v1/style.json
    { path: '/v1', app: createTilesApp(deps) },
    { path: '/', app: createMapApp(deps.http) },
  ];
}
