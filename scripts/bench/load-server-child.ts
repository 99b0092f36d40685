// The server of the load bench, in its own process so its peak memory (VmHWM, worker threads
// included) is its own. It is the production HTTP stack of startServer (createApp, the Node hooks,
// heavy reads on worker threads, the real socket address as the client) without the syncs, the
// outbox and the status roll-up, which would write to the shared cached database.
// It runs built, as `npm start` runs the server: load.ts bundles it with the server's entries
// (scripts/build-node.mjs), so its worker threads load compiled modules too.
// Usage: node dist/bench/load-server-child.js DB READ_WORKERS   (-1: the default count)
// Prints `port=N`; on SIGUSR2 prints `figures={...}`: the event loop's delay (how long a ready
// callback such as a /healthz request waited for the thread) as p50/p99/max in ms, the main
// thread's heap and each worker thread's (as of its last answer). The bench reads the VmHWM from
// /proc and then kills it.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { serve } from '@hono/node-server';
import { createApp } from '../../src/api/app.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { nodeHttpOptions, socketClientIp } from '../../src/node/http-hooks.js';
import { startHeavyReads } from '../../src/node/read-workers.js';

const [file, workers] = process.argv.slice(2) as [string, string];

const db = openSqlite(file);
const heavy = startHeavyReads({ file, pageWorkers: Number(workers) < 0 ? undefined : Number(workers) });
const app = createApp({
  getDb: () => db,
  http: nodeHttpOptions({
    // One load client stands for many: the per-request limiter is opened wide, so the heavy-read
    // caps (per client, per route class) are what protects the server.
    rateLimit: { capacity: 1_000_000, refillPerSecond: 1_000_000 },
    clientIp: socketClientIp(),
    offload: heavy?.offload,
  }),
  streamReplay: heavy?.replayEvents,
});
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
process.on('SIGUSR2', () => {
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  const mem = process.memoryUsage();
  const mb = (b: number) => Math.round(b / 1e6);
  const figures = {
    p50: ms(delay.percentile(50)),
    p99: ms(delay.percentile(99)),
    max: ms(delay.max),
    // The main thread's own V8 heap and buffers: the rest of the VmHWM is workers, SQLite, code.
    heapMb: mb(mem.heapTotal),
    externalMb: mb(mem.external),
    mallocedMb: mb(getHeapStatistics().malloced_memory),
    threads: heavy?.memory() ?? {},
  };
  console.log(`figures=${JSON.stringify(figures)}`);
  // Profiling (BENCH_LOAD_CPU_PROF): --cpu-prof writes its profile at a normal exit only.
  if (process.env.BENCH_LOAD_CPU_PROF) setTimeout(() => process.exit(0), 200);
});
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => console.log(`port=${info.port}`));
