// Statistics worker threads run below the event loop's scheduling priority (WORKER_NICE nice steps),
// page workers at PAGE_WORKER_NICE (module-worker.ts says why), so with every core busy the thread
// that answers /healthz still gets one first (Linux only:
// the nice value is per thread there, read from /proc/self/task/*/stat). And their V8 heap is
// capped: a worker over its cap ends, its request gets 503, the server goes on.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite.js';
import { createHeavyReads, DEFAULT_HEAVY_READS } from '../../src/node/heavy-reads.js';
import { PAGE_WORKER_NICE, WORKER_NICE } from '../../src/node/module-worker.js';
import { createReadWorkers } from '../../src/node/read-workers.js';

const dir = mkdtempSync(join(tmpdir(), 'atlas-nice-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The nice value of each thread of this process (field 19 of its stat line). */
function niceOfThreads(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe.runIf(existsSync('/proc/self/task'))('read worker priority', () => {
  it('runs a statistics worker WORKER_NICE steps below the event loop, a page worker PAGE_WORKER_NICE', async () => {
    const file = join(dir, 'atlas.db');
    await openSqlite(file).close();
    const own = niceOfThreads()[0]!;
    const at = (steps: number) => niceOfThreads().filter((n) => n === Math.min(19, own + steps)).length;
    const workers = createReadWorkers({ file });
    try {
      const lowBefore = at(WORKER_NICE);
      const pageBefore = at(PAGE_WORKER_NICE);
      // A request starts the slot's thread; its answer means the thread is running.
      const page = await workers.execute('pages', 0, { url: 'http://localhost/healthz', accept: null });
      expect(page.status).toBe(200);
      expect(at(PAGE_WORKER_NICE)).toBeGreaterThan(pageBefore);
      expect(at(WORKER_NICE)).toBe(lowBefore);
      const stats = await workers.execute('aggregates', 0, { url: 'http://localhost/healthz', accept: null });
      expect(stats.status).toBe(200);
      expect(at(WORKER_NICE)).toBeGreaterThan(lowBefore);
      expect(niceOfThreads()[0]).toBe(own);
    } finally {
      await workers.close();
    }
  });
});

describe('a read worker over its heap limit', () => {
  it('fails its request with 503 and the server goes on, the next request getting a new worker', async () => {
    const file = join(dir, 'limits.db');
    await openSqlite(file).close();
    // An old generation of 4 MB cannot hold the app's modules: the worker ends out of memory.
    const workers = createReadWorkers({ file }, { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 4 });
    const heavy = createHeavyReads({ ...DEFAULT_HEAVY_READS, execute: workers.execute });
    const get = () => heavy.offload(new Request('http://localhost/v1/sites?bbox=0,0,1,1'), 'client')!;
    try {
      await expect(
        workers.execute('pages', 0, { url: 'http://localhost/healthz', accept: null }),
      ).rejects.toMatchObject({ code: 'ERR_WORKER_OUT_OF_MEMORY' });
      for (let i = 0; i < 2; i++) {
        const a = await get();
        expect(a.status).toBe(503);
        expect(JSON.parse(new TextDecoder().decode(a.body!)).error.code).toBe('unavailable');
      }
      // This process (the server) is alive and its own event loop answers.
      expect(await new Promise((r) => setImmediate(() => r('alive')))).toBe('alive');
    } finally {
      await workers.close();
    }
  });
});
