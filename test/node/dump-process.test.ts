// A dump builder whose server disappears without stopping it (killed) must not go on for minutes
// writing a file nobody will read or remove: it removes its partial files and ends at once. The
// build here is held inside the worker thread's open of the database (a FIFO nobody writes to
// blocks it), as a 1M-EVSE VACUUM INTO holds it for minutes.
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { partialFilesOf } from '../../src/node/dump-build.js';
import { execArgvFor } from '../../src/node/module-worker.js';

const CHILD = new URL('../../src/node/dump-process.ts', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'atlas-dumpproc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('the dump builder process', () => {
  it('removes its partial files and ends at once when its server goes away', async () => {
    const fifo = join(dir, 'never-written.db');
    execFileSync('mkfifo', [fifo]);
    const out = join(dir, 'sites.sqlite.gz-1.part');
    const child = fork(fileURLToPath(CHILD), [], {
      execArgv: execArgvFor(CHILD),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exit = exited(child);
    child.send({ file: fifo, out });
    // What a build had written when its server was killed: the part and the raw snapshot.
    for (const f of partialFilesOf(out)) writeFileSync(f, 'partial');
    // Give the build time to start and block on the FIFO, then go away as a killed server does.
    await new Promise((r) => setTimeout(r, 1500));
    expect(child.exitCode).toBeNull();
    child.disconnect();
    const ended = await exit;
    for (const f of partialFilesOf(out)) expect(existsSync(f)).toBe(false);
    expect(ended).toEqual({ code: null, signal: 'SIGKILL' });
    expect(stderr).not.toMatch(/FATAL/);
  });
});
