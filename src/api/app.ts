// createApp(): the Hono core that both the Node and the Workers entry serve.
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { silentLogger } from '../log.js';
import type { AppDeps, AppEnv } from './deps.js';
import { ApiError, errorBody } from './errors.js';
import { httpBehaviour } from './http/middleware.js';
import { dropPassThroughParams } from './http/pass-through-params.js';
import { requestId } from './http/request-id.js';
import { createOcpiApp } from './ocpi/app.js';
import { ogcApp } from './ogc/app.js';
import { describeApi } from './openapi.js';
import { publicResources } from './routes.js';

export function createApp(deps: AppDeps) {
  const log = deps.log ?? silentLogger;
  const clock = deps.clock ?? (() => new Date());
  const app = new OpenAPIHono<AppEnv>();

  app.use(requestId());
  app.use(dropPassThroughParams());
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

  // The public API: one route table (routes.ts), documented at /openapi.json from the same apps.
  let document: ReturnType<typeof describeApi> | undefined;
  for (const r of publicResources(deps, () => (document ??= describeApi(app)))) app.route(r.path, r.app);
  // Not in /openapi.json: OGC API - Features describes itself at /ogc/api (its conformance asks for
  // its own definition), and the OCPI platform is specified by OCPI (docs/ocpi-push.md).
  app.route('/ogc', ogcApp);
  const ocpi = createOcpiApp(deps);
  app.route('/ocpi', ocpi.app);

  app.notFound((c) => {
    const allow = allowedMethods(app, c.req.path);
    if (allow.length === 0) {
      return c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404);
    }
    c.header('Allow', allow.join(', '));
    return c.json(
      errorBody(
        'method_not_allowed',
        `${c.req.method} is not served at ${c.req.path} (${allow.join(', ')} are)`,
      ),
      405,
    );
  });
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
  // A CPO's status PATCH is answered before the app, alike (ocpi/status-patch-requests.ts); the
  // app answers everything else. app.request() goes through here too.
  const dispatch = app.fetch;
  const host = { log, clock, getDb: deps.getDb, app: dispatch };
  app.fetch = (req, env, ctx) => ocpi.statusPatches(req, env, ctx, host) ?? dispatch(req, env, ctx);
  return app;
}

export type AtlasApp = ReturnType<typeof createApp>;

const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * The methods some route serves at this path (middleware aside), for the 405 a request with
 * another method gets (RFC 9110 15.5.6: a resource that exists is not a 404); HEAD goes with GET.
 */
function allowedMethods(app: OpenAPIHono<AppEnv>, path: string): string[] {
  const allow = ROUTE_METHODS.filter((m) =>
    app.router.match(m, path)[0].some(([[, route]]) => route.method === m),
  );
  return allow.includes('GET') ? [...allow, 'HEAD'] : allow;
}
