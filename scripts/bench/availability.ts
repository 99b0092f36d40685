// Availability bench (session 17): the /v1/availability and /v1/stats/occupancy requests that read
// the most (a world box, a continent, a walk of 20,000 changes) asked one after another of a server
// child on the 1M-EVSE database for a few seconds each, while 127.0.0.2 polls /healthz from its own
// process: each answer's time, and /healthz p50/p99/max while they run (target p99 <= 50 ms, as in
// the load bench). Baseline in the same run: the same server with every read in process
// (ATLAS_READ_WORKERS=0), which is where availability answers ran before session 17.
//
//   flock /work/quiet.lock nice -n 5 npm run bench -- availability
//   BENCH_AVAILABILITY_DB=FILE     another database, e.g. a copy without planner statistics
//   BENCH_AVAILABILITY_SECONDS=N   seconds per request (default 8)
//   BENCH_AVAILABILITY_PHASES=served  skips the in-process baseline (for a run of older code)
import { openSqlite } from '../../src/db/sqlite.js';
import { buildServerChild, healthProbe, type Probe, startServer } from './load.js';
import { syntheticBenchDb } from './synthetic-db.js';

const SECONDS = Number(process.env.BENCH_AVAILABILITY_SECONDS ?? 8);
const WORLD = 'bbox=-180,-90,180,90';
const log = (m: string) => console.log(m);

/** The requests, by name; `since` is the id 20,000 events before the newest. */
function requests(since: number): [string, string][] {
  return [
    ['availability, world box (default limit 20,000: refused)', `/v1/availability?${WORLD}`],
    ['availability, world box, limit 50,000 (refused)', `/v1/availability?${WORLD}&limit=50000`],
    ['availability, -10,35,30,60 (refused)', '/v1/availability?bbox=-10,35,30,60'],
    ['availability, 5,50,6,51 (7,785 EVSEs)', '/v1/availability?bbox=5,50,6,51'],
    ['availability, 20,000 changes, world box', `/v1/availability?${WORLD}&since=${since}`],
    ['availability, city box (154 EVSEs)', '/v1/availability?bbox=4.8,52.3,4.95,52.4'],
    [
      'availability, city box, limit 1,000 (event loop)',
      '/v1/availability?bbox=4.8,52.3,4.95,52.4&limit=1000',
    ],
    ['occupancy, world box (refused)', `/v1/stats/occupancy?${WORLD}`],
    ['occupancy, 5,50,6,51', '/v1/stats/occupancy?bbox=5,50,6,51'],
  ];
}

interface Row {
  name: string;
  status: number;
  answers: number;
  p50: number;
  max: number;
  health: Probe;
}

/** Asks `path` over and over for SECONDS while /healthz is polled. */
async function measure(url: string, name: string, path: string): Promise<Row> {
  const health = healthProbe(url, SECONDS);
  const times: number[] = [];
  let status = 0;
  const until = performance.now() + SECONDS * 1000;
  while (performance.now() < until) {
    const started = performance.now();
    const res = await fetch(url + path, { headers: { 'accept-encoding': 'gzip' } });
    await res.arrayBuffer();
    times.push(performance.now() - started);
    status = res.status;
  }
  times.sort((a, b) => a - b);
  return {
    name,
    status,
    answers: times.length,
    p50: times[Math.floor(times.length / 2)]!,
    max: times[times.length - 1]!,
    health: await health,
  };
}

export async function run(): Promise<void> {
  const file = process.env.BENCH_AVAILABILITY_DB ?? (await syntheticBenchDb(1_000_000, log));
  const db = openSqlite(file, { readonly: true, migrate: false });
  const last = (await db.get<{ id: number }>('SELECT max(id) AS id FROM evse_status_events'))?.id ?? 0;
  const stats = await db.get<{ n: number }>(
    "SELECT count(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'",
  );
  const analyzed = stats?.n
    ? ((await db.get<{ n: number }>('SELECT count(*) AS n FROM sqlite_stat1'))?.n ?? 0)
    : 0;
  await db.close();
  log(
    `availability bench: ${file} (${analyzed > 0 ? 'with' : 'without'} planner statistics), ${SECONDS} s a request`,
  );
  const serverChild = buildServerChild();
  const phases = [
    ['baseline: every read in process (ATLAS_READ_WORKERS=0)', 0],
    ['as served (ATLAS_READ_WORKERS unset)', -1],
  ] as const;
  for (const [phase, workers] of process.env.BENCH_AVAILABILITY_PHASES === 'served'
    ? phases.slice(1)
    : phases) {
    const server = await startServer(serverChild, file, workers);
    try {
      // The statistics are computed once as the workers start: wait for them, not beside them.
      if (workers !== 0) await (await fetch(`${server.url}/v1/stats`)).arrayBuffer();
      log(`\n${phase}`);
      log('| request | status | answers | p50 ms | max ms | /healthz p50 / p99 / max ms (probes) |');
      log('|---|---|---|---|---|---|');
      for (const [name, path] of requests(last - 20_000)) {
        const r = await measure(server.url, name, path);
        const h = r.health;
        const ms = (v: number) => v.toFixed(0);
        log(
          `| ${r.name} | ${r.status} | ${r.answers} | ${ms(r.p50)} | ${ms(r.max)} | ${ms(h.p50)} / ${ms(h.p99)} / ${ms(h.max)} (${h.count}, ${h.errors} failed) |`,
        );
      }
    } finally {
      await server.stop();
    }
  }
}
