// The API suite's core cases, answered by the Worker over D1 after its Cron handler synced the
// fake CPO: the same createApp as on Node, so the same contract.
import { createExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import type { FeatureCollection, Point } from 'geojson';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { base64Token } from '../../src/ocpi/client/auth.js';
import worker from '../../src/worker.js';
import { syncToCompletion } from './cron.js';

const parity = inject('workerParity');
const get = (path: string) => exports.default.fetch(`http://atlas.test${path}`);

beforeAll(async () => {
  await syncToCompletion(parity.sourceId);
});

describe('the public API on Workers', () => {
  it.each([
    ['/v1/sources', (body: string) => JSON.parse(body)],
    ['/map', (body: string) => expect(body).toMatch(/^<!doctype html>/i)],
  ])('sends %s compressed once to a client that takes gzip', async (path, check) => {
    // The app compresses itself (Content-Encoding gzip); the runtime must not compress that again.
    const res = await exports.default.fetch(`http://atlas.test${path}`, {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    expect(res.status).toBe(200);
    check(await res.text());
  });

  it('answers /healthz', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('serves the locations inside a bbox as GeoJSON, and only those', async () => {
    const box = [4.355, 52.0, 4.365, 52.01] as const;
    const res = await get(`/v1/locations?bbox=${box.join(',')}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    const fc = (await res.json()) as FeatureCollection<Point>;
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features.length).toBeGreaterThan(0);
    for (const f of fc.features) {
      const [lon, lat] = f.geometry.coordinates as [number, number];
      expect(lon >= box[0] && lon <= box[2] && lat >= box[1] && lat <= box[3]).toBe(true);
    }
    const all = (await (await get('/v1/locations?limit=10000')).json()) as FeatureCollection<Point>;
    const inside = all.features.filter(
      ({
        geometry: {
          coordinates: [lon, lat],
        },
      }) => {
        return lon! >= box[0] && lon! <= box[2] && lat! >= box[1] && lat! <= box[3];
      },
    );
    expect(fc.features.map((f) => f.id).sort()).toEqual(inside.map((f) => f.id).sort());
  });

  it.each([
    ['/v1/locations?bbox=1,2,3', 'invalid_parameter', /bbox/],
    ['/v1/locations?bbox=0,91,1,92', 'invalid_parameter', /latitudes/],
    ['/v1/locations?limit=abc', 'invalid_parameter', /limit/],
    ['/v1/locations?bbbox=1,2,3,4', 'unknown_parameter', /bbbox/],
  ])('answers %s with 400 and a JSON error', async (path, code, message) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
  });

  it.each(['/v1/nothing-here', '/v1/locations/no-such-location', '/v1/sources/no-such-source'])(
    'answers %s with 404 and a JSON error',
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    },
  );

  it('lists the source and its last run, and never its token', async () => {
    const token = parity.token;
    // The token reached the Worker only as its secret; the sources JSON holds a placeholder.
    expect(env.ATLAS_SOURCES_JSON).not.toContain(token);
    for (const path of [
      '/v1/sources',
      `/v1/sources/${parity.sourceId}`,
      `/v1/sources/${parity.sourceId}/quarantine`,
    ]) {
      const res = await get(path);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain(token);
      expect(text).not.toContain(base64Token(token));
    }
    const list = (await (await get('/v1/sources')).json()) as {
      sources: { id: string; last_run: { status: string; kind: string } | null }[];
    };
    expect(list.sources).toHaveLength(1);
    expect(list.sources[0]).toMatchObject({ id: parity.sourceId, last_run: { status: 'ok', kind: 'full' } });
  });

  it('streams the GeoJSON dump from D1, gzip-compressed, with every published site', async () => {
    const res = await get('/v1/dumps/sites.geojson.gz');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const text = await new Response(res.body!.pipeThrough(new DecompressionStream('gzip'))).text();
    const dump = JSON.parse(text) as FeatureCollection;
    const sites = (await (await get('/v1/sites?limit=10000')).json()) as FeatureCollection;
    expect(dump.features.length).toBe(sites.features.length);
    expect(dump.features.length).toBeGreaterThan(0);
  });

  it('has no .sqlite dump on D1, and says so', async () => {
    const res = await get('/v1/dumps/sites.sqlite.gz');
    expect(res.status).toBe(501);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_implemented');
  });

  it.each([
    // An unset variable passed on: read as 0 retries before, without a word.
    ['ATLAS_HTTP_RETRIES', ''],
    // Beyond a timer's range: accepted before.
    ['ATLAS_HTTP_TIMEOUT_MS', '3000000000'],
  ])('answers "misconfigured" for %s=%j, and logs why, naming the binding', async (name, value) => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const wrong = { ...env, [name]: value };
      const res = await worker.fetch(
        new Request('http://atlas.test/healthz'),
        wrong,
        createExecutionContext(),
      );
      expect(res.status).toBe(500);
      expect(logged.mock.calls.map((c) => String(c[0])).join('\n')).toContain(`${name}: `);
    } finally {
      logged.mockRestore();
    }
  });

  it('takes a number binding as wrangler.toml gives an unquoted value', async () => {
    const numeric = { ...env, ATLAS_SYNC_STEPS: 4 as unknown as string };
    const res = await worker.fetch(
      new Request('http://atlas.test/healthz'),
      numeric,
      createExecutionContext(),
    );
    expect(res.status).toBe(200);
  });

  it('answers 500 "misconfigured" when a binding is invalid, without echoing the bindings', async () => {
    const wrong = { ...env, ATLAS_SYNC_STEPS: 'many' };
    const res = await worker.fetch(new Request('http://atlas.test/healthz'), wrong, createExecutionContext());
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: 'misconfigured', message: 'the Worker configuration is invalid; see its logs' },
    });
    expect(text).not.toContain(parity.token);
  });

  // The box comes from cell-range probes in a VALUES list (src/db/queries/cell-box.ts): statements
  // D1 must run as better-sqlite3 does.
  it('gives /ogc/collections the box of the published locations', async () => {
    const all = (await (await get('/v1/locations?limit=10000')).json()) as FeatureCollection<Point>;
    expect(all.features.length).toBeGreaterThan(0);
    const res = await get('/ogc/collections/locations');
    expect(res.status).toBe(200);
    const { extent } = (await res.json()) as {
      extent: { spatial: { bbox: number[][] }; temporal: { interval: unknown[][] } };
    };
    const lons = all.features.map((f) => f.geometry.coordinates[0]!);
    const lats = all.features.map((f) => f.geometry.coordinates[1]!);
    // Features carry 7 decimals; the box is the stored positions' rounded outwards to 7.
    const want = [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
    for (const [i, v] of extent.spatial.bbox[0]!.entries()) expect(Math.abs(v - want[i]!)).toBeLessThan(2e-7);
    expect(extent.temporal.interval).toEqual([[null, null]]);
  });
});
