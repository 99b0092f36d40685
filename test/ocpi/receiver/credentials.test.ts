// A CPO registers with us (SPEC-DIGEST §4, reversed roles): token A from its sources entry, our
// callback to its versions with its token B, a token C in return; then it pushes with C only.
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOcpiClient } from '../../../src/ocpi/client/index.js';
import { tokenHash } from '../../../src/ocpi/receiver/auth.js';
import { type ServedApp, serveApp } from '../../helpers/serve.js';
import { type Atlas, cpoSource, dumpStore, ocpiLocation, startAtlas } from './push-harness.js';

const TOKEN_A = 'token-a-issued-by-the-operator';
const TOKEN_B = 'token-b-of-the-registering-cpo';

/** The registering CPO's own versions and details, readable only with its token B. */
function registrant(seen: string[]) {
  const app = new Hono();
  app.use(async (c, next) => {
    const auth = c.req.header('Authorization') ?? '';
    seen.push(auth);
    const token = auth.replace(/^Token /, '');
    if (token !== TOKEN_B && Buffer.from(token, 'base64').toString() !== TOKEN_B) {
      return c.json(
        { status_code: 2000, status_message: 'unauthorized', timestamp: '2025-03-01T12:00:00Z' },
        401,
      );
    }
    await next();
  });
  const ok = (data: unknown) => ({ data, status_code: 1000, timestamp: '2025-03-01T12:00:00Z' });
  app.get('/ocpi/versions', (c) =>
    c.json(ok([{ version: '2.2.1', url: `${new URL(c.req.url).origin}/ocpi/2.2.1` }])),
  );
  app.get('/ocpi/2.2.1', (c) => {
    const base = new URL(c.req.url).origin;
    return c.json(
      ok({
        version: '2.2.1',
        endpoints: [
          { identifier: 'credentials', role: 'SENDER', url: `${base}/ocpi/2.2.1/credentials` },
          { identifier: 'locations', role: 'SENDER', url: `${base}/ocpi/2.2.1/locations` },
        ],
      }),
    );
  });
  return app;
}

let atlas: Atlas;
let cpo: ServedApp;
let seen: string[];

beforeEach(async () => {
  seen = [];
  cpo = await serveApp(registrant(seen));
  atlas = await startAtlas({
    sources: [cpoSource('newcpo', TOKEN_A, [])],
    // The registering CPO runs on loopback: the callback guard must let it through.
    deps: { ocpiClient: createOcpiClient({ retries: 0, timeoutMs: 5_000 }), ocpiAllowPrivateTargets: true },
  });
});
afterEach(async () => {
  await atlas.close();
  await cpo.close();
});

const theirCredentials = (url: string) => ({
  token: TOKEN_B,
  url,
  roles: [{ role: 'CPO', country_code: 'nl', party_id: 'new', business_details: { name: 'New CPO' } }],
});

async function register() {
  return atlas.push('POST', '2.2.1', '', theirCredentials(`${cpo.url}/ocpi/versions`), {
    token: TOKEN_A,
    module: 'credentials',
  });
}

describe('a CPO registering with us', () => {
  it('gets a token C after we fetched its versions with its token B, and pushes with C only', async () => {
    const res = await register();
    expect(res.status).toBe(200);
    expect(res.body.status_code).toBe(1000);
    const ours = res.body.data as {
      token: string;
      url: string;
      roles: { role: string; country_code: string; party_id: string }[];
    };
    expect(ours.url).toBe(`${atlas.url}/ocpi/versions`);
    expect(ours.roles[0]).toMatchObject({ role: 'NSP', country_code: 'NL', party_id: 'OCA' });
    expect(ours.token).toMatch(/^[\x21-\x7e]{32,64}$/);
    expect([TOKEN_A, TOKEN_B]).not.toContain(ours.token);
    // The callback used B, base64-encoded as 2.2.1 wants.
    expect(seen).toContain(`Token ${Buffer.from(TOKEN_B).toString('base64')}`);

    const secrets = await atlas.db.get('SELECT token_b, token_c FROM source_secrets WHERE source_id = ?', [
      'newcpo',
    ]);
    // token_c: what we present to the CPO (its B); token_b: what the CPO presents to us (our C),
    // kept as its hash only.
    expect(secrets).toEqual({ token_b: await tokenHash(ours.token), token_c: TOKEN_B });
    const source = await atlas.db.get<{ parties: string; version: string }>(
      'SELECT parties, version FROM sources WHERE id = ?',
      ['newcpo'],
    );
    expect(JSON.parse(source!.parties)).toEqual([{ country_code: 'NL', party_id: 'NEW' }]);
    expect(source!.version).toBe('2.2.1');

    // The registration named its party: C may push for NL/NEW; A is dead.
    const body = ocpiLocation('2.2.1', {
      id: 'R1',
      cc: 'NL',
      pid: 'NEW',
      lat: 52.1,
      lon: 5.1,
      lastUpdated: '2025-03-01T11:00:00Z',
      evses: [{ uid: 'E1', status: 'AVAILABLE' }],
    });
    expect((await atlas.push('PUT', '2.2.1', '/NL/NEW/R1', body, { token: ours.token })).status).toBe(201);
    // A status PATCH, answered before the app with the caller it remembers per token (callers.ts).
    let minute = 0;
    const statusPatch = (token: string) =>
      atlas.push(
        'PATCH',
        '2.2.1',
        '/NL/NEW/R1/E1',
        {
          status: minute % 2 ? 'AVAILABLE' : 'CHARGING',
          last_updated: `2025-03-01T11:${String(++minute).padStart(2, '0')}:00Z`,
        },
        { token },
      );
    expect((await statusPatch(ours.token)).status).toBe(200);
    expect((await statusPatch(ours.token)).status).toBe(200);
    expect((await atlas.push('PUT', '2.2.1', '/NL/NEW/R1', body, { token: TOKEN_A })).status).toBe(401);
    expect(
      (await atlas.push('GET', '2.2.1', '', undefined, { token: TOKEN_A, module: 'credentials' })).status,
    ).toBe(401);

    // Registered: POST again is 405; GET shows our credentials with the caller's own token.
    const again = await atlas.push('POST', '2.2.1', '', theirCredentials(`${cpo.url}/ocpi/versions`), {
      token: ours.token,
      module: 'credentials',
    });
    expect({ http: again.status, ocpi: again.body.status_code }).toEqual({ http: 405, ocpi: 2000 });
    const get = await atlas.push('GET', '2.2.1', '', undefined, { token: ours.token, module: 'credentials' });
    expect((get.body.data as { token: string }).token).toBe(ours.token);

    // PUT rotates: a new C replaces the old one.
    const rotated = await atlas.push('PUT', '2.2.1', '', theirCredentials(`${cpo.url}/ocpi/versions`), {
      token: ours.token,
      module: 'credentials',
    });
    const newToken = (rotated.body.data as { token: string }).token;
    expect(newToken).not.toBe(ours.token);
    // The rotated token stops working for status PATCHes at once, the new one works.
    expect((await statusPatch(ours.token)).status).toBe(401);
    expect((await statusPatch(newToken)).status).toBe(200);
    expect(
      (await atlas.push('GET', '2.2.1', '', undefined, { token: ours.token, module: 'credentials' })).status,
    ).toBe(401);
    expect(
      (await atlas.push('GET', '2.2.1', '', undefined, { token: newToken, module: 'credentials' })).status,
    ).toBe(200);

    // DELETE ends it: neither token works any more.
    expect(
      (await atlas.push('DELETE', '2.2.1', '', undefined, { token: newToken, module: 'credentials' })).body
        .status_code,
    ).toBe(1000);
    expect(
      (await atlas.push('GET', '2.2.1', '', undefined, { token: newToken, module: 'credentials' })).status,
    ).toBe(401);
    expect((await statusPatch(newToken)).status).toBe(401);
    expect(
      (await atlas.push('GET', '2.2.1', '', undefined, { token: TOKEN_A, module: 'credentials' })).status,
    ).toBe(401);
  });

  it('answers 3001 and stores nothing when its versions cannot be fetched with token B', async () => {
    const before = await dumpStore(atlas.db);
    const res = await atlas.push(
      'POST',
      '2.2.1',
      '',
      { ...theirCredentials(`${cpo.url}/ocpi/versions`), token: 'a-wrong-token-b' },
      {
        token: TOKEN_A,
        module: 'credentials',
      },
    );
    expect({ http: res.status, ocpi: res.body.status_code }).toEqual({ http: 200, ocpi: 3001 });
    expect(await dumpStore(atlas.db)).toEqual(before);
    // A is still alive: the registration did not happen.
    expect((await register()).body.status_code).toBe(1000);
  });

  it('refuses a credentials object without roles, and PUT or DELETE before registering', async () => {
    const bad = await atlas.push(
      'POST',
      '2.2.1',
      '',
      { token: TOKEN_B, url: `${cpo.url}/ocpi/versions` },
      { token: TOKEN_A, module: 'credentials' },
    );
    expect({ http: bad.status, ocpi: bad.body.status_code }).toEqual({ http: 200, ocpi: 2001 });
    const put = await atlas.push('PUT', '2.2.1', '', theirCredentials(`${cpo.url}/ocpi/versions`), {
      token: TOKEN_A,
      module: 'credentials',
    });
    expect({ http: put.status, ocpi: put.body.status_code }).toEqual({ http: 405, ocpi: 2000 });
    const del = await atlas.push('DELETE', '2.2.1', '', undefined, { token: TOKEN_A, module: 'credentials' });
    expect(del.status).toBe(405);
  });
});
