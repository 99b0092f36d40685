// API benchmark on a 1M-EVSE synthetic database: a bbox query returning 1,000 sites (p50/p99 in
// process and over HTTP) against PostGIS on the same data (today's correlated subqueries, and a
// precomputed feature column like our read model), uncached HTTP throughput with a different box
// per request against plain node:http serving the same bytes, in interleaved rounds (all servers
// in child processes, their own peak memory reported), and dumps of the whole database with each
// one's peak memory.
// Run alone with `npx tsx scripts/bench/api.ts`, or through `npm run bench -- api`.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { createApp } from '../../src/api/app.js';
import type { HttpOptions } from '../../src/api/http/options.js';
import { spreadIndexStats } from '../../src/db/queries/spread-index.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { nodeHttpOptions } from '../../src/node/http-hooks.js';
import { buildNode, NODE_FLAGS } from '../build-node.mjs';
import {
  loadPostGis,
  loadPostGisFeatures,
  POSTGIS_BBOX_SQL,
  POSTGIS_FEATURE_SQL,
  startPostGis,
} from './postgis.js';
import { figure, peakRssFigure, times } from './summary.js';
import { syntheticBenchDb } from './synthetic-db.js';
import { servedInProcess } from './tiles-served.js';

const EVSES = Number(process.env.BENCH_API_EVSES ?? 1_000_000);
const ITERATIONS = Number(process.env.BENCH_API_ITERATIONS ?? 300);
const LIMIT = 1_000;
/** About 11,000 published sites fall in this box; the answer is the 1,000 first in the spread order. */
const BOX = { minLon: 6, minLat: 50, maxLon: 8, maxLat: 51.5 };
const PATH = `/v1/sites?bbox=${BOX.minLon},${BOX.minLat},${BOX.maxLon},${BOX.maxLat}&limit=${LIMIT}`;

const log = (m: string) => console.log(m);

/** Seconds of each throughput measurement; each server is measured once per round. */
const THROUGHPUT_SECONDS = Number(process.env.BENCH_API_THROUGHPUT_SECONDS ?? 5);
/**
 * Rounds of throughput: plain node:http and the atlas both ways, back to back, in each. The
 * machine is shared: another session's build at nice 0 took the rate of plain node:http from
 * ~5,000 to ~1,300/s and the page worker's (nice +10 below the event loop) from ~800 to ~500/s
 * within a minute (2026-12-07), so one measurement of each, 8 s apart, gave ratios from 0.13x to
 * 0.36x. A ratio is taken within a round, and the median of the rounds' ratios is the figure.
 */
const THROUGHPUT_ROUNDS = Number(process.env.BENCH_API_THROUGHPUT_ROUNDS ?? 3);

/** The k-th box of a pan: the bench box shifted by a low-discrepancy sequence, never the same twice. */
function movingBox(k: number) {
  const dx = ((k * 0.618_033_988_7) % 1) * 2;
  const dy = (k * 0.754_877_666_2) % 1;
  return {
    minLon: BOX.minLon + dx,
    minLat: BOX.minLat + dy,
    maxLon: BOX.maxLon + dx,
    maxLat: BOX.maxLat + dy,
  };
}

const boxPath = (b: typeof BOX) =>
  `/v1/sites?bbox=${b.minLon},${b.minLat},${b.maxLon},${b.maxLat}&limit=${LIMIT}`;

interface Timing {
  p50: number;
  p99: number;
  /**
   * This process's minor page faults per call: a 700 KB buffer that glibc maps afresh instead of
   * reusing its heap is ~175 faults, and which of the two it does has differed from process to
   * process (docs/api.md: the page statement 0.45 ms in some, 2.4-2.9 ms in others). Shown beside
   * each timing so that an outlier shows whether that was its cause.
   */
  faults: number;
}

async function timeIt(n: number, fn: () => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < Math.min(20, n); i++) await fn();
  const t: number[] = [];
  const faultsBefore = process.resourceUsage().minorPageFault;
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  const faults = (process.resourceUsage().minorPageFault - faultsBefore) / n;
  t.sort((a, b) => a - b);
  return { p50: t[Math.floor(n * 0.5)]!, p99: t[Math.min(n - 1, Math.floor(n * 0.99))]!, faults };
}

const ms = (v: number | undefined) => (v == null ? 'n/a' : `${v.toFixed(2)} ms`);

function appWith(db: Db, http: Partial<HttpOptions>) {
  return createApp({ getDb: () => db, http: nodeHttpOptions({ rateLimit: false, ...http }) });
}

async function listen(
  fetch: (r: Request) => Response | Promise<Response>,
): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
  });
}

/** More Node flags for the server children, e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile them under load. */
const SERVER_FLAGS = (process.env.BENCH_API_SERVER_FLAGS ?? '').split(' ').filter(Boolean);

interface ServerChild {
  port: number;
  /** Stops the server and returns its own peak RSS (VmHWM). */
  stop(): Promise<number | null>;
}

/** A server in its own process (scripts/bench/api-server-child.ts): the atlas or plain node:http. */
async function serverChild(mode: 'atlas' | 'atlas-workers' | 'plain', file: string): Promise<ServerChild> {
  // Built and started as `npm start` runs the server (plain JavaScript, its Node options), so the
  // read workers' memory is that of the server's, not of tsx compiling the app in every thread.
  const built = buildNode('dist/bench', ['scripts/bench/api-server-child.ts']);
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, ...SERVER_FLAGS, join(built, 'api-server-child.js'), mode, file],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  for (;;) {
    const { value, done } = await lines.next();
    if (done) throw new Error(`${mode} server did not start`);
    const m = /^port=(\d+)$/.exec(value);
    if (!m) continue;
    return {
      port: Number(m[1]),
      async stop() {
        child.kill('SIGTERM');
        for (;;) {
          const next = await lines.next();
          if (next.done) return null;
          if (next.value.startsWith('{'))
            return (JSON.parse(next.value) as { peakRssMb: number | null }).peakRssMb;
        }
      },
    };
  }
}

interface Rate {
  rps: number;
  non2xx: number;
}

/** Requests/s with 10 keep-alive connections, every request a new box (the plain server ignores it). */
async function throughput(port: number): Promise<Rate> {
  // Read workers start on the first heavy request (each loads the app's modules): not part of the rate.
  await (await fetch(`http://127.0.0.1:${port}${PATH}`)).arrayBuffer();
  let k = 0;
  const r = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 10,
    duration: THROUGHPUT_SECONDS,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: boxPath(movingBox(k++)) }) }],
  });
  return { rps: r.requests.average, non2xx: r.non2xx + r.errors };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * A server's rounds against plain node:http's of the same rounds: its median rate, the median of
 * its per-round ratios (the figure), each round's ratio, and its non-2xx answers in all.
 */
function overRounds(rounds: Rate[], plain: Rate[]) {
  const ratios = rounds.map((r, i) => r.rps / plain[i]!.rps);
  return {
    rps: median(rounds.map((r) => r.rps)),
    ratio: median(ratios),
    ratios: ratios.map((x) => `${x.toFixed(2)}x`).join(', '),
    non2xx: rounds.reduce((a, r) => a + r.non2xx, 0),
  };
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** The file's size per EVSE and what takes it (SQLite's dbstat: pages per table or index). */
async function bytesOnDisk(db: Db, evses: number) {
  const total = await db.get<{ bytes: number }>(
    'SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()',
  );
  const rows = await db.all<{ name: string; bytes: number }>(
    'SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 10',
  );
  return {
    total: total!.bytes,
    perEvse: total!.bytes / evses,
    largest: rows.map((r) => ({
      'table or index': r.name,
      MiB: (r.bytes / 2 ** 20).toFixed(0),
      'bytes per EVSE': (r.bytes / evses).toFixed(0),
    })),
  };
}

export async function run(): Promise<void> {
  log(`api bench: ${EVSES.toLocaleString('en')} EVSEs, bbox ${JSON.stringify(BOX)}, limit ${LIMIT}`);
  const started = performance.now();
  const file = await syntheticBenchDb(EVSES, log);
  log(`  database ready (${((performance.now() - started) / 1000).toFixed(0)} s): ${file}`);
  // Opened as the server opens it (openSqlite's pragmas), so the figures are the server's.
  const db = openSqlite(file);
  const counts = await db.get<{ locations: number; evses: number }>(
    'SELECT (SELECT count(*) FROM locations) AS locations, (SELECT count(*) FROM evses) AS evses',
  );
  log(`  ${counts!.locations} locations, ${counts!.evses} EVSEs`);
  const disk = await bytesOnDisk(db, counts!.evses);

  // --- in process -------------------------------------------------------------------------------
  const uncached = appWith(db, { responseCache: false });
  const cached = appWith(db, {});
  const firstAt = performance.now();
  const first = await uncached.request(PATH);
  const body = await first.text();
  const firstMs = performance.now() - firstAt;
  const features = JSON.parse(body).features.length as number;
  if (first.status !== 200 || features !== LIMIT)
    throw new Error(`bbox query returned ${first.status}, ${features} features`);
  log(`  bbox answer: ${features} features, ${(body.length / 1024).toFixed(0)} KiB`);
  const index = spreadIndexStats(db);
  log(
    `  spread index (built by the first answer, ${firstMs.toFixed(0)} ms): ${index.rows.toLocaleString('en')} rows, ` +
      `${(index.bytes / 2 ** 20).toFixed(1)} MiB, built in ${index.buildMs.toFixed(0)} ms`,
  );
  const inProcess = await timeIt(ITERATIONS, async () => (await uncached.request(PATH)).arrayBuffer());
  const inProcessCached = await timeIt(ITERATIONS, async () => (await cached.request(PATH)).arrayBuffer());
  // Different boxes every time: nothing in SQLite's page cache is hot for the exact box.
  let k = 0;
  const moving = await timeIt(ITERATIONS, async () =>
    (await uncached.request(boxPath(movingBox(k++)))).arrayBuffer(),
  );
  // The same app answering as the serving process does: @hono/node-server's Request and Response,
  // whose Response holds the page's bytes as given where undici's (app.request above) copies them.
  const served = servedInProcess(uncached.fetch);
  const inProcessServed = await timeIt(ITERATIONS, () => served(PATH));
  let ks = 0;
  const movingServed = await timeIt(ITERATIONS, () => served(boxPath(movingBox(ks++))));

  // --- over HTTP --------------------------------------------------------------------------------
  const srvUncached = await listen(uncached.fetch);
  const srvCached = await listen(cached.fetch);
  const overHttp = await timeIt(ITERATIONS, async () => (await fetch(srvUncached.url + PATH)).arrayBuffer());
  const overHttpCached = await timeIt(ITERATIONS, async () =>
    (await fetch(srvCached.url + PATH)).arrayBuffer(),
  );

  // --- PostGIS ----------------------------------------------------------------------------------
  let postgis: Timing | null = null;
  let postgisFeatures: Timing | null = null;
  let postgisNote = '';
  const pgStarted = performance.now();
  const pgh = await startPostGis(log);
  if ('skipped' in pgh) {
    postgisNote = `skipped: ${pgh.skipped}`;
  } else {
    try {
      await loadPostGis(pgh.client, file, log);
      const params = [BOX.minLon, BOX.minLat, BOX.maxLon, BOX.maxLat, LIMIT];
      const check = await pgh.client.query(POSTGIS_BBOX_SQL, params);
      const n = JSON.parse(check.rows[0].body).features.length;
      if (n !== LIMIT) throw new Error(`PostGIS returned ${n} features`);
      postgis = await timeIt(ITERATIONS, () => pgh.client.query(POSTGIS_BBOX_SQL, params));
      await loadPostGisFeatures(pgh.client, file, log);
      const checkF = await pgh.client.query(POSTGIS_FEATURE_SQL, params);
      const nf = JSON.parse(checkF.rows[0].body).features.length;
      if (nf !== LIMIT) throw new Error(`PostGIS (feature column) returned ${nf} features`);
      postgisFeatures = await timeIt(ITERATIONS, () => pgh.client.query(POSTGIS_FEATURE_SQL, params));
      postgisNote = `(set up in ${((performance.now() - pgStarted) / 1000).toFixed(0)} s)`;
    } catch (err) {
      postgisNote = `failed: ${(err as Error).message}`;
    } finally {
      await pgh.stop();
    }
  }

  await srvCached.close();
  await srvUncached.close();
  await db.close();

  // --- uncached throughput, a new box per request, vs plain node:http ---------------------------
  const bytesFile = join(tmpdir(), `atlas-bench-answer-${process.pid}.json`);
  writeFileSync(bytesFile, body);
  // All three servers are up for the rounds (idle ones take no CPU); each is stopped at the end,
  // so its peak memory covers every round it served.
  const plainServer = await serverChild('plain', bytesFile);
  const atlasServer = await serverChild('atlas', file);
  const workersServer = await serverChild('atlas-workers', file);
  const plainRounds: Rate[] = [];
  const atlasRounds: Rate[] = [];
  const workersRounds: Rate[] = [];
  const servers = [
    { port: plainServer.port, rounds: plainRounds },
    { port: atlasServer.port, rounds: atlasRounds },
    { port: workersServer.port, rounds: workersRounds },
  ];
  for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
    // Each round starts with the next server (plain, event loop, read workers; then event loop,
    // read workers, plain; ...), so none is measured in the same place of every round: the one
    // measured right after another's load, or as the machine's other work comes and goes.
    for (let i = 0; i < servers.length; i++) {
      const s = servers[(round + i) % servers.length]!;
      s.rounds.push(await throughput(s.port));
    }
    log(
      `  throughput round ${round + 1}: plain ${plainRounds[round]!.rps.toFixed(0)}/s, event loop ` +
        `${atlasRounds[round]!.rps.toFixed(0)}/s, read workers ${workersRounds[round]!.rps.toFixed(0)}/s (load ${loadAverage()})`,
    );
  }
  const plainPeak = await plainServer.stop();
  rmSync(bytesFile, { force: true });
  const serverPeak = await atlasServer.stop();
  const workersPeak = await workersServer.stop();
  const plainTp = overRounds(plainRounds, plainRounds);
  const atlasTp = overRounds(atlasRounds, plainRounds);
  const workersTp = overRounds(workersRounds, plainRounds);

  // --- dumps ------------------------------------------------------------------------------------
  const dumps: {
    format: string;
    heap: string;
    seconds: number;
    bytes: number;
    sites: number;
    peakRssMb: number | null;
  }[] = [];
  // Default heap: V8 lets garbage pile up while memory is plentiful. Capped heap: the dump still runs,
  // which shows what it really holds (one batch), not what the collector has yet to reclaim.
  for (const [format, heap] of [
    ['geojson', ''],
    ['geojson', '--max-old-space-size=96'],
    ['csv', ''],
    ['csv', '--max-old-space-size=96'],
    ['sqlite', ''],
  ] as const) {
    const args = [
      ...(heap ? [heap] : []),
      '--import',
      'tsx',
      'scripts/bench/api-dump-child.ts',
      file,
      format,
    ];
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    dumps.push({ ...JSON.parse(out.trim().split('\n').pop()!), heap: heap ? 'old space 96 MB' : 'default' });
  }

  // --- report -----------------------------------------------------------------------------------
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const rows: [string, string, string, string][] = [
    ['in process (app.request), uncached', ms(inProcess.p50), ms(inProcess.p99), 'p50 <= 2 ms'],
    ['in process, a different box each time', ms(moving.p50), ms(moving.p99), ''],
    ['in process, response cache (data version)', ms(inProcessCached.p50), ms(inProcessCached.p99), ''],
    [
      'in process, served classes (@hono/node-server), uncached',
      ms(inProcessServed.p50),
      ms(inProcessServed.p99),
      '',
    ],
    ['in process, served classes, a different box each time', ms(movingServed.p50), ms(movingServed.p99), ''],
    ['over HTTP (loopback), uncached', ms(overHttp.p50), ms(overHttp.p99), ''],
    ['over HTTP, response cache', ms(overHttpCached.p50), ms(overHttpCached.p99), ''],
    ['PostGIS, correlated subqueries (ST_AsGeoJSON)', ms(postgis?.p50), ms(postgis?.p99), postgisNote],
    ['PostGIS, precomputed feature column', ms(postgisFeatures?.p50), ms(postgisFeatures?.p99), ''],
  ];
  if (postgis && postgisFeatures) {
    rows.push([
      'atlas uncached / PostGIS precomputed',
      ratio(inProcess.p50, postgisFeatures.p50),
      ratio(inProcess.p99, postgisFeatures.p99),
      '<= 0.5x',
    ]);
    rows.push([
      'atlas uncached, served classes / PostGIS precomputed',
      ratio(inProcessServed.p50, postgisFeatures.p50),
      ratio(inProcessServed.p99, postgisFeatures.p99),
      '',
    ]);
    rows.push([
      'atlas uncached / PostGIS correlated',
      ratio(inProcess.p50, postgis.p50),
      ratio(inProcess.p99, postgis.p99),
      '',
    ]);
  }
  const faults: Record<string, Timing | null> = {
    'in process (app.request), uncached': inProcess,
    'in process, a different box each time': moving,
    'in process, response cache (data version)': inProcessCached,
    'in process, served classes (@hono/node-server), uncached': inProcessServed,
    'in process, served classes, a different box each time': movingServed,
  };
  console.table(
    rows.map(([name, p50, p99, target]) => ({
      'bbox, 1,000 features': name,
      p50,
      p99,
      'page faults per call': faults[name]?.faults.toFixed(0) ?? '',
      target,
    })),
  );
  console.log(
    `throughput: ${THROUGHPUT_ROUNDS} rounds of ${THROUGHPUT_SECONDS} s per server, interleaved; req/s is the median round, vs plain the median of the rounds' ratios`,
  );
  console.table([
    {
      server: 'plain node:http, same bytes (child process)',
      'req/s': plainTp.rps.toFixed(0),
      'vs plain': '1.00x',
      rounds: plainRounds.map((r) => r.rps.toFixed(0)).join(', '),
      'peak RSS MiB': plainPeak?.toFixed(0) ?? 'n/a',
      target: '',
    },
    {
      server: `atlas, pages on the event loop, a new box per request (${atlasTp.non2xx} non-2xx)`,
      'req/s': atlasTp.rps.toFixed(0),
      'vs plain': `${atlasTp.ratio.toFixed(2)}x`,
      rounds: atlasTp.ratios,
      'peak RSS MiB': serverPeak?.toFixed(0) ?? 'n/a',
      target: '>= 0.2x, RSS <= 256 MB',
    },
    {
      server: `atlas, pages on read workers as served (${workersTp.non2xx} non-2xx)`,
      'req/s': workersTp.rps.toFixed(0),
      'vs plain': `${workersTp.ratio.toFixed(2)}x`,
      rounds: workersTp.ratios,
      'peak RSS MiB': workersPeak?.toFixed(0) ?? 'n/a',
      target: '>= 0.2x, RSS <= 256 MB',
    },
  ]);
  console.log(
    `database: ${(disk.total / 2 ** 20).toFixed(0)} MiB, ${disk.perEvse.toFixed(0)} bytes per EVSE; largest tables and indexes:`,
  );
  console.table(disk.largest);
  console.table(
    dumps.map((d) => ({
      dump: `sites.${d.format}.gz`,
      heap: d.heap,
      seconds: d.seconds.toFixed(1),
      'MiB gz': (d.bytes / 2 ** 20).toFixed(1),
      sites: d.format === 'sqlite' ? '(snapshot)' : d.sites,
      'peak RSS MiB': d.peakRssMb?.toFixed(0) ?? 'n/a',
      target: 'RSS <= 256 MB',
    })),
  );

  figure({
    bench: 'api',
    figure: 'bbox, 1,000 features uncached, in process p50',
    value: ms(inProcess.p50),
    baseline: '',
    ratio: '',
    target: '<= 2 ms',
    met: inProcess.p50 <= 2,
  });
  figure({
    bench: 'api',
    figure: 'the same p50 vs PostGIS with a precomputed feature column',
    value: ms(inProcess.p50),
    baseline: `${ms(postgisFeatures?.p50)} PostGIS`,
    ratio: times(inProcess.p50, postgisFeatures?.p50),
    target: '<= 0.5x',
    met: postgisFeatures ? inProcess.p50 / postgisFeatures.p50 <= 0.5 : false,
  });
  for (const [how, tp, peak] of [
    ['pages on read workers as served', workersTp, workersPeak],
    ['pages on the event loop', atlasTp, serverPeak],
  ] as const) {
    figure({
      bench: 'api',
      figure: `uncached bbox throughput over HTTP, varying boxes, ${how}`,
      value: `${tp.rps.toFixed(0)} req/s (median of ${THROUGHPUT_ROUNDS} rounds)`,
      baseline: `${plainTp.rps.toFixed(0)} req/s plain node:http`,
      ratio: `${tp.ratio.toFixed(2)}x (rounds ${tp.ratios})`,
      target: '>= 0.2x',
      met: tp.ratio >= 0.2,
    });
    peakRssFigure('api', `server under the HTTP bench, ${how}`, peak);
  }
  for (const d of dumps) peakRssFigure('api', `dump sites.${d.format}.gz (${d.heap} heap)`, d.peakRssMb);
  figure({
    bench: 'api',
    figure: `database bytes per EVSE (largest: ${disk.largest[0]?.['table or index'] ?? 'n/a'})`,
    value: `${disk.perEvse.toFixed(0)} B`,
    baseline: '',
    ratio: '',
    target: 'reported',
    met: null,
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
