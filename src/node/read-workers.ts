// The worker threads behind heavy-reads.ts: one per lane slot, started on first use, each with its
// own read-only connection (read-worker.ts). A slot renders one request at a time (heavy-reads.ts
// never hands a busy slot another), so a reply is the answer to the request it was sent.
import type { Worker } from 'node:worker_threads';
import type { OffloadedAnswer } from '../api/http/options.js';
import {
  createHeavyReads,
  DEFAULT_HEAVY_READS,
  type HeavyReadOptions,
  type Lane,
  type ReadRequest,
} from './heavy-reads.js';
import type { ReadWorkerData } from './read-worker.js';
import { startTsWorker } from './ts-worker.js';

const WORKER = new URL('./read-worker.ts', import.meta.url).href;

type Reply = ({ ok: true } & OffloadedAnswer) | { ok: false; error: string };

export function createReadWorkers(data: ReadWorkerData) {
  const slots = new Map<string, Worker>();

  function workerFor(key: string): Worker {
    let w = slots.get(key);
    if (!w) {
      w = startTsWorker(WORKER, data);
      // An idle worker does not keep the process alive; close() ends them on shutdown.
      w.unref();
      slots.set(key, w);
    }
    return w;
  }

  const execute: HeavyReadOptions['execute'] = (lane: Lane, slot: number, req: ReadRequest) => {
    const key = `${lane}/${slot}`;
    const w = workerFor(key);
    return new Promise<OffloadedAnswer>((resolve, reject) => {
      const failed = (err: Error) => {
        cleanup();
        // A crashed worker is replaced at the slot's next request.
        slots.delete(key);
        reject(err);
      };
      const exited = (code: number) => failed(new Error(`read worker exited with ${code}`));
      const replied = (m: Reply) => {
        cleanup();
        if (m.ok) resolve({ status: m.status, headers: m.headers, body: m.body });
        else reject(new Error(m.error));
      };
      const cleanup = () => {
        w.off('message', replied);
        w.off('error', failed);
        w.off('exit', exited);
      };
      w.on('message', replied);
      w.on('error', failed);
      w.on('exit', exited);
      w.postMessage(req);
    });
  };

  return {
    execute,
    async close(): Promise<void> {
      const all = [...slots.values()];
      slots.clear();
      await Promise.all(all.map((w) => w.terminate()));
    },
  };
}

export interface HeavyReadSettings extends ReadWorkerData {
  /** Worker threads rendering pages, tiles and items (ATLAS_READ_WORKERS); 0 renders in process. */
  pageWorkers: number;
  perClient?: number;
  maxWaitMs?: number;
}

/** Heavy reads on worker threads for the server; null where they stay in process. */
export function startHeavyReads(s: HeavyReadSettings) {
  // A worker needs the database file: an in-memory database exists only on this thread.
  if (s.pageWorkers === 0 || s.file === ':memory:') return null;
  const workers = createReadWorkers({ file: s.file, staleAfterS: s.staleAfterS, publicUrl: s.publicUrl });
  const d = DEFAULT_HEAVY_READS;
  const heavy = createHeavyReads({
    lanes: { ...d.lanes, pages: { ...d.lanes.pages, workers: s.pageWorkers } },
    perClient: s.perClient ?? d.perClient,
    maxWaitMs: s.maxWaitMs ?? d.maxWaitMs,
    execute: workers.execute,
  });
  return { offload: heavy.offload, close: workers.close };
}
