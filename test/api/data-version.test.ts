// The data version (src/api/http/data-version.ts) is read again only when the SQLite connection
// says something may have changed: PRAGMA data_version for commits by other connections,
// total_changes() for its own writes. Each kind of writer must still change the next answer, also
// one served from the response cache, and requests between writes must not repeat the query.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { sources } from '../../src/db/schema.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { createFakeCpo, type FakeCpo } from '../../src/fake-cpo/app.js';
import { demoLocations } from '../../src/fake-cpo/demo-data.js';
import { runCli } from '../helpers/run-cli.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';

const TOKEN = 'data-version-token-7d21';
let dir: string;
let cpo: FakeCpo;
let cpoServed: ServedApp;
let env: NodeJS.ProcessEnv;
let db: Db;
let counted: Db;
let other: Db;
let api: ServedApp;
let versionReads = 0;

/** The served connection, counting the data-version queries it runs. */
function counting(inner: Db): Db {
  return {
    ...inner,
    get(sql, params) {
      if (sql.includes("key = 'data_version'")) versionReads++;
      return inner.get(sql, params);
    },
  };
}

async function cliSync() {
  const r = await runCli(['sync', '--source', 'good'], env);
  expect(r.code, r.out + r.err).toBe(0);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-data-version-'));
  const data = demoLocations();
  cpo = createFakeCpo({ locations: data.locations, tariffs: data.tariffs, token: TOKEN });
  cpoServed = await serveApp(cpo.app);
  const sourcesFile = join(dir, 'sources.json');
  writeFileSync(
    sourcesFile,
    JSON.stringify([
      {
        id: 'good',
        name: 'Good CPO',
        versions_url: `${cpoServed.url}/ocpi/versions`,
        token: TOKEN,
        license: 'CC0-1.0',
      },
    ]),
  );
  const file = join(dir, 'atlas.db');
  env = { ...process.env, ATLAS_DB: file, ATLAS_SOURCES: sourcesFile, LOG_LEVEL: 'silent' };
  await cliSync();
  db = openSqlite(file);
  other = openSqlite(file);
  counted = counting(db);
  api = await serveApp(createApp({ getDb: () => counted, http: { rateLimit: false } }));
}, 60_000);

afterAll(async () => {
  await api?.close();
  await cpoServed?.close();
  await db?.close();
  await other?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string, etag?: string) {
  const res = await fetch(`${api.url}${path}`, { headers: etag ? { 'If-None-Match': etag } : {} });
  return { status: res.status, etag: res.headers.get('etag') ?? '', text: await res.text() };
}

describe('the data version of a SQLite connection', () => {
  it('is not read again while nothing was written', async () => {
    await get('/v1/tiles.json');
    const before = versionReads;
    for (let i = 0; i < 3; i++) expect((await get('/v1/tiles.json')).status).toBe(200);
    expect(await get('/v1/sources')).toMatchObject({ status: 200 });
    expect(versionReads).toBe(before);
  });

  it('changes with a commit by another connection, also for an answer from the response cache', async () => {
    const before = await get('/v1/tiles.json');
    expect(before.text).toContain('Good CPO');
    await other.batch([{ sql: "UPDATE sources SET name = 'Renamed CPO' WHERE id = 'good'", params: [] }]);
    const reads = versionReads;
    const after = await get('/v1/tiles.json', before.etag);
    expect(versionReads).toBe(reads + 1);
    expect(after.status).toBe(200);
    expect(after.text).toContain('Renamed CPO');
    expect(after.text).not.toContain('Good CPO');
  });

  it("changes with the connection's own writes, also those through drizzle", async () => {
    const before = await get('/v1/tiles.json');
    await counted.orm.update(sources).set({ name: 'Third name' }).where(eq(sources.id, 'good'));
    const after = await get('/v1/tiles.json', before.etag);
    expect(after.status).toBe(200);
    expect(after.text).toContain('Third name');
  });

  it('changes with a CLI sync in another process', async () => {
    const data = demoLocations();
    const first = data.locations[0]!;
    expect(first.publish).toBe(true);
    const row = await db.get<{ pk: string }>('SELECT pk FROM locations WHERE ocpi_id = ?', [first.id]);
    expect(row).toBeDefined();
    const path = `/v1/locations/${row!.pk}`;
    const before = await get(path);
    expect((await get(path, before.etag)).status).toBe(304);
    const renamed = data.locations.map((l) =>
      l.id === first.id ? { ...l, name: 'Renamed by the CLI', last_updated: new Date().toISOString() } : l,
    );
    cpo.setData(renamed, data.tariffs);
    await cliSync();
    const after = await get(path, before.etag);
    expect(after.status).toBe(200);
    expect(after.text).toContain('Renamed by the CLI');
  }, 60_000);
});
