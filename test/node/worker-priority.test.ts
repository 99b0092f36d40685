// Read worker threads run below the event loop's scheduling priority (WORKER_NICE nice steps), so
// with every core rendering, the thread that answers /healthz still gets one at once. Linux only:
// the nice value is per thread there, read from /proc/self/task/*/stat.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite.js';
import { WORKER_NICE } from '../../src/node/module-worker.js';
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
  it('runs each read worker thread WORKER_NICE steps below the event loop', async () => {
    const file = join(dir, 'atlas.db');
    await openSqlite(file).close();
    const own = niceOfThreads()[0]!;
    const workers = createReadWorkers({ file });
    try {
      const before = niceOfThreads().filter((n) => n > own).length;
      // A request starts the slot's thread; its answer means the thread is running.
      const a = await workers.execute('pages', 0, { url: 'http://localhost/healthz', accept: null });
      expect(a.status).toBe(200);
      const lowered = niceOfThreads().filter((n) => n === Math.min(19, own + WORKER_NICE));
      expect(lowered.length).toBeGreaterThan(before);
      expect(niceOfThreads()[0]).toBe(own);
    } finally {
      await workers.close();
    }
  });
});
