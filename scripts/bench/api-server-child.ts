// A server for the API bench's HTTP throughput, in its own process so its peak memory is its own
// and the load generator does not share its event loop.
// Built by api.ts as the server is (scripts/build-node.mjs) and run from dist/bench/.
// Usage: node dist/bench/api-server-child.js atlas DB   (the atlas, response cache off, pages
//          rendered on the event loop)
//        node dist/bench/api-server-child.js atlas-workers DB (the same, pages rendered by the
//          Node host's read workers as `atlas serve` does; no statistics warm-up competing for CPU)
//        node dist/bench/api-server-child.js plain FILE (plain node:http serving FILE's bytes)
// Prints `port=N`; on SIGTERM prints one JSON line { peakRssMb } and exits.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from '../../src/api/app.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { BodyPool } from '../../src/node/body-pool.js';
import { createHeavyReads, DEFAULT_HEAVY_READS } from '../../src/node/heavy-reads.js';
import { nodeHttpOptions } from '../../src/node/http-hooks.js';
import {
  createReadWorkers,
  defaultReadWorkers,
  PAGE_SLOTS_PER_WORKER,
  READ_WORKER_LIMITS,
} from '../../src/node/read-workers.js';
import { ownPeakRssMb } from './peak-memory.js';

const [mode, file] = process.argv.slice(2) as ['atlas' | 'atlas-workers' | 'plain', string];

function plain(): void {
  const bytes = readFileSync(file);
  const server = createServer((_req, res) => {
    res.writeHead(200, {
      'Content-Type': 'application/geo+json; charset=utf-8',
      'Content-Length': bytes.length,
    });
    res.end(bytes);
  });
  server.listen(0, '127.0.0.1', () => console.log(`port=${(server.address() as AddressInfo).port}`));
}

/** The server's heavy-read lanes (src/node/read-workers.ts startHeavyReads) without its warm-up. */
function readWorkers() {
  const workers = createReadWorkers({ file }, READ_WORKER_LIMITS, new BodyPool(), defaultReadWorkers());
  const d = DEFAULT_HEAVY_READS;
  return createHeavyReads({
    ...d,
    lanes: { ...d.lanes, pages: { ...d.lanes.pages, workers: defaultReadWorkers() * PAGE_SLOTS_PER_WORKER } },
    // The load generator is one client with 10 connections.
    perClient: 64,
    execute: workers.execute,
  });
}

function atlas(withWorkers: boolean): void {
  const db = openSqlite(file);
  const offload = withWorkers ? readWorkers().offload : undefined;
  const app = createApp({
    getDb: () => db,
    http: nodeHttpOptions({ rateLimit: false, responseCache: false, offload }),
  });
  serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => console.log(`port=${info.port}`));
}

if (mode === 'plain') plain();
else atlas(mode === 'atlas-workers');
process.once('SIGTERM', () => {
  console.log(JSON.stringify({ peakRssMb: ownPeakRssMb() }));
  process.exit(0);
});
