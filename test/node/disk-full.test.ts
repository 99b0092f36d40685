// A full disk, for real: a small tmpfs holds the database. Reads keep working; a push is answered
// "storage full" with a status a CPO retries; a sync that runs out of space reports exactly the
// rows it stored; the WAL is checkpointed into the file when a run ends; source health shows the
// free space. Needs root (mount); elsewhere the suite says so and skips.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { createFakeCpo } from '../../src/fake-cpo/app.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import { syncOcpiSource } from '../../src/ingest/sync-source.js';
import { silentLogger } from '../../src/log.js';
import { storageSpaceOf } from '../../src/node/http-hooks.js';
import { createOcpiClient } from '../../src/ocpi/client/index.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';
import { ocpiSourceConfig } from '../helpers/source-config.js';
import { ocpiLocation } from '../ocpi/receiver/push-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'atlas-full-'));
const TMPFS_BYTES = 3 * 1024 * 1024;

function tryMount(): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return (err as Error).message.split('\n')[0] ?? 'mount failed';
  }
}

const mountError = tryMount();
if (mountError) {
  rmSync(dir, { recursive: true, force: true });
  console.warn(`disk-full tests skipped: cannot mount a tmpfs here (${mountError}); run them as root`);
}

const stamp = '2025-03-01T10:00:00Z';
const feed = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) =>
    ocpiLocation('2.2.1', {
      id: `${prefix}${i}`,
      cc: 'NL',
      pid: 'DEM',
      lat: 52 + i / 10_000,
      lon: 5 + i / 10_000,
      lastUpdated: stamp,
      name: `A location with a reasonably long name to take some room ${i}`,
      evses: [
        { uid: `${prefix}${i}-1`, status: 'AVAILABLE' },
        { uid: `${prefix}${i}-2`, status: 'CHARGING' },
      ],
    }),
  );

describe.skipIf(mountError !== null)('a full disk', () => {
  const file = join(dir, 'atlas.db');
  let db: Db;
  let served: ServedApp;
  const cpo = createFakeCpo({ locations: feed(40, 'S'), token: 'tok-full', pageSize: 20 });
  const source = () =>
    ocpiSourceConfig({ id: 'cpo', versions_url: `${served.url}/ocpi/versions`, token: 'tok-full' });
  const sync = () =>
    syncOcpiSource(
      source(),
      // Batches of a few pages, so a sync that runs out of space has committed some before.
      {
        db,
        client: createOcpiClient({ retries: 0 }),
        clock: () => new Date(),
        log: silentLogger,
        batchRows: 200,
      },
      { mode: 'full' },
    );

  beforeAll(async () => {
    served = await serveApp(cpo.app);
    db = openSqlite(file);
    await upsertSources(db, [source()], new Date().toISOString());
  });
  afterAll(async () => {
    await served?.close();
    await db?.close();
    if (!mountError) execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('checkpoints a finished run into the database file', async () => {
    const before = statSync(file).size;
    expect((await sync()).status).toBe('ok');
    expect(statSync(file).size).toBeGreaterThan(before);
    expect(statSync(`${file}-wal`).size).toBeLessThan(TMPFS_BYTES / 2);
  });

  it('reports only stored rows when a sync runs out of space, answers pushes 503 and keeps reading', async () => {
    // Leave a little room, then pull far more than fits.
    const free = statfsSync(dir).bavail * statfsSync(dir).bsize;
    writeFileSync(join(dir, 'filler'), Buffer.alloc(Math.max(0, free - 160 * 1024)));
    cpo.setData(feed(3_000, 'F'));
    const run = await sync();
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/full/i);
    const stored = await db.get<{ n: number }>("SELECT count(*) AS n FROM locations WHERE ocpi_id LIKE 'F%'");
    expect(run.counters.upserted).toBe(stored!.n);
    // Some batches committed before the disk filled: the count above is not 0 == 0.
    expect(stored!.n).toBeGreaterThan(0);
    expect(run.counters.upserted).toBeLessThan(3_000);

    const sources = [
      { ...source(), push_token: 'push-full', parties: [{ country_code: 'NL', party_id: 'DEM' }] },
    ];
    const app = createApp({ getDb: () => db, sources, storageSpace: storageSpaceOf(file) });
    const body = feed(1, 'P')[0]!;
    (body as { name: string }).name = 'x'.repeat(600_000);
    const push = await app.request('/ocpi/2.2.1/receiver/locations/NL/DEM/P0', {
      method: 'PUT',
      headers: { Authorization: `Token ${btoa('push-full')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(push.status).toBe(503);
    expect(Number(push.headers.get('retry-after'))).toBeGreaterThan(0);
    const envelope = (await push.json()) as { status_code: number; status_message: string };
    expect(envelope).toMatchObject({
      status_code: 3000,
      status_message: expect.stringMatching(/storage full/),
    });

    expect((await app.request('/v1/sites?bbox=4,51,6,53')).status).toBe(200);
    expect(await db.get('PRAGMA integrity_check')).toEqual({ integrity_check: 'ok' });
    const health = (await (await app.request('/v1/sources')).json()) as {
      storage: { free_bytes: number; total_bytes: number };
    };
    expect(health.storage.total_bytes).toBe(TMPFS_BYTES);
    expect(health.storage.free_bytes).toBeLessThan(256 * 1024);
  });
});
