// Availability, history and occupancy change with the clock (staleness, default windows): their
// validators must too, or a 304 would keep a "fresh" flag alive after it went stale.
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { openSqlite } from '../../src/db/sqlite.js';

describe('validators of clock-dependent answers', () => {
  it('change every minute for availability but not for sites', async () => {
    const db = openSqlite(':memory:');
    let now = new Date('2026-11-25T10:00:10Z');
    const app = createApp({ getDb: () => db, clock: () => now, http: { rateLimit: false } });
    const etag = async (path: string) => (await app.request(path)).headers.get('etag');
    const a1 = await etag('/v1/availability?bbox=0,0,1,1');
    const s1 = await etag('/v1/sites?bbox=0,0,1,1');
    expect(a1).toBeTruthy();
    const cond = await app.request('/v1/availability?bbox=0,0,1,1', { headers: { 'If-None-Match': a1! } });
    expect(cond.status).toBe(304);
    now = new Date('2026-11-25T10:01:10Z');
    const a2 = await etag('/v1/availability?bbox=0,0,1,1');
    expect(a2).not.toBe(a1);
    expect(await etag('/v1/sites?bbox=0,0,1,1')).toBe(s1);
    const after = await app.request('/v1/availability?bbox=0,0,1,1', { headers: { 'If-None-Match': a1! } });
    expect(after.status).toBe(200);
    await db.close();
  });

  it('never answers the SSE stream path conditionally', async () => {
    const db = openSqlite(':memory:');
    const app = createApp({ getDb: () => db, http: { rateLimit: false } });
    const ctrl = new AbortController();
    const res = await app.request('/v1/availability/stream?bbox=0,0,1,1', {
      headers: { 'If-None-Match': '*' },
      signal: ctrl.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    ctrl.abort();
    await res.body?.cancel().catch(() => undefined);
    await db.close();
  });
});

describe('unknown query parameters on single resources', () => {
  it('are a 400 naming the parameter on sources and single items too', async () => {
    const db = openSqlite(':memory:');
    const app = createApp({ getDb: () => db, http: { rateLimit: false } });
    for (const path of [
      '/v1/sources?foo=1',
      '/v1/sources/x?foo=1',
      '/v1/sites/abc?foo=1',
      '/v1/tariffs/abc?foo=1',
    ]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unknown_parameter');
      expect(body.error.message.startsWith('foo')).toBe(true);
    }
    await db.close();
  });
});

describe('underscore-prefixed query parameters', () => {
  it('are ignored as a cache-busting pass-through, while other unknown ones stay a 400', async () => {
    const db = openSqlite(':memory:');
    const app = createApp({ getDb: () => db, http: { rateLimit: false } });
    for (const path of ['/v1/sites?bbox=0,0,1,1&_=1700000000', '/v1/sources?_cb=x', '/v1/stats?_=1']) {
      const res = await app.request(path);
      expect(res.status, path).toBe(200);
    }
    const plain = await app.request('/v1/sites?bbox=0,0,1,1');
    const busted = await app.request('/v1/sites?bbox=0,0,1,1&_=42');
    expect(await busted.text()).toBe(await plain.text());
    const refused = await app.request('/v1/sites?bbox=0,0,1,1&x_=1');
    expect(refused.status).toBe(400);
    await db.close();
  });
});

describe('/healthz and the rate limiter', () => {
  it('answers every probe of a burst that the limiter refuses on public routes', async () => {
    const db = openSqlite(':memory:');
    const app = createApp({ getDb: () => db, http: { rateLimit: { capacity: 5, refillPerSecond: 0.001 } } });
    const probes = await Promise.all(Array.from({ length: 20 }, () => app.request('/healthz')));
    expect(probes.map((r) => r.status)).toEqual(Array(20).fill(200));
    const sites = [];
    for (let i = 0; i < 7; i++) sites.push((await app.request('/v1/sites?bbox=0,0,1,1')).status);
    expect(sites.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(sites.slice(5)).toEqual([429, 429]);
    await db.close();
  });
});

describe('a method no route serves', () => {
  it('is a 405 naming the methods served where the path exists, and a 404 elsewhere', async () => {
    const db = openSqlite(':memory:');
    const app = createApp({ getDb: () => db, http: { rateLimit: false } });
    for (const [method, path] of [
      ['POST', '/v1/sites'],
      ['DELETE', '/v1/sites/abc'],
      ['PUT', '/v1/dumps/sites.csv.gz'],
      ['PATCH', '/v1/tiles/1/0/0.mvt'],
      ['POST', '/ogc/collections'],
      ['POST', '/healthz'],
    ]) {
      const res = await app.request(path!, { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('method_not_allowed');
      expect(body.error.message).toContain(path);
    }
    const none = await app.request('/v1/nothing-here', { method: 'POST' });
    expect(none.status).toBe(404);
    expect(none.headers.get('allow')).toBeNull();
    expect((await app.request('/v1/sites?limit=1', { method: 'HEAD' })).status).toBe(200);
    await db.close();
  });
});

describe('parameter messages a user reads', () => {
  it('say a missing or repeated bbox is required once, and a huge limit is over the maximum', async () => {
    const db = openSqlite(':memory:');
    const app = createApp({ getDb: () => db, http: { rateLimit: false } });
    const message = async (path: string) => {
      const res = await app.request(path);
      expect(res.status, path).toBe(400);
      return ((await res.json()) as { error: { message: string } }).error.message;
    };
    expect(await message('/v1/stats/occupancy')).toBe(
      'bbox: required: minLon,minLat,maxLon,maxLat (4 numbers)',
    );
    expect(await message('/v1/sites?bbox=1,2,3,4&bbox=1,2,3,4')).toBe(
      'bbox: give it once: minLon,minLat,maxLon,maxLat (4 numbers)',
    );
    expect(await message('/v1/sites?limit=99999999999999999999')).toBe('limit: must be at most 10000');
    expect(await message('/v1/sites?limit=0')).toBe('limit: must be at least 1');
    await db.close();
  });
});
