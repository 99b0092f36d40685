import { describe, expect, it } from 'vitest';
import { createFakeCpo, type FakeCpoOptions } from '../../src/fake-cpo/app.js';
import { demoLocations } from '../../src/fake-cpo/demo-data.js';
import { authorizationHeader } from '../../src/ocpi/client/auth.js';
import { nextLinkTarget } from '../../src/ocpi/client/link-header.js';

const TOKEN = 'fake-cpo-token';
const B64 = { Authorization: authorizationHeader(TOKEN, 'base64') };
const RAW = { Authorization: authorizationHeader(TOKEN, 'raw') };
const demo = demoLocations();
const BASE = 'http://cpo.test';

/** A small data set with known last_updated stamps. */
const locations = Array.from({ length: 12 }, (_, i) => ({
  id: `LOC${i + 1}`,
  last_updated: `2025-01-${String(i + 1).padStart(2, '0')}T00:00:00Z`,
  coordinates: { latitude: '52.000000', longitude: '5.000000' },
  evses: [{ uid: `E${i + 1}`, connectors: [{ id: '1' }] }],
}));

function fakeWith(opts: Partial<FakeCpoOptions> = {}) {
  const fake = createFakeCpo({ locations, tariffs: demo.tariffs, baseUrl: BASE, ...opts });
  const get = async (path: string, headers: Record<string, string> = B64, init: RequestInit = {}) => {
    const res = await fake.app.request(`${BASE}${path}`, { headers, ...init });
    const text = await res.text();
    return { res, text, json: () => JSON.parse(text) };
  };
  return { fake, get };
}

describe('fake CPO: versions and details', () => {
  it('lists offered versions in the envelope, with a UTC timestamp, behind the token', async () => {
    const { get } = fakeWith({ versions: ['2.1.1', '2.2.1'], tokenEncoding: 'either' });
    expect((await get('/ocpi/versions', {})).res.status).toBe(401);
    const body = (await get('/ocpi/versions')).json();
    expect(body).toMatchObject({
      status_code: 1000,
      data: [
        { version: '2.1.1', url: `${BASE}/ocpi/2.1.1/details` },
        { version: '2.2.1', url: `${BASE}/ocpi/2.2.1/details` },
      ],
    });
    expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('lists credentials, locations and tariffs, with role SENDER from 2.2 on', async () => {
    const { get } = fakeWith({ versions: ['2.1.1', '2.3.0'], tokenEncoding: 'either' });
    expect((await get('/ocpi/2.3.0/details')).json().data.endpoints).toEqual(
      ['credentials', 'locations', 'tariffs'].map((identifier) => ({
        identifier,
        role: 'SENDER',
        url: `${BASE}/ocpi/2.3.0/${identifier}`,
      })),
    );
    const endpoints211 = (await get('/ocpi/2.1.1/details')).json().data.endpoints;
    expect(endpoints211.every((e: object) => !('role' in e))).toBe(true);
    expect((await get('/ocpi/2.2.1/details')).res.status).toBe(404);
  });

  it('checks the token encoding per version: raw on 2.1.1, base64 on 2.2+', async () => {
    const v211 = fakeWith({ versions: ['2.1.1'] });
    expect((await v211.get('/ocpi/2.1.1/locations', B64)).res.status).toBe(401);
    expect((await v211.get('/ocpi/2.1.1/locations', RAW)).res.status).toBe(200);
    const v221 = fakeWith();
    expect((await v221.get('/ocpi/2.2.1/locations', RAW)).res.status).toBe(401);
    expect(
      (await v221.get('/ocpi/2.2.1/locations', { Authorization: `token ${B64.Authorization.slice(6)}` })).res
        .status,
    ).toBe(200);
    expect(v221.fake.requests.map((r) => r.auth)).toEqual([null, { token: 'C', encoding: 'base64' }]);
  });
});

describe('fake CPO: lists', () => {
  it('pages with X-Total-Count, X-Limit as the cap, and a next link keeping the filters', async () => {
    const { get } = fakeWith({ pageSize: 5 });
    const first = await get('/ocpi/2.2.1/locations?date_from=2025-01-02T00:00:00Z&limit=100');
    expect(first.res.headers.get('x-total-count')).toBe('11');
    expect(first.res.headers.get('x-limit')).toBe('5');
    expect(first.json().data.map((l: { id: string }) => l.id)).toEqual([
      'LOC2',
      'LOC3',
      'LOC4',
      'LOC5',
      'LOC6',
    ]);
    const next = new URL(nextLinkTarget(first.res.headers.get('link'))!);
    expect(Object.fromEntries(next.searchParams)).toEqual({
      date_from: '2025-01-02T00:00:00Z',
      offset: '5',
      limit: '5',
    });

    const last = await get('/ocpi/2.2.1/locations?date_from=2025-01-02T00:00:00Z&offset=10&limit=5');
    expect(last.json().data.map((l: { id: string }) => l.id)).toEqual(['LOC12']);
    expect(last.res.headers.get('link')).toBeNull();
    expect(last.res.headers.get('x-limit')).toBe('5');
  });

  it('filters date_from inclusive and date_to exclusive on 2.2+, date_from exclusive on 2.1.1', async () => {
    const window = '?date_from=2025-01-03T00:00:00Z&date_to=2025-01-06T00:00:00Z';
    const ids = (body: { data: { id: string }[] }) => body.data.map((l) => l.id);
    expect(ids((await fakeWith().get(`/ocpi/2.2.1/locations${window}`)).json())).toEqual([
      'LOC3',
      'LOC4',
      'LOC5',
    ]);
    const v211 = fakeWith({ versions: ['2.1.1'] });
    expect(ids((await v211.get(`/ocpi/2.1.1/locations${window}`, RAW)).json())).toEqual(['LOC4', 'LOC5']);
  });

  it('answers OCPI 2001 to parameters it cannot read', async () => {
    const { get } = fakeWith();
    for (const query of ['offset=-1', 'limit=0', 'limit=ten', 'date_from=yesterday']) {
      const reply = await get(`/ocpi/2.2.1/locations?${query}`);
      expect(reply.res.status).toBe(200);
      expect(reply.json()).toMatchObject({ status_code: 2001 });
    }
  });

  it('serves tariffs and, without the envelope, bare arrays', async () => {
    const { get } = fakeWith({ envelope: false });
    const body = (await get('/ocpi/2.2.1/tariffs')).json();
    expect(body.map((t: { id: string }) => t.id)).toEqual(['AC-STD', 'DC-FAST', 'FREE']);
  });

  it('serves one location, EVSE or connector, ids compared case-insensitively on 2.2+', async () => {
    const { get } = fakeWith();
    expect((await get('/ocpi/2.2.1/locations/loc3')).json().data.id).toBe('LOC3');
    expect((await get('/ocpi/2.2.1/locations/LOC3/e3')).json().data.uid).toBe('E3');
    expect((await get('/ocpi/2.2.1/locations/LOC3/E3/1')).json().data).toEqual({ id: '1' });
    const missing = await get('/ocpi/2.2.1/locations/NOPE');
    expect(missing.res.status).toBe(404);
    expect(missing.json()).toMatchObject({ status_code: 2003 });
  });

  it('records what was asked, echoes request ids, and serves new data after setData', async () => {
    const { fake, get } = fakeWith();
    const reply = await get('/ocpi/2.2.1/locations?limit=2', {
      ...B64,
      'X-Request-ID': 'r-1',
      'X-Correlation-ID': 'c-1',
    });
    expect(reply.res.headers.get('x-request-id')).toBe('r-1');
    expect(reply.res.headers.get('x-correlation-id')).toBe('c-1');
    expect(fake.requests[0]).toMatchObject({
      method: 'GET',
      path: '/ocpi/2.2.1/locations',
      query: { limit: '2' },
      requestId: 'r-1',
      correlationId: 'c-1',
      status: 200,
    });
    expect(Date.parse(fake.requests[0]!.time)).not.toBeNaN();
    fake.setData(locations.slice(0, 1));
    expect((await get('/ocpi/2.2.1/locations')).res.headers.get('x-total-count')).toBe('1');
  });
});

describe('fake CPO: faults hit the chosen page only', () => {
  const page = (n: number, size = 5) => `/ocpi/2.2.1/locations?offset=${(n - 1) * size}&limit=${size}`;

  it('500: fails page 2 until `times` hits are used up; page 1 is fine', async () => {
    const { get } = fakeWith({ pageSize: 5, fault: '500', faultOptions: { times: 1 } });
    expect((await get(page(1))).res.status).toBe(200);
    expect((await get(page(2))).res.status).toBe(500);
    expect((await get(page(2))).res.status).toBe(200);
  });

  it('503-retry-after: Retry-After on the first K hits, then the page', async () => {
    const { get } = fakeWith({
      pageSize: 5,
      fault: '503-retry-after',
      faultOptions: { times: 2, retryAfterSeconds: 7 },
    });
    for (let i = 0; i < 2; i++) {
      const reply = await get(page(2));
      expect(reply.res.status).toBe(503);
      expect(reply.res.headers.get('retry-after')).toBe('7');
    }
    expect((await get(page(2))).res.status).toBe(200);
  });

  it('401, wrong-envelope, malformed-json, truncated-body', async () => {
    expect((await fakeWith({ pageSize: 5, fault: '401' }).get(page(2))).res.status).toBe(401);
    expect((await fakeWith({ pageSize: 5, fault: 'wrong-envelope' }).get(page(2))).json()).toMatchObject({
      status_code: 3000,
    });
    expect((await fakeWith({ pageSize: 5, fault: 'wrong-envelope' }).get(page(2))).json()).not.toHaveProperty(
      'data',
    );
    expect(() => JSON.parse('x')).toThrow();
    const malformed = await fakeWith({ pageSize: 5, fault: 'malformed-json' }).get(page(2));
    expect(() => malformed.json()).toThrow(SyntaxError);
    const truncated = await fakeWith({ pageSize: 5, fault: 'truncated-body' }).get(page(2));
    const whole = await fakeWith({ pageSize: 5 }).get(page(2));
    expect(whole.text.startsWith(truncated.text)).toBe(true);
    expect(truncated.text.length).toBeLessThan(whole.text.length);
    expect((await fakeWith({ pageSize: 5, fault: 'truncated-body' }).get(page(1))).json().data).toHaveLength(
      5,
    );
  });

  it('lying-total: a larger X-Total-Count and no Link on any page', async () => {
    const reply = await fakeWith({ pageSize: 5, fault: 'lying-total', faultOptions: { extraTotal: 3 } }).get(
      page(1),
    );
    expect(reply.res.headers.get('x-total-count')).toBe('15');
    expect(reply.res.headers.get('link')).toBeNull();
  });

  it('link-loop: page 3 points back to page 2', async () => {
    const reply = await fakeWith({ pageSize: 5, fault: 'link-loop', faultOptions: { page: 3 } }).get(page(3));
    const next = new URL(nextLinkTarget(reply.res.headers.get('link'))!);
    expect(next.searchParams.get('offset')).toBe('5');
  });

  it('empty-page: page 2 comes back empty with a Link to the same offset, which then has data', async () => {
    const { get } = fakeWith({ pageSize: 5, fault: 'empty-page' });
    const empty = await get(page(2));
    expect(empty.json().data).toEqual([]);
    const next = nextLinkTarget(empty.res.headers.get('link'))!;
    const resumed = await get(next.slice(BASE.length));
    expect(resumed.json().data.map((l: { id: string }) => l.id)).toEqual([
      'LOC6',
      'LOC7',
      'LOC8',
      'LOC9',
      'LOC10',
    ]);
  });

  it('duplicate-ids: page 2 repeats page 1 locations with a newer last_updated', async () => {
    const reply = await fakeWith({
      pageSize: 5,
      fault: 'duplicate-ids',
      faultOptions: { duplicates: 2 },
    }).get(page(2));
    const items = reply.json().data as { id: string; last_updated: string }[];
    expect(items.map((l) => l.id)).toEqual(['LOC6', 'LOC7', 'LOC8', 'LOC9', 'LOC10', 'LOC1', 'LOC2']);
    expect(items[5]?.last_updated).toBe('2025-01-01T01:00:00Z');
  });

  it('schema-violation: one record without coordinates, one with evses of the wrong shape', async () => {
    const items = (await fakeWith({ pageSize: 5, fault: 'schema-violation' }).get(page(2))).json().data;
    expect(items[0]).not.toHaveProperty('coordinates');
    expect(Array.isArray(items[1].evses)).toBe(false);
    expect(items[2]).toEqual(locations[7]);
  });

  it('slow-drip: the same body, in many small chunks', async () => {
    const { fake } = fakeWith({
      pageSize: 5,
      fault: 'slow-drip',
      faultOptions: { chunkBytes: 100, chunkDelayMs: 1 },
    });
    const res = await fake.app.request(`${BASE}${page(2)}`, { headers: B64 });
    const reader = res.body!.getReader();
    const chunks: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    expect(chunks.length).toBeGreaterThan(3);
    const text = new TextDecoder().decode(Buffer.concat(chunks));
    expect(JSON.parse(text).data.map((l: { id: string }) => l.id)).toEqual([
      'LOC6',
      'LOC7',
      'LOC8',
      'LOC9',
      'LOC10',
    ]);
  });

  it('timeout: page 2 stalls until the client hangs up (or stallMs passes), tariffs when asked', async () => {
    const { fake } = fakeWith({
      pageSize: 5,
      fault: 'timeout',
      faultOptions: { module: 'tariffs', page: 1 },
    });
    expect((await fake.app.request(`${BASE}${page(2)}`, { headers: B64 })).status).toBe(200);
    const hangUp = new AbortController();
    let answered = false;
    const pending = Promise.resolve(
      fake.app.request(`${BASE}/ocpi/2.2.1/tariffs`, { headers: B64, signal: hangUp.signal }),
    ).then(() => {
      answered = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);
    hangUp.abort();
    await pending;
    expect(answered).toBe(true);

    const slow = fakeWith({ pageSize: 5, fault: 'timeout', faultOptions: { stallMs: 20 } });
    expect((await slow.get(page(2))).json().data).toHaveLength(5);
  });
});
