// Worker thread: answers heavy public reads (heavy-reads.ts) with the same app as the main thread,
// over its own read-only connection, so a long query blocks this thread and not the event loop.
// Receives { url, accept }, posts back { status, headers, body } (the body's buffer transferred).
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { createApp } from '../api/app.js';
import { openSqlite } from '../db/sqlite.js';
import type { Logger } from '../log.js';
import type { ReadRequest } from './heavy-reads.js';

export interface ReadWorkerData {
  file: string;
  staleAfterS?: number;
  publicUrl?: string;
}

const data = workerData as ReadWorkerData;
const db = openSqlite(data.file, { readonly: true, migrate: false });
// The main connection's 64 MB page cache is sized for writes; readers lean on the OS's page
// cache, so each worker's own stays small (its memory counts in the server's RSS).
await db.batch([{ sql: 'PRAGMA cache_size = -8192', params: [] }]);
const log = pino({ level: 'warn', base: { service: 'atlas', thread: 'read-worker' } }) as unknown as Logger;
const app = createApp({
  getDb: () => db,
  log,
  staleAfterS: data.staleAfterS,
  publicUrl: data.publicUrl,
  // Limits, caching and compression are the main thread's: it admitted the request already.
  http: { rateLimit: false, responseCache: false },
});

parentPort?.on('message', async (req: ReadRequest) => {
  try {
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (req.accept) headers.accept = req.accept;
    const res = await app.request(req.url, { headers });
    const body = res.body ? new Uint8Array(await res.arrayBuffer()) : null;
    const out: Record<string, string> = {};
    // The main thread gives the request its own id.
    for (const [k, v] of res.headers) if (k !== 'x-request-id') out[k] = v;
    parentPort?.postMessage({ ok: true, status: res.status, headers: out, body }, body ? [body.buffer] : []);
  } catch (err) {
    parentPort?.postMessage({ ok: false, error: (err as Error).message });
  }
});
