// The atlas a push-driven bench talks to (push.ts, sse.ts): a fresh database holding one OCPI source,
// `bench`, whose locations the bench generates, served from a child process on a loopback port with
// a push token, so the bench's own process (the load generator, the clients) keeps a core of its own.
import { type ChildProcess, spawn } from 'node:child_process';
import type http from 'node:http';
import { createInterface } from 'node:readline';
import { openSqlite } from '../../src/db/sqlite.js';
import { writeLocationStmts } from '../../src/db/write-location.js';
import type { SourceConfig } from '../../src/ingest/sources-file.js';
import type { Location } from '../../src/model/types.js';

export const BENCH_PARTY = { country_code: 'NL', party_id: 'BEN' };
const SEEDED_AT = '2025-01-01T00:00:00Z';

/**
 * Writes the source and its locations, as a pull would have. `storedParties`: the parties the
 * database holds for the source (the sources entry the server runs with always lists BENCH_PARTY).
 */
export async function seedBenchSource(
  file: string,
  locations: Location[],
  storedParties: unknown[],
): Promise<void> {
  const db = openSqlite(file);
  await db.batch([
    {
      sql: `INSERT INTO sources (id, name, type, license, enabled, parties, updated_at)
        VALUES ('bench', 'bench', 'ocpi', 'CC0-1.0', 1, ?, ?)`,
      params: [JSON.stringify(storedParties), SEEDED_AT],
    },
  ]);
  const meta = { sourceId: 'bench', now: SEEDED_AT, via: 'pull', runId: null, contentHash: '' } as const;
  for (let i = 0; i < locations.length; i += 100) {
    await db.batch(locations.slice(i, i + 100).flatMap((l) => writeLocationStmts(l, meta)));
  }
  await db.close();
}

/** Child mode: serves the atlas on a loopback port and prints `port=N`. */
export async function serveBenchAtlas(
  file: string,
  pushToken: string,
  options: { streams?: boolean; maxConnections?: number } = {},
): Promise<void> {
  const { serve } = await import('@hono/node-server');
  const { createApp } = await import('../../src/api/app.js');
  const { createStatusNotifier } = await import('../../src/live/status-notifier.js');
  const source: SourceConfig = {
    id: 'bench',
    name: 'bench',
    type: 'ocpi',
    versions_url: 'http://127.0.0.1:9/versions',
    token: 'unused',
    register: false,
    push_token: pushToken,
    parties: [BENCH_PARTY],
    schedule: '* * * * *',
    full_schedule: '* * * * *',
    license: 'CC0-1.0',
    enabled: true,
    suspect_ratio: 0.5,
  };
  const db = openSqlite(file);
  const app = createApp({
    getDb: () => db,
    ...(options.streams ? { statusNotifier: createStatusNotifier() } : {}),
    // Every client is on one address, which the rate limit would count as one client.
    http: { rateLimit: false },
    sources: [source],
  });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
    console.log(`port=${info.port}`),
  );
  if (options.maxConnections) (server as http.Server).maxConnections = options.maxConnections;
  // Exit (not die) on SIGTERM, so a --cpu-prof given through BENCH_NODE_ARGS gets written.
  process.once('SIGTERM', () => process.exit(0));
}

/** Starts `script --serve file` (a bench whose child mode calls serveBenchAtlas) and waits for its port. */
export async function startBenchAtlas(
  script: string,
  file: string,
): Promise<{ child: ChildProcess; port: number }> {
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', script, '--serve', file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    const m = /^port=(\d+)$/.exec(line);
    if (m) return { child, port: Number(m[1]) };
  }
  throw new Error(`${script}: the bench's atlas did not start`);
}

/** Stops a child started by startBenchAtlas and waits until it has exited. */
export async function stopBenchAtlas(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
