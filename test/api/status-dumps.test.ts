// The daily status dumps against a brute-force computation from the status changes the test pushed
// itself (not from the database): a seeded random script of PATCHes over three days for EVSEs in two
// grid cells, then each day's intervals (CSV and Parquet, the Parquet read by hyparquet) and hourly
// occupancy per cell are compared with what the script implies.
import { gunzipSync } from 'node:zlib';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/synthetic-atlas.js';
import { type Atlas, ocpiLocation, startAtlas, TOKEN_DE } from '../ocpi/receiver/push-harness.js';

const NOW = '2025-03-03T12:00:00Z';
const DAYS = ['2025-03-01', '2025-03-02', '2025-03-03'];
const STATUSES = ['AVAILABLE', 'CHARGING', 'BLOCKED', 'OUTOFORDER', 'RESERVED'];
const HOUR = 3_600_000;

interface EvseScript {
  /** eMI3 id as the harness writes it. */
  evseId: string;
  uid: string;
  path: string;
  token?: string;
  kw: number;
  /** Grid group: EVSEs with the same value share a rollup cell. */
  group: string;
  changes: { status: string; at: number }[];
}

const EVSES: EvseScript[] = [
  ...['E1', 'E2', 'E3'].map((uid, i) => ({
    evseId: `NL*TNM*E${uid}`,
    uid,
    path: '/NL/TNM/A',
    kw: [22, 50, 11][i]!,
    group: 'utrecht',
    changes: [],
  })),
  { evseId: 'NL*TNM*EB1', uid: 'B1', path: '/NL/TNM/B', kw: 7.4, group: 'utrecht', changes: [] },
  {
    evseId: 'NL*TNM*EM1',
    uid: 'M1',
    path: '/DE/ABC/M',
    token: TOKEN_DE,
    kw: 150,
    group: 'munich',
    changes: [],
  },
];

let atlas: Atlas;

async function put(path: string, token: string | undefined, loc: Record<string, unknown>) {
  const res = await atlas.push('PUT', '2.2.1', path, loc, { token });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

beforeAll(async () => {
  atlas = await startAtlas({ now: NOW });
  const first = Date.parse('2025-03-01T06:00:00Z');
  const locStamp = '2025-03-01T06:00:00Z';
  // Each push arrives when it happens: history starts when the atlas first held an EVSE.
  atlas.clock.set(locStamp);
  const spec = (uids: EvseScript[]) =>
    uids.map((e) => ({ uid: e.uid, status: 'AVAILABLE', powerW: e.kw * 1000, lastUpdated: locStamp }));
  await put('/NL/TNM/A', undefined, {
    ...ocpiLocation('2.2.1', {
      id: 'A',
      lat: 52.09,
      lon: 5.12,
      lastUpdated: locStamp,
      evses: spec(EVSES.slice(0, 3)),
    }),
  });
  await put('/NL/TNM/B', undefined, {
    ...ocpiLocation('2.2.1', {
      id: 'B',
      lat: 52.15,
      lon: 5.05,
      lastUpdated: locStamp,
      evses: spec([EVSES[3]!]),
    }),
  });
  await put('/DE/ABC/M', TOKEN_DE, {
    ...ocpiLocation('2.2.1', {
      id: 'M',
      cc: 'DE',
      pid: 'ABC',
      lat: 48.14,
      lon: 11.58,
      lastUpdated: locStamp,
      evses: spec([EVSES[4]!]),
    }),
  });
  for (const e of EVSES) e.changes.push({ status: 'AVAILABLE', at: first });

  // Each EVSE changes to a different status at random times until now, in time order.
  const rnd = seededRandom(1703);
  const script: { e: EvseScript; status: string; at: number }[] = [];
  for (const e of EVSES) {
    let t = first;
    let status = 'AVAILABLE';
    for (;;) {
      // Whole minutes, so the brute-force walk below can sample once a minute.
      t += Math.floor(rnd() * 9 * 60) * 60_000 + 60_000;
      if (t >= Date.parse(NOW)) break;
      const others = STATUSES.filter((s) => s !== status);
      status = others[Math.floor(rnd() * others.length)]!;
      script.push({ e, status, at: t });
    }
  }
  script.sort((a, b) => a.at - b.at);
  for (const s of script) {
    atlas.clock.ms = s.at;
    const res = await atlas.push(
      'PATCH',
      '2.2.1',
      `${s.e.path}/${s.e.uid}`,
      { status: s.status, last_updated: new Date(s.at).toISOString() },
      { token: s.e.token },
    );
    expect(res.body.status_code).toBe(1000);
    s.e.changes.push({ status: s.status, at: s.at });
  }
  atlas.clock.set(NOW);
}, 60_000);

afterAll(async () => {
  await atlas?.close();
});

/** Status of an EVSE at `t` by the script (null before its first change). */
function statusAt(e: EvseScript, t: number): string | null {
  let s: string | null = null;
  for (const c of e.changes) if (c.at <= t) s = c.status;
  return s;
}

/** Brute force: cut each EVSE's script into the day's intervals of known status. */
function expectedIntervals(date: string): string[] {
  const start = Date.parse(`${date}T00:00:00Z`);
  const end = Math.min(start + 24 * HOUR, Date.parse(NOW));
  const out: string[] = [];
  for (const e of EVSES) {
    const cuts = [start, ...e.changes.map((c) => c.at).filter((t) => t > start && t < end), end];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const s = statusAt(e, cuts[i]!);
      if (s !== null) out.push(`${e.evseId}|${s}|${cuts[i]}|${cuts[i + 1]}`);
    }
  }
  return out.sort();
}

/** Brute force: per group and hour, seconds per status category and charging kW-seconds, second by second of the changes. */
function expectedOccupancy(date: string) {
  const start = Date.parse(`${date}T00:00:00Z`);
  const end = Math.min(start + 24 * HOUR, Date.parse(NOW));
  const rows = new Map<
    string,
    { charging: number; occupied: number; unknown: number; kwSec: number; span: number; evses: number }
  >();
  for (let h = start; h < end; h += HOUR) {
    const to = Math.min(h + HOUR, end);
    for (const e of EVSES) {
      const key = `${e.group}|${h}`;
      const r = rows.get(key) ?? {
        charging: 0,
        occupied: 0,
        unknown: 0,
        kwSec: 0,
        span: (to - h) / 1000,
        evses: 0,
      };
      r.evses++;
      // Walk the hour minute by minute: every scripted change falls on a whole minute.
      for (let t = h; t < to; t += 60_000) {
        const s = statusAt(e, t);
        if (s === 'CHARGING') {
          r.charging += 60;
          r.kwSec += 60 * e.kw;
        } else if (s === 'BLOCKED' || s === 'RESERVED') r.occupied += 60;
        else if (s === null) r.unknown += 60;
      }
      rows.set(key, r);
    }
  }
  return rows;
}

async function download(file: string): Promise<Buffer> {
  const res = await fetch(`${atlas.url}/v1/dumps/status/${file}`);
  expect(res.status, file).toBe(200);
  expect(res.headers.get('link')).toBe('</v1/dumps/LICENSE.txt>; rel="license"');
  return Buffer.from(await res.arrayBuffer());
}

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trimEnd().split('\r\n');
  const names = head!.split(',');
  return lines.map((l) => {
    expect(l).not.toContain('"');
    const v = l.split(',');
    return Object.fromEntries(names.map((n, i) => [n, v[i]!]));
  });
}

const asArrayBuffer = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

describe('/v1/dumps/status/{date}.csv.gz and .parquet: status intervals', () => {
  it.each(DAYS)('%s: the CSV holds exactly the intervals the pushed changes imply', async (date) => {
    const rows = parseCsv(gunzipSync(await download(`${date}.csv.gz`)).toString('utf8'));
    const got = rows
      .map((r) => `${r.evse_id}|${r.status}|${Date.parse(r.start!)}|${Date.parse(r.end!)}`)
      .sort();
    expect(got).toEqual(expectedIntervals(date));
    for (const r of rows) expect(Number(r.seconds)).toBe((Date.parse(r.end!) - Date.parse(r.start!)) / 1000);
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['cpo-nl', 'cpo-de']));
  });

  it.each(DAYS)('%s: hyparquet reads the same intervals from the Parquet file', async (date) => {
    const file = asArrayBuffer(await download(`${date}.parquet`));
    const meta = parquetMetadata(file);
    expect(meta.schema.slice(1).map((s) => s.name)).toEqual([
      'evse',
      'evse_id',
      'location',
      'source',
      'latitude',
      'longitude',
      'status',
      'start',
      'end',
      'seconds',
    ]);
    const rows = (await parquetReadObjects({ file })) as Record<string, unknown>[];
    const got = rows
      .map((r) => `${r.evse_id}|${r.status}|${(r.start as Date).getTime()}|${(r.end as Date).getTime()}`)
      .sort();
    expect(got).toEqual(expectedIntervals(date));
    const m1 = rows.find((r) => r.evse_id === 'NL*TNM*EM1')!;
    expect([m1.latitude, m1.longitude]).toEqual([48.14, 11.58]);
    // Whom the data must credit travels inside the file, as in the sites' dumps.
    const kv = new Map(meta.key_value_metadata!.map((k) => [k.key, k.value]));
    expect(
      JSON.parse(kv.get('licenses')!).map((l: { source: string; license: string }) => [l.source, l.license]),
    ).toEqual([
      ['cpo-de', 'CC0-1.0'],
      ['cpo-nl', 'CC0-1.0'],
    ]);
    expect(kv.get('attribution')).toMatch(/\(CC0-1\.0\).*\(CC0-1\.0\)/);
  });
});

describe('/v1/dumps/status/{date}.occupancy.csv.gz and .parquet: hourly rollup per grid cell', () => {
  it.each(DAYS)('%s: per cell and hour, the shares and kW of the brute-force walk', async (date) => {
    const expected = expectedOccupancy(date);
    const rows = parseCsv(gunzipSync(await download(`${date}.occupancy.csv.gz`)).toString('utf8'));
    // Two cells (Utrecht's four EVSEs, Munich's one), one row per hour of the day so far.
    const hours = date === '2025-03-03' ? 12 : 24;
    expect(rows.length).toBe(2 * hours);
    for (const r of rows) {
      const lon = Number(r.min_lon);
      const group = lon < 6 ? 'utrecht' : 'munich';
      expect(Number(r.min_lon)).toBeLessThanOrEqual(group === 'utrecht' ? 5.05 : 11.58);
      expect(Number(r.max_lon)).toBeGreaterThan(group === 'utrecht' ? 5.12 : 11.58);
      const e = expected.get(`${group}|${Date.parse(r.hour!)}`)!;
      expect(e, `${group} ${r.hour}`).toBeDefined();
      expect(Number(r.evses)).toBe(e.evses);
      const total = e.evses * e.span;
      expect(Number(r.charging)).toBeCloseTo(e.charging / total, 4);
      expect(Number(r.occupied)).toBeCloseTo(e.occupied / total, 4);
      expect(Number(r.unknown)).toBeCloseTo(e.unknown / total, 4);
      // Served rounded to 0.1 kW.
      expect(Math.abs(Number(r.power_in_use_kw) - e.kwSec / e.span)).toBeLessThanOrEqual(0.05 + 1e-9);
    }
    const file = asArrayBuffer(await download(`${date}.occupancy.parquet`));
    const fromParquet = (await parquetReadObjects({ file })) as Record<string, unknown>[];
    expect(fromParquet.map((r) => [(r.hour as Date).toISOString().slice(0, 19), r.cell, r.charging])).toEqual(
      rows.map((r) => [r.hour!.slice(0, 19), Number(r.cell), Number(r.charging)]),
    );
  });
});

describe('/v1/dumps/status/index.json', () => {
  it('lists the days with their files, licences, and the size of each file once served', async () => {
    const res = await fetch(`${atlas.url}/v1/dumps/status/index.json`);
    expect(res.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: the answer is checked field by field below
    const index = (await res.json()) as any;
    expect(index.license).toBe('/v1/dumps/LICENSE.txt');
    expect(index.sources.map((s: { id: string; license: string }) => [s.id, s.license])).toEqual([
      ['cpo-de', 'CC0-1.0'],
      ['cpo-nl', 'CC0-1.0'],
    ]);
    expect(index.days.map((d: { date: string; complete: boolean }) => [d.date, d.complete])).toEqual([
      ['2025-03-01', true],
      ['2025-03-02', true],
      ['2025-03-03', false],
    ]);
    const files = index.days[1].files as { href: string; size: number | null }[];
    expect(files.map((f) => f.href).sort()).toEqual([
      '/v1/dumps/status/2025-03-02.csv.gz',
      '/v1/dumps/status/2025-03-02.occupancy.csv.gz',
      '/v1/dumps/status/2025-03-02.occupancy.parquet',
      '/v1/dumps/status/2025-03-02.parquet',
    ]);
    // The earlier tests downloaded every file: each size is that of the bytes served.
    for (const f of files) {
      const bytes = await download(f.href.slice('/v1/dumps/status/'.length));
      expect(f.size, f.href).toBe(bytes.length);
    }
  });

  it('is linked from /v1/dumps', async () => {
    const res = await atlas.get<{ status_history: string }>('/v1/dumps');
    expect(res.body.status_history).toBe('/v1/dumps/status/index.json');
  });
});

describe('bad dates and days without data', () => {
  it.each([
    ['2025-02-30.csv.gz', 400, 'invalid_parameter'],
    ['2025-13-01.parquet', 400, 'invalid_parameter'],
    ['2025-02-28.csv.gz', 404, 'not_found'],
    ['2025-03-04.parquet', 404, 'not_found'],
    ['2025-03-02.json', 404, 'not_found'],
    ['yesterday.csv.gz', 404, 'not_found'],
  ])('%s -> %i %s', async (file, status, code) => {
    const res = await fetch(`${atlas.url}/v1/dumps/status/${file}`);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
  });
});
