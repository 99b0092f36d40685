// Worker thread: answers heavy public reads (heavy-reads.ts) with the same app as the main thread
// (a map's page without it, map-pages.ts: the same bytes and headers, tested against the app),
// over its own read-only connection, so a long query blocks this thread and not the event loop.
// Receives { url, accept, into } (or a page of an SSE replay), posts back { status, headers, body }
// and this thread's heap figures (ThreadMemory). The body is copied into slot `into` of the shared
// body pool when it fits (body-pool.ts: no new memory for the event loop), else its buffer is
// transferred. A map's page is copied in as its pieces (the frame's head, the features SQLite
// joined, the tail), so its features are not copied once more to join the frame first.
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { getRequestListener } from '@hono/node-server';
import pino from 'pino';
import { createApp } from '../api/app.js';
import { forgetFreshAnswers } from '../api/http/fresh-for.js';
import { renderedBytesOf } from '../api/http/middleware.js';
import { mapPageAnswer } from '../api/map-pages.js';
import { eventsAfter } from '../db/queries/status.js';
import { openSqlite } from '../db/sqlite.js';
import type { Logger } from '../log.js';
import { freeNow, type SharedBodies } from './body-pool.js';
import type { ReadRequest, ReplayRequest } from './heavy-reads.js';
import { lowerThreadPriority } from './module-worker.js';
import type { PostedTask } from './read-workers.js';

export interface ReadWorkerData {
  file: string;
  staleAfterS?: number;
  publicUrl?: string;
  /** The body pool's memory (read-workers.ts passes it; without it every body is transferred). */
  bodies?: SharedBodies;
  /** Nice steps below the event loop (module-worker.ts): pageWorkerNice for a page thread. */
  nice?: number;
}

const data = workerData as ReadWorkerData;
lowerThreadPriority(data.nice);
// The main connection's page cache is sized for writes; readers lean on the OS's page cache, so
// each worker's own stays small (its memory counts in the server's RSS).
const db = openSqlite(data.file, { readonly: true, migrate: false, cacheMb: 8 });
const log = pino({ level: 'warn', base: { service: 'atlas', thread: 'read-worker' } }) as unknown as Logger;
const app = createApp({
  getDb: () => db,
  log,
  staleAfterS: data.staleAfterS,
  publicUrl: data.publicUrl,
  // Limits, caching and compression are the main thread's: it admitted the request already.
  http: { rateLimit: false, responseCache: false },
});

// The same Request and Response classes as the main thread's server (@hono/node-server swaps them
// in globally when it builds a listener): undici's Response copies a body given as bytes (700 KB
// per bbox page, ~3% of this thread's time under load, and garbage that drives its collections);
// @hono/node-server's holds the bytes as given.
getRequestListener(app.fetch);

/** A worker's answer before it is posted: its body whole, or in pieces to be copied one after the other. */
interface Rendered {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer> | null;
  pieces?: Uint8Array[];
}

async function render(req: ReadRequest): Promise<Rendered> {
  // A map's page (most of what this thread renders) without the app around it: the same answer.
  const page = await mapPageAnswer(db, req.url, req.accept, new Date());
  if (page) return { status: page.status, headers: page.headers, body: null, pieces: page.pieces };
  if (req.renew) forgetFreshAnswers(db);
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (req.accept) headers.accept = req.accept;
  const res = await app.request(req.url, { headers });
  // A rendered page or tile is posted as its bytes (transferred), not read back out of the Response.
  const rendered = renderedBytesOf(res);
  const body = rendered ? ownBuffer(rendered) : res.body ? new Uint8Array(await res.arrayBuffer()) : null;
  const out: Record<string, string> = {};
  // The main thread gives the request its own id.
  for (const [k, v] of res.headers) if (k !== 'x-request-id') out[k] = v;
  return { status: res.status, headers: out, body };
}

/** Bytes that can be transferred whole: a view of part of a larger buffer (a pooled Buffer) is copied. */
function ownBuffer(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  // new Uint8Array(view) copies; a Buffer's slice() would be a view of the same buffer.
  return ownsBuffer(bytes) ? bytes : new Uint8Array(bytes);
}

const ownsBuffer = (bytes: Uint8Array) =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;

/** The pieces joined, as bytes of their own (a body posted by transfer). */
function joined(pieces: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A replay page's query takes 100-250 ms on 1M EVSEs (random reads of locations and EVSEs). */
async function replayPage({ replay: r }: ReplayRequest): Promise<Rendered> {
  const page = await eventsAfter(db, r.afterId, r.limit, r.bbox);
  return { status: 200, headers: {}, body: new TextEncoder().encode(JSON.stringify(page)) };
}

/** This thread's V8 heap in MB, and the largest it has been after a task (for the load bench). */
export interface ThreadMemory {
  heapMb: number;
  peakHeapMb: number;
  /** Memory V8 allocated with malloc (compiled code, zones): also this thread's, outside the heap. */
  mallocedMb: number;
  peakMallocedMb: number;
}

let peakHeapMb = 0;

function threadMemory(): ThreadMemory {
  const h = getHeapStatistics();
  const mb = (b: number) => Math.round(b / 1e5) / 10;
  peakHeapMb = Math.max(peakHeapMb, mb(h.total_heap_size));
  return {
    heapMb: mb(h.total_heap_size),
    peakHeapMb,
    mallocedMb: mb(h.malloced_memory),
    peakMallocedMb: mb(h.peak_malloced_memory),
  };
}

/**
 * Copies a successful answer's body (or its pieces, one after the other) into pool slot `into`
 * when there is one and it fits; its length, else undefined. Refusals and errors are small, and
 * the main thread may read them as a stream, which cannot carry shared memory: they are transferred.
 */
function pooled(a: Rendered, into: number | undefined): number | undefined {
  const pool = data.bodies;
  const pieces = a.pieces ?? (a.body ? [a.body] : null);
  if (!pieces || !pool || into == null || into < 0) return undefined;
  if (a.status < 200 || a.status >= 300) return undefined;
  let length = 0;
  for (const p of pieces) length += p.byteLength;
  if (length > pool.slotBytes) return undefined;
  let at = into * pool.slotBytes;
  for (const p of pieces) {
    new Uint8Array(pool.buffer, at, p.byteLength).set(p);
    at += p.byteLength;
  }
  return length;
}

/** The body copied into the pool before the last one: freed when the next one is copied. */
let spent: ArrayBuffer | undefined;

/**
 * Frees a body copied into the pool, one answer late. Left to the collector, each 700 KB body
 * counted against this thread's heap until its next collection, and the server's 20 % heap
 * growth (NODE_FLAGS) made that a mark-compact every few pages. Freed at once, it made glibc give
 * the memory back and fault it in again for the next page's statement (4-5x slower, measured:
 * ~10 ms per page against ~2): one late, the next page's buffers reuse it.
 */
function spendBody(buffer: ArrayBuffer) {
  if (spent) freeNow(spent);
  spent = buffer;
}

/** The largest of an answer's buffers (a page's features): the one worth freeing at once. */
function largest(a: Rendered): ArrayBuffer | undefined {
  const all = a.pieces ?? (a.body ? [a.body] : []);
  const big = all.reduce<Uint8Array | undefined>(
    (m, p) => (m && m.byteLength >= p.byteLength ? m : p),
    undefined,
  );
  // Never a view of a larger buffer: freeing that would free what else it holds (Node's Buffer pool).
  return big && ownsBuffer(big) ? (big.buffer as ArrayBuffer) : undefined;
}

parentPort?.on('message', async (task: PostedTask) => {
  try {
    const a = 'replay' in task ? await replayPage(task) : await render(task);
    const { pieces: _, ...answer } = a;
    const length = pooled(a, task.into);
    const big = largest(a);
    if (length != null) {
      if (big) spendBody(big);
      parentPort?.postMessage({
        ok: true,
        id: task.id,
        ...answer,
        body: null,
        pooled: length,
        memory: threadMemory(),
      });
      return;
    }
    // Not pooled: one buffer, transferred (its pieces joined first; they are then spent).
    const body = a.pieces ? joined(a.pieces) : a.body;
    if (a.pieces && big) spendBody(big);
    parentPort?.postMessage(
      { ok: true, id: task.id, ...answer, body, memory: threadMemory() },
      body ? [body.buffer] : [],
    );
  } catch (err) {
    parentPort?.postMessage({
      ok: false,
      id: task.id,
      error: (err as Error).message,
      memory: threadMemory(),
    });
  }
});
