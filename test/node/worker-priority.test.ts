// Statistics worker threads run below the event loop's scheduling priority (WORKER_NICE nice steps),
// page workers at PAGE_WORKER_NICE while they are fewer than the cores, at WORKER_NICE when they
// could fill them all (module-worker.ts says why), so with every core busy the thread that answers
// /healthz still gets one first (Linux only:
// the nice value is per thread there, read from /proc/self/task/*/stat). And their V8 heap is
// capped: a worker over its cap ends, its request gets 503, the server goes on.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite.js';
import { BodyPool } from '../../src/node/body-pool.js';
import { createHeavyReads, DEFAULT_HEAVY_READS } from '../../src/node/heavy-reads.js';
import { PAGE_WORKER_NICE, pageWorkerNice, WORKER_NICE } from '../../src/node/module-worker.js';
import { createReadWorkers, READ_WORKER_LIMITS } from '../../src/node/read-workers.js';

const dir = mkdtempSync(join(tmpdir(), 'atlas-nice-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The nice value of each thread of this process (field 19 of its stat line). */
function niceOfThreads(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe("a page worker's priority", () => {
  it("is the event loop's while page workers leave a core free, WORKER_NICE below once they could fill every core", () => {
    expect(PAGE_WORKER_NICE).toBeLessThan(WORKER_NICE);
    expect(pageWorkerNice(1, 2)).toBe(PAGE_WORKER_NICE);
    expect(pageWorkerNice(7, 8)).toBe(PAGE_WORKER_NICE);
    expect(pageWorkerNice(2, 2)).toBe(WORKER_NICE);
    expect(pageWorkerNice(9, 8)).toBe(WORKER_NICE);
    // One core: the one page worker the default gives would share it with the event loop.
    expect(pageWorkerNice(1, 1)).toBe(WORKER_NICE);
  });
});

describe.runIf(existsSync('/proc/self/task'))('read worker priority', () => {
  const file = join(dir, 'atlas.db');
  /** Threads of this process `steps` nice steps below the event loop. */
  const at = (steps: number) => {
    const own = niceOfThreads()[0]!;
    return niceOfThreads().filter((n) => n === Math.min(19, own + steps)).length;
  };

  it('runs a statistics worker WORKER_NICE steps below the event loop, a page worker PAGE_WORKER_NICE (fewer page workers than cores)', async () => {
    await openSqlite(file).close();
    const own = niceOfThreads()[0]!;
    // One page worker on two cores: the default on this size of machine.
    const workers = createReadWorkers({ file }, READ_WORKER_LIMITS, new BodyPool(), 1, 2);
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

  it('runs a page worker WORKER_NICE steps below when page workers are as many as the cores', async () => {
    await openSqlite(file).close();
    const own = niceOfThreads()[0]!;
    // ATLAS_READ_WORKERS=2 on two cores.
    const workers = createReadWorkers({ file }, READ_WORKER_LIMITS, new BodyPool(), 2, 2);
    try {
      const lowBefore = at(WORKER_NICE);
      const page = await workers.execute('pages', 0, { url: 'http://localhost/healthz', accept: null });
      expect(page.status).toBe(200);
      // The page worker is the thread that appeared below (V8 may start helper threads at the
      // process's own priority meanwhile, so the count at PAGE_WORKER_NICE proves nothing here).
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
