// The worker threads behind heavy-reads.ts, started on first use, each with its own read-only
// connection (read-worker.ts). A statistics slot is a thread of its own; a page thread holds
// PAGE_SLOTS_PER_WORKER page slots (it starts its next page as it posts one), so every task carries
// an id and a reply goes to the request of the task it names. A thread that ends (a crash, its
// heap cap) fails every task it held: each of their requests gets a 503.
//
// Threads cost memory: each is a V8 isolate with the app's modules loaded (about 40 MB measured
// idle from the built modules, 45-78 MB under tsx which compiled the app again in every thread)
// plus what its queries allocate. Their count is bounded by design (defaultReadWorkers) and each
// one's V8 heap is capped (resourceLimits).
import { availableParallelism } from 'node:os';
import type { ResourceLimits, Worker } from 'node:worker_threads';
import type { OffloadedAnswer } from '../api/http/options.js';
import type { EventsReader } from '../live/availability-stream.js';
import { BodyPool, freeNow } from './body-pool.js';
import {
  createHeavyReads,
  DEFAULT_HEAVY_READS,
  type HeavyReadOptions,
  type Lane,
  type WorkerTask,
} from './heavy-reads.js';
import { DEFAULT_LAST_ANSWERS, type LastAnswerOptions } from './last-answers.js';
import { pageWorkerNice, siblingModule, startModuleWorker, WORKER_NICE } from './module-worker.js';
import type { ReadWorkerData, ThreadMemory } from './read-worker.js';

const WORKER = siblingModule('read-worker', import.meta.url);

/**
 * A read worker's V8 heap: a young generation of 8 MB (V8's default grows to 3 x 16 MB under load,
 * per thread) and an old generation far above what a page of 10,000 sites needs. A worker over
 * it ends, its request gets 503 and the slot starts a new one.
 */
export const READ_WORKER_LIMITS: ResourceLimits = {
  maxYoungGenerationSizeMb: 8,
  maxOldGenerationSizeMb: 256,
};

/**
 * Page workers when ATLAS_READ_WORKERS is unset: one core fewer than the machine has (at least
 * one), so the event loop that answers everyone keeps a core while every worker is busy; at most
 * 16, the same cap as the setting, as each worker is an isolate of 45-78 MB.
 */
export function defaultReadWorkers(): number {
  return Math.min(16, Math.max(1, availableParallelism() - 1));
}

/**
 * A worker's answer: its body transferred, or (`pooled`, its length) written into the slot of the
 * body pool the task named (body-pool.ts).
 */
type Reply = (({ ok: true; pooled?: number } & OffloadedAnswer) | { ok: false; error: string }) & {
  /** The task's id. */
  id: number;
  memory?: ThreadMemory;
};

/**
 * A task as posted: `id` names its reply (a page worker holds more than one task), `into` is the
 * body pool's slot the worker may write its body into (-1: none).
 */
export type PostedTask = WorkerTask & { id: number; into?: number };

/**
 * Page lane slots per page worker thread: a thread holds the next page while it renders one, so it
 * starts it as soon as it has posted an answer instead of idling while the event loop takes that
 * answer and sends another. It renders them one after the other all the same (each runs to its
 * answer without waiting on I/O: better-sqlite3 is synchronous).
 */
export const PAGE_SLOTS_PER_WORKER = 2;

/**
 * Frees a body transferred from a worker (one larger than a pool slot, or sent while every slot
 * was lent) as soon as it is spent. It would be freed only by this thread's next full collection:
 * under the load bench, bodies still held ~45 MB at its peak (most had outlived two scavenges
 * while they were written, so they sat in the old generation).
 */
function releaser(body: Uint8Array<ArrayBuffer> | null): (() => void) | undefined {
  if (!body) return undefined;
  return () => freeNow(body.buffer);
}

/**
 * `limits`: each worker's V8 heap (tests give one too small to hold the app). `bodies`: the pool
 * the workers write page bodies into (tests pass a small one to see its slots come back).
 * `cores`: the machine's, which with `pageThreads` sets the page workers' priority
 * (pageWorkerNice; tests pass their own).
 */
export function createReadWorkers(
  data: ReadWorkerData,
  limits: ResourceLimits = READ_WORKER_LIMITS,
  bodies: BodyPool = new BodyPool(),
  pageThreads = 1,
  cores = availableParallelism(),
) {
  const slots = new Map<string, Worker>();
  /** Tasks posted to each thread and not answered yet. */
  const inFlight = new Map<string, number>();

  /**
   * The thread for a task of `lane` on `slot`. A page slot is not tied to a thread: a page goes to
   * the page thread with the fewest tasks (the lowest first), so two pages at once are rendered by
   * two threads where there are two, never queued on one while another idles.
   */
  function threadKey(lane: Lane, slot: number): string {
    if (lane !== 'pages') return `${lane}/${slot}`;
    let best = 'pages/0';
    for (let t = 0; t < pageThreads; t++) {
      const key = `pages/${t}`;
      if ((inFlight.get(key) ?? 0) < (inFlight.get(best) ?? 0)) best = key;
    }
    return best;
  }
  /** Each slot's heap figures at its last reply (a replaced worker starts its own). */
  const memory = new Map<string, ThreadMemory>();

  function workerFor(key: string): Worker {
    let w = slots.get(key);
    if (!w) {
      const nice = key.startsWith('pages/') ? pageWorkerNice(pageThreads, cores) : WORKER_NICE;
      w = startModuleWorker(WORKER, { ...data, bodies: bodies.shared, nice }, limits);
      // An idle worker does not keep the process alive; close() ends them on shutdown.
      w.unref();
      slots.set(key, w);
    }
    return w;
  }

  let lastId = 0;
  const execute: HeavyReadOptions['execute'] = (lane: Lane, slot: number, req: WorkerTask) => {
    const key = threadKey(lane, slot);
    const w = workerFor(key);
    const id = ++lastId;
    inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
    // Replay pages are parsed here, not sent: only rendered answers take a slot.
    const into = 'url' in req ? bodies.take() : -1;
    return new Promise<OffloadedAnswer>((resolve, reject) => {
      const failed = (err: Error) => {
        cleanup();
        bodies.give(into);
        // A crashed worker is replaced at the slot's next request; its heap figures went with it.
        slots.delete(key);
        memory.delete(key);
        reject(err);
      };
      const exited = (code: number) => failed(new Error(`read worker exited with ${code}`));
      const replied = (m: Reply) => {
        if (m.id !== id) return;
        cleanup();
        if (m.memory) memory.set(key, m.memory);
        if (m.ok && m.pooled != null) {
          resolve({ status: m.status, headers: m.headers, ...bodies.lend(into, m.pooled) });
          return;
        }
        bodies.give(into);
        if (m.ok) resolve({ status: m.status, headers: m.headers, body: m.body, release: releaser(m.body) });
        else reject(new Error(m.error));
      };
      const cleanup = () => {
        inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
        w.off('message', replied);
        w.off('error', failed);
        w.off('exit', exited);
      };
      w.on('message', replied);
      w.on('error', failed);
      w.on('exit', exited);
      w.postMessage({ ...req, id, into } satisfies PostedTask);
    });
  };

  return {
    execute,
    /** Heap figures of each worker thread by slot (`lane/slot`), as of its last answer. */
    memory: () => Object.fromEntries(memory),
    /** Body pool slots not lent to an answer (tests: all of them once every answer is out). */
    freeBodySlots: () => bodies.available,
    async close(): Promise<void> {
      const all = [...slots.values()];
      slots.clear();
      await Promise.all(all.map((w) => w.terminate()));
    },
  };
}

export interface HeavyReadSettings extends ReadWorkerData {
  /**
   * Worker threads rendering pages, tiles and items (ATLAS_READ_WORKERS); 0 renders in process.
   * Default: defaultReadWorkers().
   */
  pageWorkers?: number;
  perClient?: number;
  maxWaitMs?: number;
  /** The statistics' last answers of an earlier server, and where to save them (answer-file.ts). */
  lastAnswers?: Pick<LastAnswerOptions, 'restored' | 'onChange'>;
}

/**
 * Statistics are precomputed: the statistics worker computes /v1/stats as the server starts (7-8 s of
 * CPU on 1M EVSEs, 16-17 s before session 16; 90 s of wall time on a loaded 2-core machine before),
 * and from then on answers it from that result, refreshed
 * in the background at most once a minute (fresh-for.ts). A request meanwhile waits at most
 * ATLAS_HEAVY_WAIT_MS (503 `busy` after it); once a client had an answer, a request the busy
 * worker does not answer within a second gets the last one (last-answers.ts). `renew` computes
 * them anew at once, for the server's first sync: the warm-up ran on the data held before it. The
 * lane runs its tasks in order, so a request made after this call is answered from the new
 * computation.
 */
function statistics(heavy: ReturnType<typeof createHeavyReads>, renew: boolean): Promise<number> {
  const url = 'http://localhost/v1/stats';
  // The event loop's copies of earlier answers are as stale: none may stand in for the new one.
  if (renew) heavy.forgetLastAnswers();
  return heavy
    .run('aggregates', `${renew ? 'renew' : 'warm'}|${url}`, { url, accept: 'application/json', renew })
    .then((a) => {
      a.release?.();
      return a.status;
    })
    .catch(() => 500);
}

/** The error code of a refusal's JSON body, if it has one. */
function refusalCode(a: OffloadedAnswer): string | undefined {
  if (!a.body || !a.headers['content-type']?.includes('json')) return undefined;
  try {
    return (JSON.parse(new TextDecoder().decode(a.body)) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** Heavy reads on worker threads for the server; null where they stay in process. */
export function startHeavyReads(s: HeavyReadSettings) {
  const pageWorkers = s.pageWorkers ?? defaultReadWorkers();
  // A worker needs the database file: an in-memory database exists only on this thread.
  if (pageWorkers === 0 || s.file === ':memory:') return null;
  const workers = createReadWorkers(
    { file: s.file, staleAfterS: s.staleAfterS, publicUrl: s.publicUrl },
    READ_WORKER_LIMITS,
    new BodyPool(),
    pageWorkers,
  );
  const d = DEFAULT_HEAVY_READS;
  const heavy = createHeavyReads({
    lanes: { ...d.lanes, pages: { ...d.lanes.pages, workers: pageWorkers * PAGE_SLOTS_PER_WORKER } },
    perClient: s.perClient ?? d.perClient,
    maxWaitMs: s.maxWaitMs ?? d.maxWaitMs,
    execute: workers.execute,
    lastAnswers: { ...DEFAULT_LAST_ANSWERS, ...s.lastAnswers },
  });
  /** SSE replay pages are read by the page workers; null (retry later) when they are full. */
  const replayEvents: EventsReader = async (afterId, limit, bbox) => {
    const key = `replay|${afterId}|${limit}|${bbox.minLon},${bbox.minLat},${bbox.maxLon},${bbox.maxLat}`;
    const a = await heavy.run('pages', key, { replay: { afterId, limit, bbox } });
    if (a.status === 200 && a.body) return JSON.parse(new TextDecoder().decode(a.body));
    // Only a full lane is worth asking again; a failed rendering ends the replay (logged, dropped).
    if (refusalCode(a) === 'busy') return null;
    throw new Error(`the replay page could not be read (${a.status} ${refusalCode(a) ?? ''})`);
  };
  /** The status of the statistics computed as the server started (tests). */
  const warmed = statistics(heavy, false);
  return {
    offload: heavy.offload,
    replayEvents,
    warmed,
    renewStatistics: () => statistics(heavy, true),
    memory: workers.memory,
    freeBodySlots: workers.freeBodySlots,
    close: workers.close,
  };
}
