// Vector tile benchmark on the 1M-EVSE synthetic database: p50/p99 of uncached tiles at z3, z6,
// z10 and z14 over the dense middle of the data, in process and over HTTP (a child process, whose
// own VmHWM is its peak RSS), next to PostGIS answering the same tiles with ST_AsMVT over
// ST_AsMVTGeom (GiST index) and a grid clustering in SQL at the cluster zooms.
//
// Fairness: PostGIS is loaded first (which also reads the whole SQLite file through the OS page
// cache), then the contenders are timed interleaved, tile by tile in a rotating order, so a
// burst of load on the shared machine hits all of them alike. Each first answers the same number of
// other tiles of the zoom untimed (warm-up). Both sides reuse prepared statements. Two passes: "first
// ask" (each tile asked once: SQLite's own page cache has not seen its pages, while PostGIS holds
// the data it just loaded in shared_buffers), and "repeat" (the same tiles again: both caches hold
// them; there is no response cache on either side). Two in-process contenders, both routing,
// validation, the shared middleware and a Response: `app.request` with Node's own (undici's)
// Request and Response, and the app behind @hono/node-server's listener with the classes it swaps
// in, which is how the serving process answers (tiles-served.ts; over its own connection, so its
// first asks find SQLite's page cache as cold as the HTTP child's). The target ratio is read
// against the latter (docs/tiles.md says why); PostGIS is a named statement over the pg client on
// loopback; the tile builder alone (buildTile: the queries and the encoding) is shown beside them.
// Filtered tiles are timed in process at the zooms tiles.json offers them.
// Run with `npm run bench -- tiles`; BENCH_TILES_N scales the sample counts.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { createApp } from '../../src/api/app.js';
import { DEFAULT_STALE_AFTER_S } from '../../src/api/availability.js';
import { buildTile, CLUSTER_GRID, SITE_MIN_ZOOM } from '../../src/api/tiles/build-tile.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { iso } from '../../src/model/iso-time.js';
import { loadPostGis, type PostGis, startPostGis } from './postgis.js';
import { syntheticBenchDb } from './synthetic-db.js';
import { servedInProcess } from './tiles-served.js';

const EVSES = 1_000_000;
const SCALE = Number(process.env.BENCH_TILES_N ?? 1);
/**
 * Samples per zoom: PostGIS folds the whole data set at the low zooms (seconds a tile), so fewer of
 * them there, and no repeat pass (REPEAT_FROM); at z10 and z14 enough for a stable p50 and a p99.
 */
const SAMPLES: Record<number, number> = { 3: 3, 6: 5, 10: 100, 14: 200 };
const REPEAT_FROM = 10;
/**
 * Other tiles of the same zoom asked first, by every contender alike: the serving process and
 * PostGIS both start with the data just loaded or opened, and a first request per zoom would time
 * page faults, not tiles. The measured tiles are still each asked once per pass.
 */
const WARM_UP: Record<number, number> = { 3: 1, 6: 1, 10: 20, 14: 20 };
/** A filter the map page offers, at zooms where it is served, and at z3 where it is refused. */
const FILTERED = [
  { z: 3, query: 'min_power_kw=150' },
  { z: 8, query: 'min_power_kw=150' },
  { z: 10, query: 'min_power_kw=150' },
  { z: 10, query: 'connector=CHADEMO' },
  { z: 10, query: 'status=available' },
  { z: 14, query: 'min_power_kw=150' },
];
/** The dense middle of the synthetic data (2-12 E, 47-54 N). */
const DENSE = { minLon: 5, minLat: 49, maxLon: 9, maxLat: 52 };
const log = (m: string) => console.log(m);
/**
 * The serving clock: just after the synthetic statuses end (2024-12-30T23:59), so the statuses of
 * the last 15 minutes are fresh, as on a live server, rather than every one stale.
 */
const BENCH_NOW = '2024-12-31T00:00:00Z';

function tileAt(lat: number, lon: number, z: number): string {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return `${z}/${Math.floor(((lon + 180) / 360) * n)}/${y}`;
}

/** Tiles of zoom z under evenly spread points of the dense area (repeats at low zooms). */
function tilesOf(z: number, n: number, first = 0): string[] {
  return Array.from({ length: n }, (_, k) => {
    const i = first + k;
    const fx = ((i * 0.618034) % 1) * 0.98 + 0.01;
    const fy = ((i * 0.414214) % 1) * 0.98 + 0.01;
    return tileAt(
      DENSE.minLat + fy * (DENSE.maxLat - DENSE.minLat),
      DENSE.minLon + fx * (DENSE.maxLon - DENSE.minLon),
      z,
    );
  });
}

interface Timing {
  p50: number;
  p99: number;
  max: number;
}

function timing(t: number[]): Timing {
  t.sort((a, b) => a - b);
  return {
    p50: t[Math.floor(t.length * 0.5)]!,
    p99: t[Math.min(t.length - 1, Math.floor(t.length * 0.99))]!,
    max: t[t.length - 1]!,
  };
}

async function timeEach(tiles: string[], fn: (t: string) => Promise<unknown>): Promise<Timing> {
  const t: number[] = [];
  for (const tile of tiles) {
    const s = performance.now();
    await fn(tile);
    t.push(performance.now() - s);
  }
  return timing(t);
}

type Contender = { name: string; ask: (tile: string) => Promise<unknown> };

/** Each tile asked of every contender in turn, the order rotating by one per tile. */
async function interleaved(tiles: string[], cs: Contender[]): Promise<Map<string, number[]>> {
  const out = new Map(cs.map((c) => [c.name, [] as number[]]));
  for (const [i, tile] of tiles.entries()) {
    for (let k = 0; k < cs.length; k++) {
      const c = cs[(i + k) % cs.length]!;
      const s = performance.now();
      await c.ask(tile);
      out.get(c.name)!.push(performance.now() - s);
    }
  }
  return out;
}

type ZoomTimes = Map<string, { first: Timing; repeat: Timing | null }>;

/** One zoom: warm-up on other tiles, the first-ask pass, then (from REPEAT_FROM) the repeat pass. */
async function timeZoom(z: number, cs: Contender[]): Promise<ZoomTimes> {
  await interleaved(tilesOf(z, WARM_UP[z]!, 1000), cs);
  const tiles = tilesOf(z, SAMPLES[z]! * SCALE);
  const first = await interleaved(tiles, cs);
  const repeat = z >= REPEAT_FROM ? await interleaved(tiles, cs) : null;
  return new Map(
    cs.map((c) => [
      c.name,
      { first: timing(first.get(c.name)!), repeat: repeat && timing(repeat.get(c.name)!) },
    ]),
  );
}

/** The serving process: started, asked for tiles over HTTP, then for its VmHWM. */
async function startChild(file: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/bench/tiles-child.ts', file, BENCH_NOW],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(String((await lines.next()).value)) as Record<string, unknown>;
  const { url } = (await next()) as { url: string };
  return {
    url,
    async vmHwmMb(): Promise<number> {
      child.stdin!.write('report\n');
      return (await next()).vmHwmMb as number;
    },
  };
}

// PostGIS: the same published locations in Web Mercator with a GiST index; EVSE counts per
// location from the evses table, as our tiles count them.
const PG_SITES = `WITH b AS (SELECT ST_TileEnvelope($1, $2, $3) AS g),
  q AS (SELECT ST_AsMVTGeom(l.g3857, b.g, 4096, 0, true) AS geom, l.pk AS id, l.name, l.operator_name AS operator,
      round(l.max_power_w / 1000.0, 1) AS max_power_kw,
      (SELECT count(*) FROM evses e WHERE e.location_pk = l.pk) AS evse_count,
      (SELECT count(*) FROM evses e WHERE e.location_pk = l.pk AND e.status = 'AVAILABLE') AS available
    FROM locations l, b WHERE l.g3857 && b.g)
  SELECT ST_AsMVT(q, 'sites') AS tile FROM q`;
const PG_CLUSTERS = `WITH b AS (SELECT ST_TileEnvelope($1, $2, $3) AS g),
  p AS (SELECT l.g3857 AS g,
      (SELECT count(*) FROM evses e WHERE e.location_pk = l.pk) AS evses,
      (SELECT count(*) FROM evses e WHERE e.location_pk = l.pk AND e.status = 'AVAILABLE') AS available,
      (SELECT coalesce(sum(e.max_power_w), 0) FROM evses e WHERE e.location_pk = l.pk) AS w
    FROM locations l, b WHERE l.g3857 && b.g),
  c AS (SELECT ST_Centroid(ST_Collect(p.g)) AS g, count(*) AS point_count, sum(evses) AS evse_count,
      sum(available) AS available, sum(w) / 1000.0 AS installed_kw
    FROM p, b GROUP BY ST_SnapToGrid(p.g, (ST_XMax(b.g) - ST_XMin(b.g)) / ${CLUSTER_GRID}))
  SELECT ST_AsMVT(q, 'clusters') AS tile FROM
    (SELECT ST_AsMVTGeom(c.g, b.g, 4096, 0, true) AS geom, point_count, evse_count, available, installed_kw FROM c, b) q`;

/** The Web Mercator copy of the points, GiST-indexed, and a contender that asks by named statement. */
async function postgisContender(pg: PostGis): Promise<Contender> {
  await pg.client.query(`ALTER TABLE locations ADD COLUMN g3857 geometry(Point, 3857);
    UPDATE locations SET g3857 = ST_Transform(geom, 3857);
    CREATE INDEX locations_g3857 ON locations USING gist (g3857); ANALYZE locations;`);
  return {
    name: 'postgis',
    ask: (t) => {
      const [z, x, y] = t.split('/').map(Number) as [number, number, number];
      const sites = z >= SITE_MIN_ZOOM;
      // Named: parsed and planned once per connection, as our side's statements are prepared once.
      const name = sites ? 'tile_sites' : 'tile_clusters';
      return pg.client.query({ name, text: sites ? PG_SITES : PG_CLUSTERS, values: [z, x, y] });
    },
  };
}

/** Filtered tiles in process: the map page's filters at a served zoom, and the cap's refusal at z3. */
async function filteredTimes(app: ReturnType<typeof createApp>) {
  const out = [];
  for (const f of FILTERED) {
    const statuses = new Set<number>();
    const t = await timeEach(tilesOf(f.z, 10), async (tile) => {
      const res = await app.request(`/v1/tiles/${tile}.mvt?${f.query}`);
      statuses.add(res.status);
      await res.arrayBuffer();
    });
    out.push({ ...f, p50: t.p50, max: t.max, statuses: [...statuses].join(', ') });
    log(`  in process z${f.z} ?${f.query}: p50 ${ms(t.p50)}, answers ${[...statuses].join(', ')}`);
  }
  return out;
}

const tileIdOf = (t: string) => {
  const [z, x, y] = t.split('/').map(Number) as [number, number, number];
  return { z, x, y };
};

/** Two decimals below 1 ms, where a z14 tile's figures and their ratios live. */
const ms = (v: number | undefined) => (v == null ? 'n/a' : `${v.toFixed(v < 1 ? 2 : 1)} ms`);
const load = () =>
  loadavg()
    .map((v) => v.toFixed(1))
    .join(' / ');

/** The table the targets are read from: per zoom and pass, each contender's p50 / p99 and the ratios. */
function report(times: Map<number, ZoomTimes>) {
  log(
    '\n  zoom | pass | tile builder p50 / p99 | in process, served classes p50 / p99 | in process, undici p50 / p99 | over HTTP p50 / p99 | PostGIS p50 / p99 | served / PostGIS p50 (target <= 0.5) | undici / PostGIS p50 | builder / PostGIS p50 | HTTP / PostGIS p50',
  );
  for (const [z, t] of times) {
    for (const pass of ['first', 'repeat'] as const) {
      const [b, s, a, h, p] = ['builder', 'served', 'in process', 'http', 'postgis'].map(
        (n) => t.get(n)?.[pass] ?? undefined,
      );
      if (!b || !s || !a || !h) continue;
      const ratio = (v: number) => (p ? (v / p.p50).toFixed(2) : 'n/a');
      const met = (v: number) => (p ? (v <= 0.5 * p.p50 ? ' met' : ' NOT met') : '');
      log(
        `  z${z} | ${pass} ask | ${ms(b.p50)} / ${ms(b.p99)} | ${ms(s.p50)} / ${ms(s.p99)} | ${ms(a.p50)} / ${ms(a.p99)} | ${ms(h.p50)} / ${ms(h.p99)} | ${ms(p?.p50)} / ${ms(p?.p99)} | ${ratio(s.p50)}${met(s.p50)} | ${ratio(a.p50)}${met(a.p50)} | ${ratio(b.p50)} | ${ratio(h.p50)}`,
      );
    }
  }
}

export async function run(): Promise<void> {
  const zooms = [3, 6, 10, 14];
  const file = await syntheticBenchDb(EVSES, log);
  log(`tiles bench: ${file}, dense area ${JSON.stringify(DENSE)}, clusters below z${SITE_MIN_ZOOM}`);
  log(`  load average at start (1 / 5 / 15 min): ${load()}`);
  const pg = await startPostGis(log);
  if ('skipped' in pg) log(`  PostGIS skipped: ${pg.skipped}`);
  try {
    if (!('skipped' in pg)) await loadPostGis(pg.client, file, log);
    const db = openSqlite(file);
    const app = createApp({
      getDb: () => db,
      clock: () => new Date(BENCH_NOW),
      http: { rateLimit: false, responseCache: false },
    });
    const child = await startChild(file);
    const fresh = iso(Date.parse(BENCH_NOW) - DEFAULT_STALE_AFTER_S * 1000);
    const servedDb = openSqlite(file);
    const served = servedInProcess(
      createApp({
        getDb: () => servedDb,
        clock: () => new Date(BENCH_NOW),
        http: { rateLimit: false, responseCache: false },
      }).fetch,
    );
    const contenders: Contender[] = [
      { name: 'builder', ask: (t) => buildTile(db, { tile: tileIdOf(t), filter: {}, fresh }) },
      { name: 'in process', ask: async (t) => (await app.request(`/v1/tiles/${t}.mvt`)).arrayBuffer() },
      { name: 'served', ask: (t) => served(`/v1/tiles/${t}.mvt`) },
      { name: 'http', ask: async (t) => (await fetch(`${child.url}/v1/tiles/${t}.mvt`)).arrayBuffer() },
    ];
    if (!('skipped' in pg)) contenders.push(await postgisContender(pg));
    const times = new Map<number, ZoomTimes>();
    for (const z of zooms) {
      times.set(z, await timeZoom(z, contenders));
      const t = times.get(z)!;
      log(
        `  z${z} first ask p50: ${contenders.map((c) => `${c.name} ${ms(t.get(c.name)!.first.p50)}`).join(', ')}`,
      );
    }
    const filtered = await filteredTimes(app);
    const hwm = await child.vmHwmMb();
    await db.close();
    await servedDb.close();
    report(times);
    log('\n  filtered, in process | p50 / max | status');
    for (const f of filtered) log(`  z${f.z} ?${f.query} | ${ms(f.p50)} / ${ms(f.max)} | ${f.statuses}`);
    log(`  serving process peak RSS (VmHWM): ${hwm.toFixed(0)} MB (target <= 256 MB)`);
    log(`  load average at end (1 / 5 / 15 min): ${load()}`);
  } finally {
    if (!('skipped' in pg)) await pg.stop();
  }
}
