// Which requests the status PATCHes answered before the app (status-patch-requests.ts) take, and
// which they hand to the app untouched: status-fast-path.test.ts compares their answers with the
// app's over HTTP, this checks that the short way is the one taken where it should be.
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../../src/api/deps.js';
import { createOcpiApp } from '../../../src/api/ocpi/app.js';
import type { RequestHost } from '../../../src/api/ocpi/status-patch-requests.js';
import { silentLogger } from '../../../src/log.js';
import { type Atlas, DEFAULT_SOURCES, ocpiLocation, startAtlas, TOKEN_DE, TOKEN_NL } from './push-harness.js';

const BASE = 'http://atlas.test/ocpi';

/** A PATCH as a CPO sends it; a header given as null is left out. */
function patch(path: string, body: string, headers: Record<string, string | null> = {}): Request {
  const all: Record<string, string | null> = {
    authorization: `Token ${Buffer.from(TOKEN_NL).toString('base64')}`,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  };
  const given = Object.entries(all).filter((e): e is [string, string] => e[1] !== null);
  return new Request(`${BASE}${path}`, { method: 'PATCH', headers: given, body });
}

describe('status PATCHes answered before the app', () => {
  let atlas: Atlas;
  let statusPatches: ReturnType<typeof createOcpiApp>['statusPatches'];
  const toApp: Request[] = [];
  const host: RequestHost = {
    log: silentLogger,
    clock: () => new Date('2025-03-01T11:00:00Z'),
    getDb: () => atlas.db,
    app: (req) => {
      toApp.push(req);
      return new Response('the app');
    },
  };
  const statusOf = async (uid: string) =>
    (await atlas.db.get<{ status: string }>('SELECT status FROM evses WHERE uid = ?', [uid]))?.status;

  beforeAll(async () => {
    atlas = await startAtlas({ now: '2025-03-01T11:00:00Z' });
    const body = ocpiLocation('2.2.1', {
      id: 'F1',
      lat: 52.1,
      lon: 5.1,
      evses: [{ uid: 'E1', status: 'AVAILABLE' }],
      lastUpdated: '2025-03-01T09:00:00Z',
    });
    expect((await atlas.push('PUT', '2.2.1', '/NL/TNM/F1', body)).status).toBe(201);
    statusPatches = createOcpiApp({ getDb: () => atlas.db, sources: DEFAULT_SOURCES }).statusPatches;
  });
  afterAll(() => atlas.close());

  it('answers a status PATCH itself and writes it', async () => {
    const body = JSON.stringify({ status: 'CHARGING', last_updated: '2025-03-01T10:00:00Z' });
    const res = await statusPatches(patch('/2.2.1/receiver/locations/NL/TNM/F1/E1', body), {}, {}, host);
    expect(res).not.toBeNull();
    expect(res!.status).toBe(200);
    expect(await res!.json()).toMatchObject({ status_code: 1000 });
    expect(toApp).toEqual([]);
    expect(await statusOf('E1')).toBe('CHARGING');
  });

  it('leaves every other request to the app, before reading it', () => {
    const body = JSON.stringify({ status: 'AVAILABLE', last_updated: '2025-03-01T10:01:00Z' });
    const others = [
      new Request(`${BASE}/2.2.1/receiver/locations/NL/TNM/F1/E1`),
      patch('/2.2.1/receiver/locations/NL/TNM/F1', body),
      patch('/2.2.1/receiver/locations/NL/TNM/F1/E1/1', body),
      patch('/2.2.1/receiver/locations/NL/TNM/F1/E1?x=1', body),
      patch('/2.2.1/receiver/locations/NL/TNM/F%31/E1', body),
      patch('/2.0/receiver/locations/NL/TNM/F1/E1', body),
      patch('/2.2.1/receiver/tariffs/NL/TNM/F1/E1', body),
      patch('/2.2.1/receiver/locations/NL/TNM/F1/E1', body, { authorization: null }),
      patch('/2.2.1/receiver/locations/NL/TNM/F1/E1', body, { 'content-length': null }),
    ];
    for (const req of others) expect(statusPatches(req, {}, {}, host)).toBeNull();
  });

  it('hands the request to the app, with its body, when a check refuses it or the body is more than a status', async () => {
    const cases: [Request, string][] = [
      [
        patch(
          '/2.2.1/receiver/locations/NL/TNM/F1/E9',
          '{"status":"CHARGING","last_updated":"2025-03-01T10:02:00Z"}',
        ),
        'unknown EVSE',
      ],
      [patch('/2.2.1/receiver/locations/NL/TNM/F1/E1', '{"status":"CHARGING"}'), 'no last_updated'],
      [patch('/2.2.1/receiver/locations/NL/TNM/F1/E1', '{"status":'), 'not JSON'],
      [
        patch(
          '/2.2.1/receiver/locations/NL/TNM/F1/E1',
          '{"status":"BLOCKED","last_updated":"2025-03-01T10:02:00Z","floor_level":"2"}',
        ),
        'more than a status',
      ],
      [
        patch(
          '/2.2.1/receiver/locations/NL/TNM/F1/E1',
          '\uFEFF{"status":"BLOCKED","last_updated":"2025-03-01T10:02:00Z","floor_level":"Étage ½"}',
        ),
        'more than a status, after a byte order mark and with characters beyond ASCII',
      ],
      [
        patch(
          '/2.2.1/receiver/locations/NL/TNM/F1/E1',
          '{"status":"BLOCKED","last_updated":"2025-03-01T10:02:00Z"}',
          {
            authorization: `Token ${Buffer.from(TOKEN_DE).toString('base64')}`,
          },
        ),
        "another party's token",
      ],
    ];
    for (const [req, why] of cases) {
      toApp.length = 0;
      const sent = await req.clone().text();
      const res = await statusPatches(req, {}, {}, host);
      expect(await res?.text(), why).toBe('the app');
      expect(toApp.length, why).toBe(1);
      expect(await toApp[0]!.text(), why).toBe(sent);
    }
    // None of them was written.
    expect(await statusOf('E1')).toBe('CHARGING');
  });

  it('leaves an address that failed too often to the app (429), with a valid token too', async () => {
    const ocpi = createOcpiApp({
      getDb: () => atlas.db,
      sources: DEFAULT_SOURCES,
      ocpiAuthThrottle: { burst: 2, perSecond: 0.001, maxClients: 10 },
    });
    const body = '{"status":"BLOCKED","last_updated":"2025-03-01T10:03:00Z"}';
    const path = '/2.2.1/receiver/locations/NL/TNM/F1/E1';
    // The OCPI app as createApp mounts it, behind the request context it expects.
    const outer = new Hono<AppEnv>();
    outer.use(async (c, next) => {
      c.set('db', atlas.db);
      c.set('now', host.clock());
      c.set('log', silentLogger);
      await next();
    });
    outer.route('/ocpi', ocpi.app);
    for (let i = 0; i < 2; i++) {
      const refused = await outer.request(`/ocpi${path}`, {
        method: 'PATCH',
        headers: { authorization: 'Token nope', 'cf-connecting-ip': '192.0.2.7' },
        body,
      });
      expect(refused.status).toBe(401);
    }
    // Another address still goes the short way; this one is the app's.
    toApp.length = 0;
    const other = await ocpi.statusPatches(
      patch(path, body, { 'cf-connecting-ip': '192.0.2.8' }),
      {},
      {},
      host,
    );
    expect(other!.status).toBe(200);
    expect(toApp).toEqual([]);
    expect(await statusOf('E1')).toBe('BLOCKED');
    const again = body.replace('10:03', '10:04').replace('BLOCKED', 'CHARGING');
    const res = await ocpi.statusPatches(
      patch(path, again, { 'cf-connecting-ip': '192.0.2.7' }),
      {},
      {},
      host,
    );
    expect(await res!.text()).toBe('the app');
    expect(toApp.length).toBe(1);
    expect(await statusOf('E1')).toBe('BLOCKED');
  });

  it('hands the app a request whose store fails before the write, body unread', async () => {
    const body = JSON.stringify({ status: 'CHARGING', last_updated: '2025-03-01T10:05:00Z' });
    const fail = async () => {
      throw new Error('disk I/O error');
    };
    const failing = { ...atlas.db, all: fail, get: fail } as typeof atlas.db;
    const path = '/2.2.1/receiver/locations/NL/TNM/F1/E1';
    for (const getDb of [() => failing, () => Promise.reject(new Error('no binding'))]) {
      toApp.length = 0;
      const { statusPatches: before } = createOcpiApp({ getDb, sources: DEFAULT_SOURCES });
      const res = await before(patch(path, body), {}, {}, { ...host, getDb });
      expect(await res!.text()).toBe('the app');
      expect(toApp.length).toBe(1);
      // The app gets the request whole: its body has not been read here.
      expect(await toApp[0]!.text()).toBe(body);
    }
  });
});
