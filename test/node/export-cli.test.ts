// `atlas export` as a user runs it: the CLI in a child process against a database file, for every
// format. Each exported file is compared with what the HTTP API serves for the same data (byte for
// byte where the format has no timestamp in it; the PMTiles archive's tiles through the `pmtiles`
// reader), and under a pseudo-terminal (script(1)) the
// progress bar is drawn and reaches the total.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { FileSource, PMTiles } from 'pmtiles';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHttpOptions } from '../../src/node/http-hooks.js';
import { type Atlas, buildAtlas, type Json } from '../api/atlas-fixture.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../src/cli.ts');

let atlas: Atlas;
const DAY_MS = 86_400_000;
/** The status events are dated on the three days before today (UTC), so today is the fourth day. */
const firstDay = Math.floor(Date.now() / DAY_MS) * DAY_MS - 3 * DAY_MS;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function atlasCli(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, ATLAS_DB: atlas.file, LOG_LEVEL: 'warn' },
  });
}

async function served(path: string): Promise<Buffer> {
  const res = await fetch(`${atlas.server.url}${path}`);
  expect(res.status, path).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

beforeAll(async () => {
  atlas = await buildAtlas({ locations: 120, seed: 31, http: nodeHttpOptions({ rateLimit: false }) });
  // The fixture's own status events span years; they are replaced by a few changes of 30 EVSEs over
  // the last three days (written as the receiver records them), so the export has four days: the
  // atlas first held the locations at the first of those days (status history starts there).
  await atlas.db.batch([
    { sql: 'DELETE FROM evse_status_events', params: [] },
    {
      sql: 'UPDATE locations SET first_seen_at = ?',
      params: [`${new Date(firstDay).toISOString().slice(0, 19)}Z`],
    },
  ]);
  const evses = await atlas.db.all<{ pk: string; location_pk: string }>(
    'SELECT e.pk, e.location_pk FROM evses e JOIN locations l ON l.pk = e.location_pk ORDER BY e.pk LIMIT 30',
  );
  const statuses = ['AVAILABLE', 'CHARGING', 'BLOCKED', 'CHARGING', 'AVAILABLE', 'OUTOFORDER'];
  await atlas.db.batch(
    evses.flatMap((e, i) =>
      statuses.map((s, k) => {
        const at = new Date(firstDay + k * 13 * 3_600_000 + i * 97_000).toISOString().slice(0, 19);
        return {
          sql: `INSERT INTO evse_status_events (evse_pk, location_pk, old_status, new_status, occurred_at,
            received_at, via) VALUES (?,?,?,?,?,?,'push')`,
          params: [e.pk, e.location_pk, k === 0 ? null : statuses[k - 1], s, `${at}Z`, `${at}Z`],
        };
      }),
    ),
  );
  // Each EVSE's chain of events, as the writers keep it (prev_id, its day skips day_prev_id as
  // migration 0015 fills them, evses.last_event_id): readers walk it, so a day before the newest
  // would come out empty without the day skips.
  await atlas.db.batch([
    {
      sql: `UPDATE evse_status_events SET prev_id = w.prev
        FROM (SELECT id, lag(id) OVER (PARTITION BY evse_pk ORDER BY id) AS prev FROM evse_status_events) w
        WHERE w.id = evse_status_events.id`,
      params: [],
    },
    {
      sql: `UPDATE evse_status_events SET day_prev_id = w.dp
        FROM (SELECT id, first_value(prev_id) OVER (PARTITION BY evse_pk, substr(occurred_at, 1, 10) ORDER BY id)
          AS dp FROM evse_status_events) w
        WHERE w.id = evse_status_events.id`,
      params: [],
    },
    {
      sql: `UPDATE evses SET last_event_id = (SELECT max(id) FROM evse_status_events s WHERE s.evse_pk = evses.pk)`,
      params: [],
    },
  ]);
}, 60_000);

afterAll(async () => {
  await atlas?.close();
});

describe('atlas export (child process)', () => {
  it.each([
    ['fgb', 'sites.fgb'],
    ['parquet', 'sites.parquet'],
    ['csv', 'sites.csv.gz'],
  ])('--format %s writes the file /v1/dumps serves, byte for byte once unzipped', async (format, name) => {
    const out = join(atlas.dir, `export-${name}`);
    const { stderr } = await atlasCli('export', '--format', format, '--out', out);
    expect(stderr).toContain(`wrote ${out}`);
    const file = readFileSync(out);
    const api = await served(`/v1/dumps/${name}`);
    if (name.endsWith('.gz')) expect(gunzipSync(file).equals(gunzipSync(api))).toBe(true);
    else expect(file.equals(api)).toBe(true);
    expect(readFileSync(`${out}.LICENSE.txt`, 'utf8')).toContain('Open charging atlas: data dump');
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it.each(['geojson', 'ndjson'])('--format %s writes the features /v1/dumps serves', async (format) => {
    const out = join(atlas.dir, `export.${format}`);
    await atlasCli('export', '--format', format, '--out', out);
    const text = readFileSync(out, 'utf8');
    const apiText = gunzipSync(await served(`/v1/dumps/sites.${format}.gz`)).toString('utf8');
    // The GeoJSON header carries its generation time; the features must be the same.
    const features = (t: string): Json[] =>
      format === 'geojson'
        ? JSON.parse(t).features
        : t
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l));
    expect(features(text)).toEqual(features(apiText));
    expect(features(text).length).toBeGreaterThan(50);
  });

  it('--format pmtiles writes the archive /v1/dumps serves: the same tiles, its own generation time', async () => {
    const out = join(atlas.dir, 'export.pmtiles');
    const { stderr } = await atlasCli('export', '--format', 'pmtiles', '--out', out);
    expect(stderr).toMatch(new RegExp(`wrote ${out} \\(\\d+ tiles, pmtiles\\)`));
    const mine = new PMTiles(new FileSource(new File([new Uint8Array(readFileSync(out))], 'export.pmtiles')));
    const api = await served('/v1/dumps/sites.pmtiles');
    const theirs = new PMTiles(new FileSource(new File([new Uint8Array(api)], 'served.pmtiles')));
    const [a, b] = [await mine.getHeader(), await theirs.getHeader()];
    expect(a.numTileEntries).toBeGreaterThan(10);
    expect({ ...a, jsonMetadataLength: 0, leafDirectoryOffset: 0, tileDataOffset: 0, etag: 0 }).toEqual({
      ...b,
      jsonMetadataLength: 0,
      leafDirectoryOffset: 0,
      tileDataOffset: 0,
      etag: 0,
    });
    // The metadata differ by generated_at only; the tile data is the same bytes.
    const file = readFileSync(out);
    expect(file.subarray(a.tileDataOffset).equals(api.subarray(b.tileDataOffset))).toBe(true);
    const meta = (m: unknown) => ({ ...(m as Json), generated_at: null });
    expect(meta(await mine.getMetadata())).toEqual(meta(await theirs.getMetadata()));
    expect(readFileSync(`${out}.LICENSE.txt`, 'utf8')).toContain('Open charging atlas: data dump');
  });

  it('--format sqlite writes a publishable snapshot GDAL reads', async () => {
    const out = join(atlas.dir, 'export.sqlite');
    await atlasCli('export', '--format', 'sqlite', '--out', out);
    const { stdout } = await run('ogrinfo', ['-ro', '-so', out, 'published_sites']);
    const sites = (await (await fetch(`${atlas.server.url}/v1/dumps`)).json()) as { sites: number };
    expect(Number(/Feature Count: (\d+)/.exec(stdout)?.[1])).toBe(sites.sites);
  });

  it('--format status writes every day of /v1/dumps/status/index.json, the same files it serves', async () => {
    const dir = join(atlas.dir, 'status');
    const { stderr } = await atlasCli('export', '--format', 'status', '--out', dir);
    const index = JSON.parse((await served('/v1/dumps/status/index.json')).toString('utf8')) as {
      days: { date: string; complete: boolean }[];
    };
    const days = index.days.map((d) => d.date);
    expect(days.slice(0, 3)).toEqual([0, 1, 2].map((k) => isoDay(firstDay + k * DAY_MS)));
    const names = readdirSync(dir).sort();
    expect(names).toEqual(
      [
        'LICENSE.txt',
        ...days.flatMap((d) => [
          `${d}.csv.gz`,
          `${d}.parquet`,
          `${d}.occupancy.csv.gz`,
          `${d}.occupancy.parquet`,
        ]),
      ].sort(),
    );
    expect(stderr).toContain(`wrote ${days.length * 4} status files for ${days.length} days`);
    // A complete day is the same file as served.
    const day = days[1]!;
    for (const f of [`${day}.parquet`, `${day}.occupancy.parquet`]) {
      expect(readFileSync(join(dir, f)).equals(await served(`/v1/dumps/status/${f}`)), f).toBe(true);
    }
    for (const f of [`${day}.csv.gz`, `${day}.occupancy.csv.gz`]) {
      const mine = gunzipSync(readFileSync(join(dir, f))).toString('utf8');
      expect(mine, f).toBe(gunzipSync(await served(`/v1/dumps/status/${f}`)).toString('utf8'));
      expect(mine.split('\r\n').length, f).toBeGreaterThan(10);
    }
  });

  it('--format status --date writes only that day; a day without data exits 2 with the reason', async () => {
    const dir = join(atlas.dir, 'one-day');
    const day = isoDay(firstDay + DAY_MS);
    await atlasCli('export', '--format', 'status', '--out', dir, '--date', day);
    expect(readdirSync(dir).filter((f) => f !== 'LICENSE.txt').length).toBe(4);
    const failed = await atlasCli('export', '--format', 'status', '--out', dir, '--date', '1999-01-01').catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain('no status dump for 1999-01-01');
  });

  it('draws a progress bar to the total on a terminal', async () => {
    const out = join(atlas.dir, 'tty.parquet');
    const cmd = [process.execPath, '--import', 'tsx', CLI, 'export', '--format', 'parquet', '--out', out]
      .map((a) => `'${a}'`)
      .join(' ');
    // script(1) runs the command on a pseudo-terminal, so stderr is a TTY as in a shell.
    const { stdout } = await run('script', ['-qec', cmd, '/dev/null'], {
      env: { ...process.env, ATLAS_DB: atlas.file, LOG_LEVEL: 'warn' },
    });
    const sites = (await (await fetch(`${atlas.server.url}/v1/dumps`)).json()) as { sites: number };
    expect(stdout).toContain(`parquet | `);
    expect(stdout).toContain(`${sites.sites}/${sites.sites} sites`);
    expect(readFileSync(out).equals(await served('/v1/dumps/sites.parquet'))).toBe(true);
  });
});
