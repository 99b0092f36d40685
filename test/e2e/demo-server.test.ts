// The walking skeleton end to end: the real server on a loopback port, a temp SQLite file, the
// demo CPO pulled over HTTP by the real OCPI client, GeoJSON out.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/env.js';
import { demoLocations, demoPublishedCount } from '../../src/fake-cpo/demo-data.js';
import { createLogger, type RunningServer, startServer } from '../../src/node/server.js';

let dir: string;
let server: RunningServer;
const logLines: string[] = [];
// The demo CPO's clock (its statuses are simulated from it): held still, so a re-sync sees the same
// data, and moved on by a test below. It starts behind the real one, so moving it up to the real
// time never stamps a status in the future.
const demoClock = { ms: Date.now() - 180_000 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-e2e-'));
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  server = await startServer(
    parseEnv({ PORT: '0', HOST: '127.0.0.1', ATLAS_DB: join(dir, 'nested', 'atlas.db'), LOG_LEVEL: 'debug' }),
    createLogger('debug', sink),
    { demo: () => new Date(demoClock.ms) },
  );
  await server.firstSync;
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = async (path: string) => {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
};

describe('demo server', () => {
  it('serves the demo sites as a GeoJSON FeatureCollection with [lon, lat] in range', async () => {
    const { status, type, body } = await get('/v1/locations?bbox=-180,-90,180,90&limit=10000');
    expect(status).toBe(200);
    expect(type).toContain('application/geo+json');
    expect(body.type).toBe('FeatureCollection');
    expect(body.features).toHaveLength(demoPublishedCount);
    for (const f of body.features) {
      expect(f.type).toBe('Feature');
      expect(f.geometry.type).toBe('Point');
      const [lon, lat] = f.geometry.coordinates;
      expect(typeof lon).toBe('number');
      expect(lon).toBeGreaterThan(4.9);
      expect(lon).toBeLessThan(5.4);
      expect(lat).toBeGreaterThan(51.9);
      expect(lat).toBeLessThan(52.3);
      expect(f.id).toBe(f.properties.id);
    }
  });

  it('keeps ids stable across a re-sync and serves EVSEs on the single-location endpoint', async () => {
    const before = (await get('/v1/locations?limit=10000')).body.features.map((f: any) => f.id).sort();
    const demo = server.atlas.sources[0]!;
    const result = await server.atlas.runner.run(demo, 'full');
    expect(result?.status).toBe('ok');
    // Nothing changed at the CPO: every location is recognised as unchanged, none rewritten or removed.
    expect(result?.counters.unchanged).toBe(demoLocations().locations.length);
    expect(result?.counters.upserted).toBe(0);
    expect(result?.counters.removed).toBe(0);
    const after = (await get('/v1/locations?limit=10000')).body.features.map((f: any) => f.id).sort();
    expect(after).toEqual(before);
    const one = await get(`/v1/locations/${before[0]}`);
    expect(one.status).toBe(200);
    expect(one.body.type).toBe('Feature');
    expect(one.body.properties.evses.length).toBeGreaterThan(0);
    expect(one.body.properties.evses[0].connectors.length).toBeGreaterThan(0);
  });

  it('answers availability with the demo statuses fresh, not unknown or stale', async () => {
    const { status, body } = await get('/v1/availability?bbox=4.9,51.9,5.4,52.3');
    expect(status).toBe(200);
    const column = (name: string) => body.fields.indexOf(name) as number;
    const rows = body.evses as unknown[][];
    const published = demoLocations().locations.filter((l) => l.publish);
    expect(rows).toHaveLength(published.flatMap((l) => l.evses).length);
    expect(rows.filter((r) => r[column('stale')] === true)).toEqual([]);
    const count = (s: string) => rows.filter((r) => r[column('status')] === s).length;
    expect(count('AVAILABLE')).toBeGreaterThan(rows.length / 3);
    expect(count('CHARGING')).toBeGreaterThan(rows.length / 5);
    for (const r of rows) {
      const age = Date.now() - Date.parse(r[column('since')] as string);
      expect(age).toBeLessThan(body.stale_after_s * 1000);
    }
    // A location's EVSEs carry the same fresh statuses.
    for (const f of (await get('/v1/locations?limit=10')).body.features) {
      const one = (await get(`/v1/locations/${f.id}`)).body;
      expect(one.properties.evses.length).toBeGreaterThan(0);
      for (const e of one.properties.evses) {
        expect(Date.now() - Date.parse(e.status_updated_at)).toBeLessThan(body.stale_after_s * 1000);
      }
    }
  });

  it('filters by bbox: every feature inside, none outside missing', async () => {
    const all = (await get('/v1/locations?limit=10000')).body.features;
    const box = [5.08, 52.06, 5.14, 52.1];
    const inBox = (f: any) => {
      const [lon, lat] = f.geometry.coordinates;
      return lon >= box[0]! && lon <= box[2]! && lat >= box[1]! && lat <= box[3]!;
    };
    const { body } = await get(`/v1/locations?bbox=${box.join(',')}&limit=10000`);
    expect(body.features.length).toBeGreaterThan(0);
    expect(body.features.every(inBox)).toBe(true);
    expect(body.features.length).toBe(all.filter(inBox).length);
  });

  it.each([
    ['bbox=1,2,3', 'bbox'],
    ['bbox=a,b,c,d', 'bbox'],
    ['bbox=0,-91,1,1', 'bbox'],
    ['bbox=0,50,1,40', 'bbox'],
    ['limit=-1', 'limit'],
    ['limit=0', 'limit'],
    ['limit=10001', 'limit'],
    ['limit=abc', 'limit'],
    ['bbbox=1,2,3,4', 'bbbox'],
  ])('answers %s with a 400 naming the parameter', async (query, param) => {
    const { status, body } = await get(`/v1/locations?${query}`);
    expect(status).toBe(400);
    expect(body.error.code).toMatch(/parameter/);
    expect(body.error.message.startsWith(`${param}:`)).toBe(true);
  });

  it('answers an unknown id and an unknown route with a JSON 404', async () => {
    for (const path of ['/v1/locations/does-not-exist', '/v1/nothing-here']) {
      const { status, body } = await get(path);
      expect(status).toBe(404);
      expect(body.error.code).toBe('not_found');
      expect(typeof body.error.message).toBe('string');
    }
  });

  it('lists the demo source with its licence and last run, and never its token', async () => {
    const token = (server.atlas.sources[0] as { token: string }).token;
    const res = await fetch(`${server.url}/v1/sources`);
    const text = await res.text();
    const body = JSON.parse(text);
    expect(body.sources[0]).toMatchObject({ id: 'demo', license: 'CC0-1.0', published: true });
    expect(body.sources[0].last_run.status).toBe('ok');
    expect(text).not.toContain(token);
    const detail = await fetch(`${server.url}/v1/sources/demo`).then((r) => r.text());
    expect(detail).not.toContain(token);
    expect(logLines.length).toBeGreaterThan(5);
    expect(logLines.join('')).not.toContain(token);
    expect(logLines.join('')).not.toContain(Buffer.from(token).toString('base64'));
  });
});

describe('the demo statuses over time', () => {
  it('moves a few statuses by the next incremental pull, seen as changes by availability', async () => {
    const { body: before } = await get('/v1/availability?bbox=4.9,51.9,5.4,52.3');
    demoClock.ms += 180_000;
    const result = await server.atlas.runner.run(server.atlas.sources[0]!, 'incremental');
    expect(result?.status).toBe('ok');
    expect(result?.kind).toBe('incremental');
    expect(result?.counters.upserted).toBeGreaterThan(0);
    const { body: changes } = await get(`/v1/availability?bbox=4.9,51.9,5.4,52.3&since=${before.cursor}`);
    expect(changes.full).toBe(false);
    const column = (name: string) => changes.fields.indexOf(name) as number;
    expect(changes.evses.length).toBeGreaterThan(0);
    const was = new Map((before.evses as unknown[][]).map((r) => [r[0], r[column('status')]]));
    for (const r of changes.evses as unknown[][]) {
      expect(r[column('status')]).not.toBe(was.get(r[0]));
      expect(r[column('stale')]).toBe(false);
    }
  });
});

describe('startup with a bad sources file', () => {
  it.each([
    ['{ not json', /sources file .*bad\.json \(ATLAS_SOURCES\) is not valid JSON: .* at line 1, column 3$/],
    [
      JSON.stringify([{ id: 'x', name: 'X', token: 't' }]),
      /sources file .*bad\.json \(ATLAS_SOURCES\) is invalid: \[0\] \(id "x"\)\.versions_url: is missing$/,
    ],
  ])('stops with a message naming the file and the field', async (text, message) => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, text);
    await expect(
      startServer(
        parseEnv({ PORT: '0', ATLAS_DB: join(dir, 'bad.db'), ATLAS_SOURCES: file, LOG_LEVEL: 'silent' }),
      ),
    ).rejects.toThrowError(message);
  });
});
