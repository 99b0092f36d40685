import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { brotliStream } from '../../src/node/http-hooks.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';
import { type Atlas, buildAtlas } from './atlas-fixture.js';

let atlas: Atlas;

beforeAll(async () => {
  atlas = await buildAtlas({ locations: 300, seed: 11, http: { brotli: brotliStream } });
});
afterAll(() => atlas.close());

const url = (path: string) => `${atlas.server.url}${path}`;

describe('conditional requests', () => {
  it('sends ETag and Last-Modified on every GET and answers 304 to If-None-Match', async () => {
    for (const path of [
      '/v1/sites?limit=5',
      '/v1/locations?limit=5',
      '/v1/tariffs',
      '/v1/stats',
      '/v1/operators',
      '/openapi.json',
    ]) {
      const res = await fetch(url(path));
      expect(res.status, path).toBe(200);
      const etag = res.headers.get('etag');
      expect(etag, path).toMatch(/^W\/"[0-9a-f]{16,24}"$/);
      expect(Date.parse(res.headers.get('last-modified') ?? '')).not.toBeNaN();
      expect(res.headers.get('cache-control')).toMatch(/max-age=/);
      const again = await fetch(url(path), { headers: { 'If-None-Match': etag! } });
      expect(again.status, path).toBe(304);
      expect(await again.text()).toBe('');
      expect(again.headers.get('etag')).toBe(etag);
      expect(again.headers.get('x-request-id')).toBeTruthy();
    }
  });

  it('answers 304 to If-Modified-Since at or after Last-Modified, 200 before it', async () => {
    const res = await fetch(url('/v1/sites?limit=1'));
    const lm = res.headers.get('last-modified')!;
    expect((await fetch(url('/v1/sites?limit=1'), { headers: { 'If-Modified-Since': lm } })).status).toBe(
      304,
    );
    const before = new Date(Date.parse(lm) - 60_000).toUTCString();
    expect((await fetch(url('/v1/sites?limit=1'), { headers: { 'If-Modified-Since': before } })).status).toBe(
      200,
    );
  });

  it('changes an ETag only with its own answer: a status event changes the availability, not the site list', async () => {
    const sites = await fetch(url('/v1/sites?limit=3'));
    const sitesTag = sites.headers.get('etag')!;
    const statuses = await fetch(url('/v1/availability?bbox=-180,-90,180,90'));
    const statusTag = statuses.headers.get('etag')!;
    await atlas.db.batch([
      {
        sql: `INSERT INTO evse_status_events (evse_pk, location_pk, old_status, new_status, occurred_at, received_at, via)
          SELECT pk, location_pk, status, 'CHARGING', '2025-02-01T00:00:00Z', '2025-02-01T00:00:00Z', 'push' FROM evses LIMIT 1`,
        params: [],
      },
    ]);
    const after = await fetch(url('/v1/availability?bbox=-180,-90,180,90'), {
      headers: { 'If-None-Match': statusTag },
    });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(statusTag);
    // The site list's body did not change (it shows no event cursor): its copy is still good.
    const list = await fetch(url('/v1/sites?limit=3'), { headers: { 'If-None-Match': sitesTag } });
    expect(list.status).toBe(304);
    expect(list.headers.get('etag')).toBe(sitesTag);
  });
});

describe('compression, CORS and request ids', () => {
  it('compresses with gzip or brotli as negotiated, and serves identical data', async () => {
    const plain = await (
      await fetch(url('/v1/sites?limit=50'), { headers: { 'Accept-Encoding': 'identity' } })
    ).text();
    const raw = async (enc: string) => {
      // node's fetch decompresses by itself; read the bytes off a raw socket-level request instead.
      const { request } = await import('node:http');
      return new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const req = request(url('/v1/sites?limit=50'), { headers: { 'Accept-Encoding': enc } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.end();
      });
    };
    const gz = await raw('gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toMatch(/Accept-Encoding/i);
    expect(gunzipSync(gz.body).toString()).toBe(plain);
    const br = await raw('gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(plain);
    const gzOnly = await raw('br;q=0, gzip');
    expect(gzOnly.headers['content-encoding']).toBe('gzip');
  });

  it('is open to CORS for GET, including preflights', async () => {
    const res = await fetch(url('/v1/sites?limit=1'), { headers: { Origin: 'https://map.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toMatch(/ETag/);
    const pre = await fetch(url('/v1/sites'), {
      method: 'OPTIONS',
      headers: { Origin: 'https://map.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/GET/);
  });

  it('puts a request id on every response, errors included', async () => {
    for (const path of ['/v1/sites?limit=1', '/v1/sites?bbox=x', '/v1/nothing', '/v1/sites/unknown']) {
      const res = await fetch(url(path));
      expect(res.headers.get('x-request-id'), path).toMatch(/.+/);
    }
  });
});

describe('rate limiting', () => {
  let limited: ServedApp;
  let clock = 0;
  beforeAll(async () => {
    const app = createApp({
      getDb: () => atlas.db,
      http: {
        rateLimit: { capacity: 5, refillPerSecond: 1 },
        clientIp: (c) => c.req.header('x-test-client'),
        nowMs: () => clock,
      },
    });
    limited = await serveApp(app);
  });
  afterAll(() => limited.close());

  it('answers 429 with Retry-After once a client has used its burst, per client, and refills', async () => {
    const get = (client: string) =>
      fetch(`${limited.url}/v1/tariffs?limit=1`, { headers: { 'x-test-client': client } });
    for (let i = 0; i < 5; i++) expect((await get('a')).status).toBe(200);
    const refused = await get('a');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({
      error: { code: 'rate_limited', message: expect.stringContaining('retry') },
    });
    expect(refused.headers.get('x-request-id')).toBeTruthy();
    expect((await get('b')).status).toBe(200);
    clock += 2_000;
    expect((await get('a')).status).toBe(200);
    expect((await get('a')).status).toBe(200);
    expect((await get('a')).status).toBe(429);
  });
});
