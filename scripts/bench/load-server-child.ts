// The server of the load bench, in its own process so its peak memory (VmHWM, worker threads
// included) is its own. It is the production HTTP stack of startServer (createApp, the Node hooks,
// heavy reads on worker threads, the real socket address as the client) without the syncs, the
// outbox and the status roll-up, which would write to the shared cached database.
// Usage: tsx scripts/bench/load-server-child.ts DB READ_WORKERS
// Prints `port=N`; the bench reads its VmHWM from /proc and then kills it.
import { serve } from '@hono/node-server';
import { createApp } from '../../src/api/app.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { nodeHttpOptions, socketClientIp } from '../../src/node/http-hooks.js';
import { startHeavyReads } from '../../src/node/read-workers.js';

const [file, workers] = process.argv.slice(2) as [string, string];

const db = openSqlite(file);
const heavy = startHeavyReads({ file, pageWorkers: Number(workers) });
const app = createApp({
  getDb: () => db,
  http: nodeHttpOptions({
    // One load client stands for many: the per-request limiter is opened wide, so the heavy-read
    // caps (per client, per route class) are what protects the server.
    rateLimit: { capacity: 1_000_000, refillPerSecond: 1_000_000 },
    clientIp: socketClientIp(),
    offload: heavy?.offload,
  }),
});
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => console.log(`port=${info.port}`));
