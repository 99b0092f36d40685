// A source configured with a token A: the atlas registers with the CPO (which calls our own
// versions endpoint back with our token B), keeps token C, and pulls with it.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { createFakeCpo } from '../../src/fake-cpo/app.js';
import { demoLocations } from '../../src/fake-cpo/demo-data.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import { syncOcpiSource } from '../../src/ingest/sync-source.js';
import { silentLogger } from '../../src/log.js';
import { createOcpiClient } from '../../src/ocpi/client/index.js';
import { tokenHash } from '../../src/ocpi/receiver/auth.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';
import { ocpiSourceConfig } from '../helpers/source-config.js';

const TOKEN_A = 'token-a-issued-offline-77';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

describe('credentials handshake on the pull side', () => {
  it('registers with token A, pulls with token C, and A is dead afterwards', async () => {
    const db: Db = openSqlite(':memory:');
    closers.push(() => db.close());
    const data = demoLocations();
    const cpo = createFakeCpo({
      locations: data.locations,
      tariffs: data.tariffs,
      registration: { tokenA: TOKEN_A },
    });
    const cpoServed: ServedApp = await serveApp(cpo.app);
    closers.push(() => cpoServed.close());
    const source = ocpiSourceConfig({
      id: 'reg',
      versions_url: `${cpoServed.url}/ocpi/versions`,
      token: TOKEN_A,
      register: true,
    });
    await upsertSources(db, [source], new Date().toISOString());
    // Our own platform endpoints, on loopback, so the CPO can call us back with token B.
    const ours = await serveApp(createApp({ getDb: () => db, sources: [source] }));
    closers.push(() => ours.close());

    const deps = {
      db,
      client: createOcpiClient({}),
      clock: () => new Date(),
      log: silentLogger,
      publicUrl: ours.url,
    };
    const run = await syncOcpiSource(source, deps, { mode: 'full' });
    expect(run.error).toBeNull();
    expect(run.status).toBe('ok');
    expect(run.counters.upserted).toBe(data.locations.length);

    const secrets = await db.get<{ token_b: string; token_c: string }>(
      'SELECT token_b, token_c FROM source_secrets',
    );
    expect(secrets?.token_c).toBe(cpo.currentToken());
    expect(secrets?.token_c).not.toBe(TOKEN_A);
    // The CPO called our versions endpoint with the B we sent before it answered.
    // (token_b holds its hash: that is all the receiver needs to recognise it.)
    expect(await tokenHash(cpo.peer()!.token)).toBe(secrets?.token_b);
    // The pulls after registration used C, never A.
    const pulls = cpo.requests.filter((r) => r.path.endsWith('/locations'));
    expect(pulls.length).toBeGreaterThan(0);
    expect(pulls.every((r) => r.auth?.token === 'C')).toBe(true);

    const withA = await fetch(`${cpoServed.url}/ocpi/2.2.1/locations`, {
      headers: { Authorization: `Token ${btoa(TOKEN_A)}` },
    });
    expect(withA.status).toBe(401);

    // A second run needs no new handshake.
    const again = await syncOcpiSource(source, deps, { mode: 'full' });
    expect(again.status).toBe('ok');
    expect(cpo.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/credentials'))).toHaveLength(
      1,
    );
    const health = await (await createApp({ getDb: () => db }).request('/v1/sources/reg')).text();
    for (const t of [TOKEN_A, cpo.peer()!.token, secrets!.token_c]) expect(health).not.toContain(t);
  });

  it('fails clearly when register is set but no public URL is configured', async () => {
    const db: Db = openSqlite(':memory:');
    closers.push(() => db.close());
    const source = ocpiSourceConfig({
      id: 'reg',
      versions_url: 'http://127.0.0.1:9/ocpi/versions',
      token: TOKEN_A,
      register: true,
    });
    await upsertSources(db, [source], new Date().toISOString());
    const run = await syncOcpiSource(source, {
      db,
      client: createOcpiClient({}),
      clock: () => new Date(),
      log: silentLogger,
    });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/ATLAS_PUBLIC_URL/);
    expect(run.error).not.toContain(TOKEN_A);
  });
});
