// A server for the API bench's HTTP throughput, in its own process so its peak memory is its own
// and the load generator does not share its event loop.
// Usage: tsx scripts/bench/api-server-child.ts atlas DB   (the atlas, response cache off)
//        tsx scripts/bench/api-server-child.ts plain FILE (plain node:http serving FILE's bytes)
// Prints `port=N`; on SIGTERM prints one JSON line { peakRssMb } and exits.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from '../../src/api/app.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { nodeHttpOptions } from '../../src/node/http-hooks.js';
import { ownPeakRssMb } from './peak-memory.js';

const [mode, file] = process.argv.slice(2) as ['atlas' | 'plain', string];

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

function atlas(): void {
  const db = openSqlite(file);
  const app = createApp({
    getDb: () => db,
    http: nodeHttpOptions({ rateLimit: false, responseCache: false }),
  });
  serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => console.log(`port=${info.port}`));
}

if (mode === 'plain') plain();
else atlas();
process.once('SIGTERM', () => {
  console.log(JSON.stringify({ peakRssMb: ownPeakRssMb() }));
  process.exit(0);
});
