// The .sqlite dump is built once, in a child process, and shared: concurrent requests wait for the
// same build and get the same bytes; a later request within the freshness window gets the file
// without a build, even after the data changed.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import { createDumpStore } from '../../src/node/dump-store.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';
import { DEFAULT_SOURCES, ocpiLocation, TOKEN_NL } from '../ocpi/receiver/push-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'atlas-dumpstore-'));
let db: Db;
let served: ServedApp;
let builds = 0;

beforeAll(async () => {
  db = openSqlite(join(dir, 'atlas.db'));
  await upsertSources(db, DEFAULT_SOURCES, new Date().toISOString());
  const store = createDumpStore({ dir: join(dir, 'dumps'), freshMs: 60 * 60_000, onBuild: () => builds++ });
  const app = createApp({
    getDb: () => db,
    sources: DEFAULT_SOURCES,
    http: { rateLimit: false, sqliteDump: (d) => store.file(d) },
  });
  served = await serveApp(app);
  await push('A1');
});
afterAll(async () => {
  await served.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function push(id: string) {
  const res = await fetch(`${served.url}/ocpi/2.2.1/receiver/locations/NL/TNM/${id}`, {
    method: 'PUT',
    headers: { Authorization: `Token ${btoa(TOKEN_NL)}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(
      ocpiLocation('2.2.1', { id, lat: 52.1, lon: 5.1, lastUpdated: '2025-03-01T11:00:00Z', evses: [] }),
    ),
  });
  expect(res.status).toBe(201);
}

const download = async () => {
  const res = await fetch(`${served.url}/v1/dumps/sites.sqlite.gz`);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
};

describe('the .sqlite dump', () => {
  it('is built by a child process of its own, which has ended when the file is served', async () => {
    const pids: number[] = [];
    const store = createDumpStore({ dir: join(dir, 'dumps-child'), onBuilder: (pid) => pids.push(pid) });
    const file = await store.file(db);
    expect(file.size).toBeGreaterThan(0);
    expect(pids).toHaveLength(1);
    expect(pids[0]).not.toBe(process.pid);
    // Signal 0 only checks that the process exists.
    expect(() => process.kill(pids[0]!, 0)).toThrow(/ESRCH/);
  });

  it('is killed when the server stops, leaves no file behind, and never starts again', async () => {
    const stop = new AbortController();
    const pids: number[] = [];
    const storeDir = join(dir, 'dumps-stop');
    const store = createDumpStore({
      dir: storeDir,
      signal: stop.signal,
      onBuilder: (pid) => {
        pids.push(pid);
        stop.abort();
      },
    });
    await expect(store.file(db)).rejects.toThrow(/dump builder exited with SIGTERM/);
    expect(pids).toHaveLength(1);
    expect(() => process.kill(pids[0]!, 0)).toThrow(/ESRCH/);
    expect(readdirSync(storeDir)).toEqual([]);
    // Once stopped, no builder process is started at all.
    await expect(store.file(db)).rejects.toThrow(/the server is stopping/);
    expect(pids).toHaveLength(1);
  });

  it('is built once for concurrent requests, which all get the same file', async () => {
    const bodies = await Promise.all(Array.from({ length: 5 }, download));
    expect(builds).toBe(1);
    for (const b of bodies) expect(b.equals(bodies[0]!)).toBe(true);
    expect(gunzipSync(bodies[0]!).subarray(0, 15).toString()).toBe('SQLite format 3');
  });

  it('is served from the file while fresh, even after the data changed', async () => {
    await push('A2');
    await download();
    expect(builds).toBe(1);
  });
});

describe('the validators of a dump served after the data changed', () => {
  it('date it by the data it was built from, not by the data that has moved on since', async () => {
    const first = await fetch(`${served.url}/v1/dumps/sites.sqlite.gz`);
    await first.arrayBuffer();
    const built = first.headers.get('last-modified')!;
    // The data moves in a later second; the file built before is still served (fresh for an hour).
    await new Promise((r) => setTimeout(r, 1_100));
    await push('A3');
    const sites = await fetch(`${served.url}/v1/sites`);
    await sites.arrayBuffer();
    expect(Date.parse(sites.headers.get('last-modified')!)).toBeGreaterThan(Date.parse(built));
    const again = await fetch(`${served.url}/v1/dumps/sites.sqlite.gz`);
    await again.arrayBuffer();
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(again.headers.get('last-modified')).toBe(built);
    expect(builds).toBe(1);
  });
});

describe('a first build that takes long', () => {
  it('answers 503 with Retry-After instead of holding the request, then serves the built file', async () => {
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let slowBuilds = 0;
    const store = createDumpStore({
      dir: join(dir, 'slow'),
      maxWaitMs: 1,
      onBuild: () => slowBuilds++,
      write: async (_db, out) => {
        await gate;
        writeFileSync(out, 'built');
      },
    });
    const app = createApp({ getDb: () => db, http: { rateLimit: false, sqliteDump: (d) => store.file(d) } });
    const waiting = await app.request('/v1/dumps/sites.sqlite.gz');
    expect(waiting.status).toBe(503);
    expect(waiting.headers.get('retry-after')).toBe('60');
    expect(((await waiting.json()) as { error: { code: string } }).error.code).toBe('building');
    expect((await app.request('/v1/dumps/sites.sqlite.gz')).status).toBe(503);
    finish();
    // The build went on without anyone waiting for it; it is served once done.
    let res = await app.request('/v1/dumps/sites.sqlite.gz');
    while (res.status === 503) res = await app.request('/v1/dumps/sites.sqlite.gz');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('built');
    expect(slowBuilds).toBe(1);
  });
});
