// Assembles the atlas on Node: SQLite file, sources, sync runner, cron, HTTP server.
import { serve } from '@hono/node-server';
import pino from 'pino';
import { createApp } from '../api/app.js';
import { openSqlite } from '../db/sqlite.js';
import type { Db } from '../db/types.js';
import type { Env } from '../env.js';
import { upsertSources } from '../ingest/source-state.js';
import type { SourceConfig } from '../ingest/sources-file.js';
import { createSyncRunner, type SyncRunner } from '../ingest/sync-runner.js';
import type { Logger } from '../log.js';
import { createOcpiClient } from '../ocpi/client/index.js';
import { startDemoSource } from './demo-source.js';
import { loadSourcesFile } from './load-sources.js';
import { readText } from './read-text.js';
import { scheduleSources } from './schedule.js';

export interface AtlasContext {
  db: Db;
  log: Logger;
  sources: SourceConfig[];
  runner: SyncRunner;
  close(): Promise<void>;
}

export function createLogger(level: Env['LOG_LEVEL'], destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'atlas' } }, destination) as unknown as Logger;
}

/** Opens the database and the sources (the demo source when ATLAS_SOURCES is unset). */
export async function openAtlas(env: Env, log: Logger): Promise<AtlasContext> {
  const sources = env.ATLAS_SOURCES ? loadSourcesFile(env.ATLAS_SOURCES) : [];
  const demo = env.ATLAS_SOURCES ? null : await startDemoSource();
  if (demo) sources.push(demo.source);
  const db = openSqlite(env.ATLAS_DB);
  await upsertSources(db, sources, new Date().toISOString());
  const runner = createSyncRunner({
    db,
    client: createOcpiClient({}),
    clock: () => new Date(),
    log,
    readText,
    concurrency: env.ATLAS_SYNC_CONCURRENCY,
    publicUrl: env.ATLAS_PUBLIC_URL,
  });
  return {
    db,
    log,
    sources,
    runner,
    async close() {
      await demo?.close();
      await db.close();
    },
  };
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
): Promise<RunningServer> {
  const atlas = await openAtlas(env, log);
  const app = createApp({ getDb: () => atlas.db, log, sources: atlas.sources });
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve) => {
      const s = serve({ fetch: app.fetch, hostname: env.HOST, port: env.PORT }, (info) =>
        resolve({ server: s, port: info.port }),
      );
    },
  );
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url, db: env.ATLAS_DB, sources: atlas.sources.map((s) => s.id) }, 'atlas listening');
  const enabled = atlas.sources.filter((s) => s.enabled);
  const firstSync = atlas.runner.runAll(enabled, 'auto');
  const schedule = scheduleSources(enabled, atlas.runner, log);
  return {
    url,
    port,
    atlas,
    firstSync,
    async close() {
      schedule.stop();
      await firstSync.catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await atlas.close();
    },
  };
}
