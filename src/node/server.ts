// Assembles the atlas on Node: SQLite file, sources, sync runner, cron, HTTP server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import pino from 'pino';
import { createApp } from '../api/app.js';
import { dataVersion } from '../api/http/data-version.js';
import type { HttpOptions } from '../api/http/options.js';
import type { Db } from '../db/types.js';
import { ensureSiteFeatures } from '../db/write-site-features.js';
import type { Env } from '../env.js';
import { upsertSources } from '../ingest/source-state.js';
import type { SourceConfig } from '../ingest/sources-file.js';
import { changedData } from '../ingest/sync-source.js';
import { dedupeOptionsFor } from '../jobs/dedupe-options.js';
import { createSyncRunner, type SyncRunner } from '../jobs/sync-runner.js';
import type { EventsReader } from '../live/availability-stream.js';
import { createStatusNotifier, type StatusNotifier } from '../live/status-notifier.js';
import type { Logger } from '../log.js';
import { createOcpiClient } from '../ocpi/client/index.js';
import { guardedClient } from '../ocpi/client/target-guard.js';
import { startOutbox } from '../outbox/run-outbox.js';
import { answerFilePath, answerFileWriter, restoreAnswers } from './answer-file.js';
import { startDemoSource } from './demo-source.js';
import { nodeHttpOptions, resolveHost, socketClientIp, storageSpaceOf } from './http-hooks.js';
import { loadOverridesFile, loadSourcesFile } from './load-sources.js';
import { openDatabase, StartupError } from './open-database.js';
import { readText } from './read-text.js';
import { startHeavyReads } from './read-workers.js';
import { answerClientErrors, MAX_REQUEST_HEAD_BYTES, refusedRequestHandler } from './refused-requests.js';
import { scheduleSources, scheduleStatusRollup } from './schedule.js';

export interface AtlasContext {
  db: Db;
  log: Logger;
  sources: SourceConfig[];
  runner: SyncRunner;
  notifier: StatusNotifier;
  /** Serving the built-in demo source (no ATLAS_SOURCES): its CPO runs on loopback. */
  demo: boolean;
  close(): Promise<void>;
}

export function createLogger(level: Env['LOG_LEVEL'], destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'atlas' } }, destination) as unknown as Logger;
}

/** What tests may hold still in a server; everything else comes from the env. */
export interface ServerClocks {
  /** The time the built-in demo source simulates its statuses for. Default: the clock. */
  demo?: () => Date;
}

/** Opens the database and the sources (the demo source when ATLAS_SOURCES is unset). */
export async function openAtlas(env: Env, log: Logger, clocks: ServerClocks = {}): Promise<AtlasContext> {
  const sources = env.ATLAS_SOURCES ? loadSourcesFile(env.ATLAS_SOURCES) : [];
  const overrides = env.ATLAS_DEDUPE_OVERRIDES ? loadOverridesFile(env.ATLAS_DEDUPE_OVERRIDES) : undefined;
  // Before the demo CPO starts, so a database that cannot be opened leaves nothing running.
  const db = openDatabase(env.ATLAS_DB);
  const demo = env.ATLAS_SOURCES ? null : await startDemoSource(clocks.demo);
  if (demo) sources.push(demo.source);
  // A database written before the read model existed (or by an older shape of it) gets it built.
  if (await ensureSiteFeatures(db)) log.info({}, 'site read model rebuilt');
  await upsertSources(db, sources, new Date().toISOString());
  const notifier = createStatusNotifier();
  const runner = createSyncRunner({
    db,
    client: createOcpiClient({}),
    clock: () => new Date(),
    log,
    readText,
    concurrency: env.ATLAS_SYNC_CONCURRENCY,
    batchRows: env.ATLAS_SYNC_BATCH_ROWS,
    publicUrl: env.ATLAS_PUBLIC_URL,
    notify: () => notifier.notify(),
    dedupe: dedupeOptionsFor(sources, overrides),
  });
  return {
    db,
    log,
    sources,
    runner,
    notifier,
    demo: demo !== null,
    async close() {
      await demo?.close();
      await db.close();
    },
  };
}

/**
 * Ends open event streams first (their chunked body gets its last chunk: `curl` exits 0, not 18),
 * then stops listening; server.close() also closes idle keep-alive sockets. A client that does not
 * let go within a few seconds is cut.
 */
async function closeServer(server: Server, shutdown: AbortController): Promise<void> {
  shutdown.abort();
  await new Promise<void>((resolve) => {
    const cut = setTimeout(() => {
      server.closeAllConnections();
    }, 3_000);
    cut.unref();
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * Listens on HOST:PORT; a port in use or not ours to take, or a HOST we cannot listen on, is a
 * one-line StartupError. Requests refused before the app (too long, not HTTP, a URL that cannot
 * be read) are answered in the API's error body (refused-requests.ts).
 */
function listen(
  fetch: Parameters<typeof getRequestListener>[0],
  env: Env,
  log: Logger,
): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const listener = getRequestListener(fetch, {
      hostname: env.HOST,
      errorHandler: refusedRequestHandler(log),
    });
    const s = createServer({ maxHeaderSize: MAX_REQUEST_HEAD_BYTES }, listener);
    answerClientErrors(s, log);
    s.listen(env.PORT, env.HOST, () => resolve({ server: s, port: (s.address() as AddressInfo).port }));
    s.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new StartupError(
            `port ${env.PORT} is already in use on ${env.HOST} (PORT): stop the other server or set another PORT`,
          ),
        );
      } else if (err.code === 'EACCES') {
        reject(
          new StartupError(
            `not allowed to listen on port ${env.PORT} (PORT): ports below 1024 need privileges`,
          ),
        );
      } else if (err.code === 'EADDRNOTAVAIL') {
        reject(new StartupError(`${env.HOST} is not an address of this machine (HOST)`));
      } else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
        // A name is looked up before listening; a typo or a number such as 999.1.1.1 ends here.
        reject(new StartupError(`${env.HOST} is neither an address nor a name that resolves to one (HOST)`));
      } else reject(err);
    });
  });
}

export interface RunningServer {
  url: string;
  port: number;
  atlas: AtlasContext;
  /** Resolves when the first sync of every source has finished. */
  firstSync: Promise<unknown>;
  close(): Promise<void>;
}

export async function startServer(
  env: Env,
  log: Logger = createLogger(env.LOG_LEVEL),
  clocks: ServerClocks = {},
): Promise<RunningServer> {
  const atlas = await openAtlas(env, log, clocks);
  const shutdown = new AbortController();
  const lastAnswers = await lastAnswersOf(env, atlas, log);
  const heavy = startHeavyReads({
    file: env.ATLAS_DB,
    staleAfterS: env.ATLAS_STALE_AFTER_S,
    publicUrl: env.ATLAS_PUBLIC_URL,
    pageWorkers: env.ATLAS_READ_WORKERS,
    perClient: env.ATLAS_HEAVY_PER_CLIENT,
    maxWaitMs: env.ATLAS_HEAVY_WAIT_MS,
    lastAnswers: lastAnswers?.options,
  });
  const app = serverApp(env, atlas, log, {
    shutdown: shutdown.signal,
    offload: heavy?.offload,
    streamReplay: heavy?.replayEvents,
  });
  let listening: { server: Server; port: number };
  try {
    listening = await listen(app.fetch, env, log);
  } catch (err) {
    await heavy?.close();
    await atlas.close();
    throw err;
  }
  const { server, port } = listening;
  const url = localUrl(env.HOST, port);
  log.info(
    { url, listen: `${env.HOST}:${port}`, db: env.ATLAS_DB, sources: atlas.sources.map((s) => s.id) },
    'atlas listening',
  );
  const background = startBackground(env, atlas, log, heavy?.renewStatistics);
  return {
    url,
    port,
    atlas,
    firstSync: background.firstSync,
    async close() {
      await background.stop();
      await closeServer(server, shutdown);
      await heavy?.close();
      await lastAnswers?.writer.flushed();
      await atlas.close();
    },
  };
}

/**
 * The statistics' last answers a server of this database saved (answer-file.ts), restored when the
 * data has not moved since, and their writer. None for an in-memory database (no file to go beside).
 */
async function lastAnswersOf(env: Env, atlas: AtlasContext, log: Logger) {
  if (env.ATLAS_DB === ':memory:') return null;
  const path = answerFilePath(env.ATLAS_DB);
  // The counts' version, which the statistics follow (stats.ts); the build is left out: a deploy
  // changes the code, not the data the answers were computed from.
  const version = async () => (await dataVersion(atlas.db, new Date(), '', 'counts')).etag;
  const restored = await restoreAnswers(path, await version(), log);
  if (restored.length > 0)
    log.info({ path, answers: restored.length }, 'statistics restored from the last server');
  const writer = answerFileWriter(path, version, log);
  return { writer, options: { restored, onChange: writer.save } };
}

/** The public app of a Node server, with the host's HTTP behaviour and settings. */
function serverApp(
  env: Env,
  atlas: AtlasContext,
  log: Logger,
  host: { shutdown: AbortSignal; offload: HttpOptions['offload']; streamReplay?: EventsReader },
) {
  return createApp({
    shutdown: host.shutdown,
    getDb: () => atlas.db,
    log,
    sources: atlas.sources,
    http: nodeHttpOptions(
      {
        rateLimit: { capacity: env.ATLAS_RATE_LIMIT_BURST, refillPerSecond: env.ATLAS_RATE_LIMIT_PER_S },
        clientIp: socketClientIp(env.ATLAS_TRUST_PROXY, env.ATLAS_CLIENT_IP_HEADER),
        offload: host.offload,
      },
      host.shutdown,
    ),
    staleAfterS: env.ATLAS_STALE_AFTER_S,
    statusNotifier: atlas.notifier,
    streamReplay: host.streamReplay,
    publicUrl: env.ATLAS_PUBLIC_URL,
    ocpiAllowPrivateTargets: env.ATLAS_OCPI_ALLOW_PRIVATE_TARGETS || atlas.demo,
    resolveHost,
    storageSpace: storageSpaceOf(env.ATLAS_DB),
    ocpiSender: { role: env.ATLAS_OCPI_ROLE, publicReads: env.ATLAS_OCPI_PUBLIC },
  });
}

/** The address a local client reaches the server at (a wildcard bind is reached on loopback). */
function localUrl(bind: string, port: number): string {
  const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The first sync, the schedules, the push outbox and the status rollup of a running server. */
function startBackground(
  env: Env,
  atlas: AtlasContext,
  log: Logger,
  renewStatistics?: () => Promise<number>,
) {
  const enabled = atlas.sources.filter((s) => s.enabled);
  // Sites are rebuilt after the syncs, so "first sync done" includes dedupe. The statistics warmed
  // as the server started may have been read mid-sync (sites before their regrouping) and would be
  // served for a minute: when the first sync changed anything they are computed again, queued
  // before any request made after this resolves (not awaited: 90 s on 1M EVSEs).
  const firstSync = atlas.runner.runAll(enabled, 'auto').then(async (r) => {
    // Also when no sync wrote anything: the sites of a source whose licence changed since the last
    // start (what its records may lend) are regrouped (one scan when nothing is out of date).
    await atlas.runner.regroup(r);
    if (r.some(changedData)) void renewStatistics?.();
    return r;
  });
  const schedule = scheduleSources(enabled, atlas.runner, log);
  // Pushes to eMSP clients (docs/ocpi-out.md): one attempt per request, the outbox retries.
  // Receiver URLs come from the client's own details: the same address guard as the handshake.
  const pushClient = createOcpiClient({ retries: 0, timeoutMs: 10_000, concurrency: 16, log });
  const outbox = startOutbox({
    db: atlas.db,
    client:
      env.ATLAS_OCPI_ALLOW_PRIVATE_TARGETS || atlas.demo
        ? pushClient
        : guardedClient(pushClient, resolveHost),
    log,
  });
  const stopWaking = atlas.notifier.subscribe(() => outbox.wake());
  const rollup = scheduleStatusRollup(atlas.db, env.ATLAS_STATUS_RETENTION_DAYS, log);
  return {
    firstSync,
    async stop() {
      schedule.stop();
      rollup.stop();
      stopWaking();
      await outbox.stop();
      log.info({}, 'atlas shutting down (waiting for running syncs)');
      await firstSync.catch(() => undefined);
      await atlas.runner.settled();
    },
  };
}
