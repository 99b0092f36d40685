// Every dump opens with GDAL's ogrinfo (the format's standard reader) and holds as many features as
// paging through the API returns; unpublishable data never leaves.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { check } from '@placemarkio/check-geojson';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCommand } from '../../src/node/export-command.js';
import { nodeHttpOptions } from '../../src/node/http-hooks.js';
import { type Atlas, buildAtlas, type Json, pageThrough } from './atlas-fixture.js';

let atlas: Atlas;
let apiSites: Json[];

beforeAll(async () => {
  atlas = await buildAtlas({ locations: 400, seed: 5, http: nodeHttpOptions({ rateLimit: false }) });
  apiSites = (await pageThrough(`${atlas.server.url}/v1/sites?limit=10000`)).features;
});
afterAll(() => atlas.close());

/** ogrinfo's feature count of one layer (or the only one). */
function ogrCount(file: string, layer?: string, openOptions: string[] = []): number {
  const args = [
    '-ro',
    '-so',
    ...openOptions.flatMap((o) => ['-oo', o]),
    file,
    ...(layer ? [layer] : ['-al']),
  ];
  const out = execFileSync('ogrinfo', args, { encoding: 'utf8' });
  const m = /Feature Count: (\d+)/.exec(out);
  if (!m) throw new Error(`no feature count in:\n${out}`);
  return Number(m[1]);
}

/** One row per EVSE, and one for each site without EVSEs. */
const csvRowsExpected = () => apiSites.reduce((n, f) => n + Math.max(1, f.properties.evse_count), 0);

async function download(name: string): Promise<{ res: Response; file: string }> {
  const res = await fetch(`${atlas.server.url}/v1/dumps/${name}`);
  expect(res.status, name).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/gzip');
  expect(res.headers.get('link')).toBe('</v1/dumps/LICENSE.txt>; rel="license"');
  expect(res.headers.get('x-request-id')).toBeTruthy();
  expect(res.headers.get('etag')).toBeTruthy();
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="sites\.\w+\.gz"/);
  const gz = Buffer.from(await res.arrayBuffer());
  const file = join(atlas.dir, name.replace(/\.gz$/, ''));
  writeFileSync(file, gunzipSync(gz));
  return { res, file };
}

describe('/v1/dumps', () => {
  it('serves a GeoJSON dump that ogrinfo reads, with the API feature count and the attribution inside', async () => {
    const { file } = await download('sites.geojson.gz');
    expect(ogrCount(file)).toBe(apiSites.length);
    const text = execFileSync('cat', [file], { encoding: 'utf8' });
    check(text);
    const json = JSON.parse(text);
    expect(json.attribution).toContain('Open A contributors');
    expect(json.licenses.map((l: { source: string }) => l.source)).toEqual(['open-a', 'open-b']);
    expect(json.features.map((f: { id: string }) => f.id)).toEqual(apiSites.map((f) => f.id).sort());
  });

  it('serves NDJSON with one feature per line (GeoJSONSeq in GDAL)', async () => {
    const { file } = await download('sites.ndjson');
    expect(ogrCount(file, undefined, [])).toBe(apiSites.length);
    const lines = execFileSync('cat', [file], { encoding: 'utf8' }).trim().split('\n');
    for (const line of lines) check(line);
  });

  it('serves a CSV with one row per EVSE that ogrinfo reads with points', async () => {
    const { file } = await download('sites.csv');
    expect(ogrCount(file, undefined, ['X_POSSIBLE_NAMES=longitude', 'Y_POSSIBLE_NAMES=latitude'])).toBe(
      csvRowsExpected(),
    );
    const info = execFileSync(
      'ogrinfo',
      ['-ro', '-so', '-oo', 'X_POSSIBLE_NAMES=longitude', '-oo', 'Y_POSSIBLE_NAMES=latitude', file, '-al'],
      {
        encoding: 'utf8',
      },
    );
    expect(info).toMatch(/Geometry: Point/);
  });

  it('labels the NDJSON dump newline-delimited (no RS separators inside)', async () => {
    const res = await fetch(`${atlas.server.url}/v1/dumps/sites.ndjson.gz`);
    expect(res.headers.get('x-content-type-inside')).toBe('application/x-ndjson');
    const text = gunzipSync(Buffer.from(await res.arrayBuffer())).toString();
    expect(text).not.toContain('\x1e');
    expect((await (await fetch(`${atlas.server.url}/v1/dumps`)).json()).files).toContainEqual(
      expect.objectContaining({ format: 'ndjson', content_type: 'application/x-ndjson' }),
    );
  });

  it('resumes an interrupted download with Range and If-Range against a strong ETag', async () => {
    for (const name of ['sites.geojson.gz', 'sites.sqlite.gz', 'sites.fgb']) {
      const whole = await fetch(`${atlas.server.url}/v1/dumps/${name}`);
      const etag = whole.headers.get('etag')!;
      expect(whole.headers.get('accept-ranges'), name).toBe('bytes');
      expect(etag, name).toMatch(/^"[^"]+"$/);
      const bytes = Buffer.from(await whole.arrayBuffer());
      expect(Number(whole.headers.get('content-length'))).toBe(bytes.length);
      // The first part arrived, the connection broke: ask for the rest.
      const cut = Math.floor(bytes.length / 3);
      const rest = await fetch(`${atlas.server.url}/v1/dumps/${name}`, {
        headers: { Range: `bytes=${cut}-`, 'If-Range': etag },
      });
      expect(rest.status, name).toBe(206);
      expect(rest.headers.get('content-range')).toBe(`bytes ${cut}-${bytes.length - 1}/${bytes.length}`);
      const joined = Buffer.concat([bytes.subarray(0, cut), Buffer.from(await rest.arrayBuffer())]);
      expect(joined.equals(bytes), name).toBe(true);
      // A copy of another file: the whole current file instead of a splice.
      const stale = await fetch(`${atlas.server.url}/v1/dumps/${name}`, {
        headers: { Range: `bytes=${cut}-`, 'If-Range': '"another-file"' },
      });
      expect(stale.status).toBe(200);
      expect(Buffer.from(await stale.arrayBuffer()).equals(bytes)).toBe(true);
      const beyond = await fetch(`${atlas.server.url}/v1/dumps/${name}`, {
        headers: { Range: `bytes=${bytes.length}-` },
      });
      expect(beyond.status).toBe(416);
      expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
      const unchanged = await fetch(`${atlas.server.url}/v1/dumps/${name}`, {
        headers: { 'If-None-Match': etag },
      });
      expect(unchanged.status).toBe(304);
    }
  });

  it('serves a SQLite snapshot with a published_sites layer and nothing unpublishable', async () => {
    const { file } = await download('sites.sqlite.gz');
    expect(ogrCount(file, 'published_sites')).toBe(apiSites.length);
    const db = new Database(file, { readonly: true });
    try {
      const sources = db.prepare('SELECT id FROM sources ORDER BY id').all();
      expect(sources).toEqual([{ id: 'open-a' }, { id: 'open-b' }]);
      // No secrets table at all, no CPO endpoint URLs, no internal bookkeeping.
      expect(
        db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'source_secrets'`).get(),
      ).toEqual({ n: 0 });
      expect(db.prepare('SELECT count(*) AS n FROM sources WHERE endpoints IS NOT NULL').get()).toEqual({
        n: 0,
      });
      expect(db.prepare('SELECT count(*) AS n FROM meta').get()).toEqual({ n: 0 });
      expect(
        db
          .prepare(
            `SELECT count(*) AS n FROM locations WHERE publish = 0 OR removed_at IS NOT NULL OR source_id IN ('closed', 'denied')`,
          )
          .get(),
      ).toEqual({ n: 0 });
      expect(
        db
          .prepare('SELECT count(*) AS n FROM evses WHERE location_pk NOT IN (SELECT pk FROM locations)')
          .get(),
      ).toEqual({ n: 0 });
      expect(
        db.prepare(`SELECT count(*) AS n FROM tariffs WHERE source_id IN ('closed', 'denied')`).get(),
      ).toEqual({ n: 0 });
      expect(db.prepare('SELECT source_id FROM dump_license ORDER BY 1').all()).toEqual([
        { source_id: 'open-a' },
        { source_id: 'open-b' },
      ]);
    } finally {
      db.close();
    }
  });

  it('serves the licence text, listing only the republished sources', async () => {
    const res = await fetch(`${atlas.server.url}/v1/dumps/LICENSE.txt`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(text).toContain('Licence: CC-BY-4.0');
    expect(text).toContain('Attribution: © Open B (ODbL)');
    expect(text).not.toContain('Denied Inc.');
    expect(text).not.toContain('"closed"');
  });

  it('404s an unknown dump with the error shape', async () => {
    const res = await fetch(`${atlas.server.url}/v1/dumps/sites.shp`);
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
  });
});

describe('atlas export', () => {
  it.each(['geojson', 'csv', 'sqlite'] as const)(
    'writes the same %s file as the API, which ogrinfo opens',
    async (format) => {
      const out = join(atlas.dir, `export.${format}`);
      const log: string[] = [];
      const code = await exportCommand(atlas.db, {
        format,
        out,
        tty: false,
        log: { write: (s: string) => log.push(s) } as unknown as NodeJS.WritableStream,
      });
      expect(code).toBe(0);
      expect(log.join('')).toContain(`wrote ${out}`);
      if (format === 'geojson') expect(ogrCount(out)).toBe(apiSites.length);
      if (format === 'csv')
        expect(ogrCount(out, undefined, ['X_POSSIBLE_NAMES=longitude', 'Y_POSSIBLE_NAMES=latitude'])).toBe(
          csvRowsExpected(),
        );
      if (format === 'sqlite') expect(ogrCount(out, 'published_sites')).toBe(apiSites.length);
      expect(execFileSync('cat', [`${out}.LICENSE.txt`], { encoding: 'utf8' })).toContain('Open A');
    },
  );

  it('gzip-compresses when the file name ends in .gz', async () => {
    const out = join(atlas.dir, 'export.ndjson.gz');
    await exportCommand(atlas.db, { format: 'ndjson', out, tty: false, log: { write: () => true } as never });
    const lines = gunzipSync(execFileSync('cat', [out]))
      .toString()
      .trim()
      .split('\n');
    expect(lines).toHaveLength(apiSites.length);
  });
});
