// Workers entry: the same createApp() over the D1 binding, and a Cron Trigger that advances the
// syncs stepwise, delivers the push outbox to eMSP clients (docs/ocpi-out.md) and rolls old
// status events up into hourly figures. Nothing of
// node: or better-sqlite3 is reachable from here (test/worker-bundle checks wrangler's bundle).
import type { ExecutionContext } from 'hono';
import { type AtlasApp, createApp } from './api/app.js';
import { errorBody } from './api/errors.js';
import { d1Db } from './db/d1.js';
import { ensureOutboxTriggers } from './db/outbox-triggers.js';
import { rollupStatusEvents } from './db/queries/status.js';
import { ensureSiteFreeTriggers } from './db/site-free-triggers.js';
import { ensureTileCells } from './db/tile-cells.js';
import { ensureSiteFeatures } from './db/write-site-features.js';
import type { SourceConfig } from './ingest/sources-file.js';
import { runScheduledSyncs } from './jobs/scheduled-syncs.js';
import type { Logger } from './log.js';
import { createOcpiClient } from './ocpi/client/index.js';
import { guardedClient } from './ocpi/client/target-guard.js';
import { runScheduledPushes } from './outbox/scheduled.js';
import { consoleLogger } from './workers/console-log.js';
import { parseWorkerSettings, type WorkerBindings, type WorkerSettings } from './workers/env.js';
import { workerDocsAssets, workerMapAssets } from './workers/map-assets.js';
import { workerSources } from './workers/sources.js';

/** The parts of the runtime's ScheduledController used here (the context is Hono's type of it). */
interface ScheduledEvent {
  readonly scheduledTime: number;
  readonly cron: string;
}

interface Atlas {
  settings: WorkerSettings;
  sources: SourceConfig[];
  log: Logger;
  app: AtlasApp;
  /** The outbox and site `free` triggers exist in D1 (no open creates them there): awaited before any request. */
  triggers: Promise<void>;
}

// Bindings are fixed for an isolate's life: parse them and build the app once per env object.
const built = new WeakMap<WorkerBindings, Atlas>();

function atlasFor(env: WorkerBindings): Atlas {
  let atlas = built.get(env);
  if (!atlas) {
    const settings = parseWorkerSettings(env);
    const sources = workerSources(env);
    const log = consoleLogger(settings.LOG_LEVEL, { service: 'atlas' });
    // One Db for the isolate's requests: what a query remembers of its database (statusDaySpan)
    // lasts beyond one request.
    const db = d1Db(env.DB);
    const app = createApp({
      getDb: () => db,
      log,
      sources,
      publicUrl: settings.ATLAS_PUBLIC_URL,
      staleAfterS: settings.ATLAS_STALE_AFTER_S,
      http: { mapAsset: workerMapAssets(env.ASSETS), docsAsset: workerDocsAssets(env.ASSETS) },
    });
    const triggers = Promise.all([ensureOutboxTriggers(db), ensureSiteFreeTriggers(db)]).then(() => {});
    // A failure is answered (503) and tried again by the next request, not remembered.
    triggers.catch(() => built.delete(env));
    atlas = { settings, sources, log, app, triggers };
    built.set(env, atlas);
  }
  return atlas;
}

/**
 * The Workers runtime compresses a response itself when the client takes it, also one the app
 * already compressed (its Content-Encoding says so): every JSON answer, tile and page went out
 * gzip inside gzip, and browsers showed the map page as binary. `encodeBody: 'manual'` tells it
 * the body is encoded as its headers say (a Workers extension of ResponseInit, hence the cast).
 */
function sentAsEncoded(res: Response): Response {
  if (!res.headers.has('content-encoding')) return res;
  const init = { status: res.status, statusText: res.statusText, headers: res.headers, encodeBody: 'manual' };
  return new Response(res.body, init as ResponseInit);
}

export default {
  fetch(request: Request, env: WorkerBindings, ctx: ExecutionContext): Response | Promise<Response> {
    let atlas: Atlas;
    try {
      atlas = atlasFor(env);
    } catch (err) {
      // A wrong binding is the operator's to fix; say so without echoing values (they may be secrets).
      console.error(
        JSON.stringify({ level: 'error', msg: 'invalid Worker configuration', error: String(err) }),
      );
      return Response.json(errorBody('misconfigured', 'the Worker configuration is invalid; see its logs'), {
        status: 500,
      });
    }
    const { app, triggers } = atlas;
    return triggers.then(
      async () => sentAsEncoded(await app.fetch(request, env, ctx)),
      (err: unknown) => {
        atlas.log.error({ err: { message: String(err) } }, 'outbox triggers could not be created');
        return Response.json(errorBody('unavailable', 'the database is not ready; try again'), {
          status: 503,
        });
      },
    );
  },

  async scheduled(event: ScheduledEvent, env: WorkerBindings, _ctx: ExecutionContext): Promise<void> {
    const { settings, sources } = atlasFor(env);
    const log = consoleLogger(settings.LOG_LEVEL, { service: 'atlas', cron: event.cron });
    // The invocation's clock starts at the trigger's scheduled time (in production, about now), so
    // schedules and run times agree, and a test can drive both by the time it fires at.
    const firedAt = Date.now();
    const clock = () => new Date(event.scheduledTime + (Date.now() - firedAt));
    const report = await runScheduledSyncs(
      sources,
      {
        db: d1Db(env.DB),
        client: createOcpiClient({
          retries: settings.ATLAS_HTTP_RETRIES,
          timeoutMs: settings.ATLAS_HTTP_TIMEOUT_MS,
          log,
        }),
        clock,
        log,
        publicUrl: settings.ATLAS_PUBLIC_URL,
      },
      {
        now: new Date(event.scheduledTime),
        maxSteps: settings.ATLAS_SYNC_STEPS,
        maxMs: settings.ATLAS_SYNC_WALL_S * 1000,
      },
    );
    log.info({ ...report }, 'scheduled syncs done');
    // A database migrated from before the read model gets it built once, after the syncs so their
    // step budget is theirs (their writes keep it current either way).
    const db = d1Db(env.DB);
    if (await ensureSiteFeatures(db)) log.info({}, 'site read model rebuilt');
    // A new D1 database gets its cluster cells (and their triggers) here; until then cluster
    // tiles fold their sites per request.
    if (await ensureTileCells(db)) log.info({}, 'tile cells built');
    // Each invocation makes sure of the triggers: a migration may have rebuilt a table since.
    await ensureOutboxTriggers(db);
    await ensureSiteFreeTriggers(db);
    // One attempt per request: a failure parks the client until a later invocation (backoff).
    const pushClient = createOcpiClient({ retries: 0, timeoutMs: settings.ATLAS_HTTP_TIMEOUT_MS, log });
    const pushes = await runScheduledPushes(
      { db, client: guardedClient(pushClient), log, clock },
      settings.ATLAS_PUSH_WALL_S * 1000,
    );
    log.info({ ...pushes }, 'scheduled pushes done');
    // The status rollup Node runs hourly: every invocation asks, and all but the first of each
    // hour return after reading the watermark (the cutoff is floored to the hour).
    const rolled = await rollupStatusEvents(db, {
      now: clock(),
      retentionDays: settings.ATLAS_STATUS_RETENTION_DAYS,
    });
    if (rolled.evses > 0) log.info({ ...rolled }, 'status events rolled up');
  },
};
