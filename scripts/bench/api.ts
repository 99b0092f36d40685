// API benchmark on a 1M-EVSE synthetic database: a bbox query returning 1,000 sites (p50/p99 in
// process and over HTTP) against PostGIS on the same data, HTTP throughput against plain node:http
// serving the same bytes, and dumps of the whole database with their peak RSS (child processes).
// Run alone with `npx tsx scripts/bench/api.ts`, or through `npm run bench -- api`.
import { execFile, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { createApp } from '../../src/api/app.js';
import type { HttpOptions } from '../../src/api/http/options.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { nodeHttpOptions } from '../../src/node/http-hooks.js';
import { loadPostGis, POSTGIS_BBOX_SQL, startPostGis } from './postgis.js';
import { syntheticDb } from './synthetic-db.js';

const EVSES = Number(process.env.BENCH_API_EVSES ?? 1_000_000);
const ITERATIONS = Number(process.env.BENCH_API_ITERATIONS ?? 300);
const LIMIT = 1_000;
/** About 11,000 published sites fall in this box; the answer is the 1,000 first in the spread order. */
const BOX = { minLon: 6, minLat: 50, maxLon: 8, maxLat: 51.5 };
const PATH = `/v1/sites?bbox=${BOX.minLon},${BOX.minLat},${BOX.maxLon},${BOX.maxLat}&limit=${LIMIT}`;

const log = (m: string) => console.log(m);

const AUTOCANNON = join(
  dirname(createRequire(import.meta.url).resolve('autocannon/package.json')),
  'autocannon.js',
);

interface Timing {
  p50: number;
  p99: number;
}

async function timeIt(n: number, fn: () => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < Math.min(20, n); i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return { p50: t[Math.floor(n * 0.5)]!, p99: t[Math.min(n - 1, Math.floor(n * 0.99))]! };
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

/** autocannon in its own process, so the load generator does not share the servers' event loop. */
async function throughput(url: string): Promise<number> {
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      [AUTOCANNON, '-c', '10', '-d', '8', '-j', url],
      { maxBuffer: 16 << 20 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    ),
  );
  return (JSON.parse(out) as { requests: { average: number } }).requests.average;
}

export async function run(): Promise<void> {
  log(`api bench: ${EVSES.toLocaleString('en')} EVSEs, bbox ${JSON.stringify(BOX)}, limit ${LIMIT}`);
  const started = performance.now();
  const file = await syntheticDb(EVSES, log);
  log(`  database ready (${((performance.now() - started) / 1000).toFixed(0)} s): ${file}`);
  // Opened as the server opens it (openSqlite's pragmas), so the figures are the server's.
  const db = openSqlite(file);
  const counts = await db.get<{ locations: number; evses: number }>(
    'SELECT (SELECT count(*) FROM locations) AS locations, (SELECT count(*) FROM evses) AS evses',
  );
  log(`  ${counts!.locations} locations, ${counts!.evses} EVSEs`);

  // --- in process -------------------------------------------------------------------------------
  const uncached = appWith(db, { responseCache: false });
  const cached = appWith(db, {});
  const first = await uncached.request(PATH);
  const body = await first.text();
  const features = JSON.parse(body).features.length as number;
  if (first.status !== 200 || features !== LIMIT)
    throw new Error(`bbox query returned ${first.status}, ${features} features`);
  log(`  bbox answer: ${features} features, ${(body.length / 1024).toFixed(0)} KiB`);
  const inProcess = await timeIt(ITERATIONS, async () => (await uncached.request(PATH)).arrayBuffer());
  const inProcessCached = await timeIt(ITERATIONS, async () => (await cached.request(PATH)).arrayBuffer());
  // Different boxes every time: nothing in SQLite's page cache is hot for the exact box.
  let k = 0;
  const moving = await timeIt(ITERATIONS, async () => {
    const dx = ((k * 37) % 100) / 50;
    const dy = ((k++ * 53) % 100) / 100;
    const p = `/v1/sites?bbox=${BOX.minLon + dx},${BOX.minLat + dy},${BOX.maxLon + dx},${BOX.maxLat + dy}&limit=${LIMIT}`;
    return (await uncached.request(p)).arrayBuffer();
  });

  // --- over HTTP --------------------------------------------------------------------------------
  const srvUncached = await listen(uncached.fetch);
  const srvCached = await listen(cached.fetch);
  const overHttp = await timeIt(ITERATIONS, async () => (await fetch(srvUncached.url + PATH)).arrayBuffer());
  const overHttpCached = await timeIt(ITERATIONS, async () =>
    (await fetch(srvCached.url + PATH)).arrayBuffer(),
  );

  // --- PostGIS ----------------------------------------------------------------------------------
  let postgis: Timing | null = null;
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
      postgisNote = `(set up in ${((performance.now() - pgStarted) / 1000).toFixed(0)} s)`;
    } catch (err) {
      postgisNote = `failed: ${(err as Error).message}`;
    } finally {
      await pgh.stop();
    }
  }

  // --- throughput vs plain node:http -----------------------------------------------------------
  const bytes = Buffer.from(body);
  const plain = createServer((_req, res) => {
    res.writeHead(200, {
      'Content-Type': 'application/geo+json; charset=utf-8',
      'Content-Length': bytes.length,
    });
    res.end(bytes);
  });
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}${PATH}`;
  const rpsPlain = await throughput(plainUrl);
  const rpsCached = await throughput(srvCached.url + PATH);
  const rpsUncached = await throughput(srvUncached.url + PATH);
  await new Promise<void>((r) => plain.close(() => r()));
  await srvCached.close();
  await srvUncached.close();
  await db.close();

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
    ['bbox query, 1,000 features', 'p50', 'p99', 'target'],
    ['in process (app.request), uncached', ms(inProcess.p50), ms(inProcess.p99), `p50 <= 5 ms`],
    ['in process, a different box each time', ms(moving.p50), ms(moving.p99), ''],
    ['in process, response cache (data version)', ms(inProcessCached.p50), ms(inProcessCached.p99), ''],
    ['over HTTP (loopback), uncached', ms(overHttp.p50), ms(overHttp.p99), ''],
    ['over HTTP, response cache', ms(overHttpCached.p50), ms(overHttpCached.p99), ''],
    [
      'PostGIS (ST_MakeEnvelope + GiST + ST_AsGeoJSON, via pg)',
      ms(postgis?.p50),
      ms(postgis?.p99),
      postgisNote,
    ],
  ];
  if (postgis) {
    rows.push([
      'atlas uncached / PostGIS (p50)',
      ratio(inProcess.p50, postgis.p50),
      ratio(inProcess.p99, postgis.p99),
      '<= 0.5x',
    ]);
    rows.push([
      'atlas over HTTP uncached / PostGIS (p50)',
      ratio(overHttp.p50, postgis.p50),
      ratio(overHttp.p99, postgis.p99),
      '',
    ]);
  }
  console.table(rows.slice(1).map(([name, p50, p99, target]) => ({ measure: name, p50, p99, target })));
  console.table([
    { server: 'plain node:http, same bytes', 'req/s': rpsPlain.toFixed(0), 'vs plain': '1.00x', target: '' },
    {
      server: 'atlas, response cache',
      'req/s': rpsCached.toFixed(0),
      'vs plain': ratio(rpsCached, rpsPlain),
      target: '>= 0.8x',
    },
    {
      server: 'atlas, uncached',
      'req/s': rpsUncached.toFixed(0),
      'vs plain': ratio(rpsUncached, rpsPlain),
      target: '',
    },
  ]);
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
