// Load bench (issue 16): one client address mixes uncached bbox pages (every request a new box,
// some filtered), statistics, the .sqlite dump and SSE replays against a server on the 1M-EVSE
// database, while a second address (127.0.0.2, its own process) polls /healthz. Prints req/s and
// p50/p99 per route, the /healthz p99, timeouts and the server's own VmHWM. Baseline in the same
// run: the same load against the same server with every heavy read in process (ATLAS_READ_WORKERS=0).
// Targets: /healthz p99 <= 50 ms, no timeouts, RSS <= 256 MB.
// The .sqlite dump is not built beforehand (its first build takes minutes at 1M EVSEs): the load
// meets its build running in a worker thread, and its requests get the 503 `building` a first
// build answers after 15 s.
//
//   flock /work/quiet.lock nice -n 5 npm run bench -- load     (BENCH_LOAD_SECONDS, default 25;
//   BENCH_LOAD_PHASES=workers skips the in-process baseline, for quick profiling runs only;
//   BENCH_LOAD_CPU_PROF=DIR writes a CPU profile of the server's main thread there)
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { eventsAfter } from '../../src/db/queries/status.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import type { ThreadMemory } from '../../src/node/read-worker.js';
import { defaultReadWorkers } from '../../src/node/read-workers.js';
import { buildNode, NODE_FLAGS } from '../build-node.mjs';
import { syntheticBenchDb } from './synthetic-db.js';

const EVSES = 1_000_000;
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 25);
/** A client gives up on an answer after this long: a timeout, which the target says never happens. */
const CLIENT_TIMEOUT_S = 20;
/** SSE clients resume this many events behind the newest (within the 10,000 replay cap). */
const REPLAY_DEPTH = 5_000;
const log = (m: string) => console.log(m);

/** The k-th box of a pan over the dense area: never the same URL twice, so never a cache hit. */
function boxPath(k: number, filter = ''): string {
  const dx = ((k * 0.618_033_988_7) % 1) * 2;
  const dy = (k * 0.754_877_666_2) % 1;
  return `/v1/sites?bbox=${6 + dx},${50 + dy},${8 + dx},${51.5 + dy}&limit=1000${filter}`;
}

/**
 * Statistics over a few filters. None is answered within a 25 s phase, by design of this bench: it
 * starts a new server under full load, so each filter is asked for the first time with nothing to
 * serve yet (no answer file, no earlier answer; once computed, an answer is served at once until
 * the counts move: stats.ts STATS_FRESH_MS). Its first computation (the five queries of /v1/stats,
 * 7-8 s of CPU at 1M EVSEs on an idle machine, `npm run bench -- stats`) runs on the statistics
 * worker, WORKER_NICE (10) steps below the event loop and the page worker, which this load keeps
 * busy on both cores: Linux then gives it a weight of 110 against 1,024 for each of them, ~5 % of
 * a core, so the unfiltered answer alone needs minutes, and the four filtered ones queue behind it.
 * Each request meanwhile waits ATLAS_HEAVY_WAIT_MS (10 s) for a 503 `busy`. What the statistics
 * cost a loaded server is the share the priority leaves them, by design: pages before counts.
 */
const STATS = ['', '?country=DEU', '?country=FRA', '?country=NLD', '?connector=IEC_62196_T2_COMBO'];

/** The server's own figures: event-loop delay (ms) and peak memory (MB). */
export interface ServerFigures {
  loop: {
    p50: number;
    p99: number;
    max: number;
    heapMb: number;
    externalMb: number;
    mallocedMb: number;
    threads: Record<string, ThreadMemory>;
  } | null;
  rssMb: number | null;
  /** Peak of each child process of the server (tsx's compiler service; reported beside it). */
  childrenMb: number[];
}

export interface Server {
  url: string;
  stop(): Promise<ServerFigures>;
}

/** BENCH_LOAD_CPU_PROF=DIR: the server's main thread is profiled into DIR (for finding what blocks it). */
function profileArgs(): string[] {
  const dir = process.env.BENCH_LOAD_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** The server child built as `npm start` builds the server: plain JavaScript, workers beside it. */
export function buildServerChild(): string {
  return join(buildNode('dist/bench', ['scripts/bench/load-server-child.ts']), 'load-server-child.js');
}

export async function startServer(serverChild: string, file: string, workers: number): Promise<Server> {
  // The .sqlite dump's build writes GBs of temporary files there: removed with the server.
  const tmp = mkdtempSync(join(tmpdir(), 'atlas-load-'));
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, ...profileArgs(), serverChild, file, String(workers)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TMPDIR: tmp },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  for (;;) {
    const { value, done } = await lines.next();
    if (done) throw new Error('load server did not start');
    const m = /^port=(\d+)$/.exec(value);
    if (!m) continue;
    return {
      url: `http://127.0.0.1:${m[1]}`,
      async stop() {
        // The loop delay is asked for (an event loop stuck in a statistics query for minutes, as
        // the in-process baseline's can be, never answers: then it stays unknown). The memory is
        // read from outside: VmHWM is the child's own high-water mark.
        const loop = await loopFigures(child.pid!, lines);
        const rssMb = peakRssMbOf(child.pid!);
        const children = childPids(child.pid!);
        const childrenMb = children.map((pid) => peakRssMbOf(pid) ?? 0);
        // A profiled server exits by itself once it wrote its profile.
        if (process.env.BENCH_LOAD_CPU_PROF) {
          await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
        }
        child.kill('SIGKILL');
        // The dump build's child process outlives a killed server: it would load the next run.
        for (const pid of children) killQuietly(pid);
        await exited;
        rmSync(tmp, { recursive: true, force: true });
        return { loop, rssMb, childrenMb };
      },
    };
  }
}

async function loopFigures(pid: number, lines: AsyncIterator<string>): Promise<ServerFigures['loop']> {
  process.kill(pid, 'SIGUSR2');
  const late = new Promise<null>((resolve) => setTimeout(() => resolve(null), 3_000).unref());
  const answer = (async () => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) return null;
      if (value.startsWith('figures=')) return JSON.parse(value.slice(8)) as ServerFigures['loop'];
    }
  })();
  return Promise.race([answer, late]);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Processes the server started (their memory is not the server's: reported beside it). */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** A process's peak resident memory in MB (VmHWM of /proc/PID/status), as peak-memory.ts reads its own. */
function peakRssMbOf(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

interface RouteFigures {
  route: string;
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  refused: number;
  other: number;
  timeouts: number;
}

async function cannon(
  url: string,
  route: string,
  connections: number,
  path: (k: number) => string,
  headers: Record<string, string> = {},
): Promise<RouteFigures> {
  let k = 0;
  const r = await autocannon({
    url,
    connections,
    duration: SECONDS,
    timeout: CLIENT_TIMEOUT_S,
    headers: { 'accept-encoding': 'gzip', ...headers },
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path(k++) }) }],
  });
  const codes =
    (r as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  const count = (pred: (code: number) => boolean) =>
    Object.entries(codes).reduce((n, [code, s]) => (pred(Number(code)) ? n + s.count : n), 0);
  return {
    route,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    ok: count((c) => c < 300),
    refused: count((c) => c === 429 || c === 503),
    other: count((c) => c >= 300 && c !== 429 && c !== 503) + r.errors - r.timeouts,
    timeouts: r.timeouts,
  };
}

/**
 * SSE clients resuming REPLAY_DEPTH events back, each reading its replay and leaving, over and over.
 * A replay is complete when the client got `expected` events: those of published sites after
 * `fromId` (counted beforehand with the server's own query; the others are never sent).
 */
async function sseReplays(
  url: string,
  clients: number,
  fromId: number,
  expected: number,
): Promise<RouteFigures> {
  const times: number[] = [];
  let refused = 0;
  let other = 0;
  let timeouts = 0;
  const until = performance.now() + SECONDS * 1000;
  async function one(): Promise<void> {
    const started = performance.now();
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), CLIENT_TIMEOUT_S * 1000);
    try {
      const res = await fetch(`${url}/v1/availability/stream?bbox=-180,-90,180,90`, {
        headers: { accept: 'text/event-stream', 'last-event-id': String(fromId) },
        signal: ctl.signal,
      });
      if (res.status === 429 || res.status === 503) {
        refused++;
        await res.body?.cancel();
        return;
      }
      if (res.status !== 200 || !res.body) {
        other++;
        return;
      }
      // Done once the whole replay arrived, or at a `reset` (beyond the replay cap).
      let events = 0;
      let tail = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const text = tail + decoder.decode(chunk, { stream: true });
        if (text.includes('event: reset')) break;
        events += text.split('event: status').length - 1;
        tail = text.slice(-16);
        if (events >= expected) break;
      }
      times.push(performance.now() - started);
      ctl.abort();
    } catch {
      if (ctl.signal.aborted && performance.now() - started >= CLIENT_TIMEOUT_S * 1000) timeouts++;
    } finally {
      clearTimeout(timer);
    }
  }
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? Number.NaN;
  return {
    route: `SSE replay (${expected.toLocaleString('en')} events)`,
    rps: times.length / SECONDS,
    p50: at(0.5),
    p99: at(0.99),
    ok: times.length,
    refused,
    other,
    timeouts,
  };
}

export interface Probe {
  count: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

/** /healthz polled from 127.0.0.2 by a process of its own for `seconds`. */
export function healthProbe(url: string, seconds = SECONDS): Promise<Probe> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/bench/load-probe-child.ts', url, String(seconds)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as Probe);
      } catch (err) {
        reject(err);
      }
    });
  });
}

interface Phase {
  name: string;
  routes: RouteFigures[];
  health: Probe;
  server: ServerFigures;
}

interface Replay {
  from: number;
  expected: number;
}

interface Setup {
  serverChild: string;
  file: string;
  replay: Replay;
}

async function phase(name: string, workers: number, { serverChild, file, replay }: Setup): Promise<Phase> {
  const server = await startServer(serverChild, file, workers);
  let figures: Omit<Phase, 'server'>;
  let serverFigures: ServerFigures = { loop: null, rssMb: null, childrenMb: [] };
  try {
    log(`  ${name}: ${SECONDS} s of load`);
    const health = healthProbe(server.url);
    const routes = await Promise.all([
      cannon(server.url, 'bbox pages of 1,000, a new box each', 6, (k) => boxPath(k)),
      cannon(server.url, 'bbox pages, filtered (min_power_kw=50)', 2, (k) =>
        boxPath(k + 10_000, '&min_power_kw=50'),
      ),
      cannon(server.url, '/v1/stats (5 filters)', 2, (k) => `/v1/stats${STATS[k % STATS.length]}`),
      cannon(server.url, '/v1/dumps/sites.sqlite.gz', 1, () => '/v1/dumps/sites.sqlite.gz'),
      sseReplays(server.url, 4, replay.from, replay.expected),
    ]);
    figures = { name, routes, health: await health };
  } finally {
    serverFigures = await server.stop();
  }
  return { ...figures, server: serverFigures };
}

const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : '-');

function report(p: Phase): void {
  log(`\n${p.name}`);
  console.table(
    p.routes.map((r) => ({
      route: r.route,
      'req/s': r.rps.toFixed(1),
      p50: ms(r.p50),
      p99: ms(r.p99),
      '2xx': r.ok,
      '429/503': r.refused,
      other: r.other,
      timeouts: r.timeouts,
    })),
  );
  const timeouts = p.routes.reduce((n, r) => n + r.timeouts, 0) + p.health.errors;
  const rss = p.server.rssMb;
  const loop = p.server.loop;
  log(
    `  /healthz from 127.0.0.2: ${p.health.count} probes, p50 ${ms(p.health.p50)}, p99 ${ms(p.health.p99)} ` +
      `(target <= 50 ms: ${p.health.count > 0 && p.health.p99 <= 50 ? 'met' : 'NOT met'}), max ${ms(p.health.max)}, failed ${p.health.errors}`,
  );
  log(
    loop
      ? `  server event-loop delay: p50 ${ms(loop.p50)}, p99 ${ms(loop.p99)}, max ${ms(loop.max)}; ` +
          `main thread at the end: V8 heap ${loop.heapMb} MB, malloced ${loop.mallocedMb} MB, external ${loop.externalMb} MB`
      : '  server event-loop delay: unknown (the event loop did not answer within 3 s)',
  );
  for (const [slot, t] of Object.entries(loop?.threads ?? {})) {
    log(
      `  worker thread ${slot}: V8 heap ${t.heapMb} MB (largest after an answer ${t.peakHeapMb} MB), ` +
        `malloced ${t.mallocedMb} MB (peak ${t.peakMallocedMb} MB)`,
    );
  }
  log(`  timeouts: ${timeouts} (target 0: ${timeouts === 0 ? 'met' : 'NOT met'})`);
  log(
    `  server VmHWM (worker threads included): ${rss?.toFixed(0) ?? '?'} MB (target <= 256 MB: ${
      rss != null && rss <= 256 ? 'met' : 'NOT met'
    })`,
  );
  for (const mb of p.server.childrenMb)
    log(`  a child process of the server (not in that figure): VmHWM ${mb.toFixed(0)} MB`);
}

/** Status events a world-wide replay after `from` sends (the stream's own query, page by page). */
async function replayedEvents(db: Db, from: number): Promise<number> {
  const world = { minLon: -180, minLat: -90, maxLon: 180, maxLat: 90 };
  let n = 0;
  for (let cursor = from; ; ) {
    const { events, lastId } = await eventsAfter(db, cursor, 1_000, world);
    n += events.length;
    if (lastId === cursor) return n;
    cursor = lastId;
  }
}

export async function run(): Promise<void> {
  const file = await syntheticBenchDb(EVSES, log);
  const db = openSqlite(file, { readonly: true, migrate: false });
  const last = (await db.get<{ id: number }>('SELECT max(id) AS id FROM evse_status_events'))?.id ?? 0;
  const replay = { from: last - REPLAY_DEPTH, expected: await replayedEvents(db, last - REPLAY_DEPTH) };
  await db.close();
  const setup: Setup = { serverChild: buildServerChild(), file, replay };
  log(`load bench: ${EVSES.toLocaleString('en')} EVSEs, ${SECONDS} s per phase, newest event ${last}`);
  const phases: Phase[] = [];
  const all = [
    ['baseline: heavy reads in process (ATLAS_READ_WORKERS=0)', 0],
    [`heavy reads on worker threads (ATLAS_READ_WORKERS unset: ${defaultReadWorkers()})`, -1],
  ] as const;
  for (const [name, workers] of process.env.BENCH_LOAD_PHASES === 'workers' ? all.slice(1) : all) {
    phases.push(await phase(name, workers, setup));
  }
  for (const p of phases) report(p);
}
