// The tile server of the tiles bench in its own process, so its peak RSS (VmHWM) is the serving's
// alone. Usage: tsx scripts/bench/tiles-child.ts DB NOW (the serving clock) -> prints {"url"} once listening; on a line on
// stdin prints {"vmHwmMb"} and exits.
import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { createApp } from '../../src/api/app.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { nodeHttpOptions } from '../../src/node/http-hooks.js';

const db = openSqlite(process.argv[2]!);
const app = createApp({
  getDb: () => db,
  clock: () => new Date(process.argv[3]!),
  http: nodeHttpOptions({ rateLimit: false, responseCache: false }),
});
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${info.port}` }));
});
process.stdin.once('data', () => {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  console.log(JSON.stringify({ vmHwmMb: Number(hwm) / 1024 }));
  server.close();
  void db.close().then(() => process.exit(0));
});
