// createApp(): the Hono core that both the Node and the Workers entry serve.
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { silentLogger } from '../log.js';
import { createAvailabilityApp } from './availability.js';
import type { AppDeps, AppEnv } from './deps.js';
import { createDumpsApp } from './dumps.js';
import { ApiError, errorBody } from './errors.js';
import { historyApp } from './history.js';
import { httpBehaviour } from './http/middleware.js';
import { locationsApp } from './locations.js';
import { createMapApp } from './map/app.js';
import { createOcpiApp } from './ocpi/app.js';
import { ogcApp } from './ogc/app.js';
import { createDocsApp } from './openapi.js';
import { sitesApp } from './sites.js';
import { sourcesApp } from './sources.js';
import { operatorsApp, statsApp } from './stats.js';
import { occupancyApp } from './stats-occupancy.js';
import { tariffsApp } from './tariffs.js';
import { createTilesApp } from './tiles/app.js';

export function createApp(deps: AppDeps) {
  const log = deps.log ?? silentLogger;
  const clock = deps.clock ?? (() => new Date());
  const app = new Hono<AppEnv>();

  app.use(requestId());
  app.use(async (c, next) => {
    const started = Date.now();
    c.set('db', await deps.getDb());
    c.set('now', clock());
    if (deps.storageSpace) c.set('storageSpace', deps.storageSpace);
    c.set('log', log.child({ request_id: c.get('requestId') }));
    await next();
    if (c.get('quiet')) return;
    c.get('log').info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Date.now() - started,
        ...c.get('logFields'),
      },
      'request',
    );
  });

  app.use(httpBehaviour(deps.http));

  app.get('/healthz', (c) => c.json({ status: 'ok', time: c.get('now').toISOString() }));
  app.route('/v1/locations', locationsApp);
  app.route('/v1/sites', sitesApp);
  app.route('/v1/tariffs', tariffsApp);
  // Answers `/` and `/by-*` only, so /v1/stats/occupancy below stays the availability resource's.
  app.route('/v1/stats', statsApp);
  app.route('/v1/operators', operatorsApp);
  app.route('/v1/dumps', createDumpsApp(deps.http));
  app.route('/', createDocsApp(deps.http));
  app.route('/v1/sources', sourcesApp);
  app.route('/v1/availability', createAvailabilityApp(deps));
  app.route('/v1/evses', historyApp);
  app.route('/v1/stats/occupancy', occupancyApp);
  // /v1/tiles/{z}/{x}/{y}.mvt, /v1/tiles.json, /v1/style.json
  app.route('/v1', createTilesApp(deps));
  app.route('/ogc', ogcApp);
  app.route('/', createMapApp(deps.http));
  app.route('/ocpi', createOcpiApp(deps));

  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(errorBody(err.code, err.message), err.status);
    }
    if (err instanceof HTTPException) {
      return c.json(errorBody('http_error', err.message || 'request refused'), err.status);
    }
    (c.get('log') ?? log).error({ err: { message: err.message, stack: err.stack } }, 'unhandled error');
    return c.json(errorBody('internal', 'internal error'), 500);
  });
  return app;
}

export type AtlasApp = ReturnType<typeof createApp>;
