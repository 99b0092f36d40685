// The server as `npm start` runs it: built by scripts/build-node.mjs into plain JavaScript and run
// by node without tsx. Its heavy reads are rendered by a worker thread and its .sqlite dump by a
// child process, both started from the built modules beside the CLI: a worker that could not find
// or load its module would answer 503, never the page or the dump.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNode } from '../../scripts/build-node.mjs';

let dir: string;
let server: ChildProcess;
let url: string;

/** Starts the built CLI's `serve` (demo source, a fresh database) and resolves with its URL. */
function serveBuilt(cli: string, db: string): Promise<string> {
  server = spawn(process.execPath, [cli, 'serve'], {
    env: { PATH: process.env.PATH, ATLAS_DB: db, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`the built server exited (${code}) before listening`)));
    createInterface({ input: server.stdout! }).on('line', (line) => {
      if (line.includes('atlas listening')) resolve((JSON.parse(line) as { url: string }).url);
    });
  });
}

/** GETs `path` until it answers `status` (the first sync, a dump build), at most `tries` times. */
async function until(path: string, status: number, tries = 120): Promise<Response> {
  for (let i = 0; ; i++) {
    const res = await fetch(`${url}${path}`, { headers: { 'accept-encoding': 'identity' } });
    if (res.status === status || i >= tries) return res;
    await res.body?.cancel();
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-built-'));
  // Two levels below the project root, as dist/node is (the bundles find ../../migrations).
  const out = buildNode(`dist/test-${process.pid}`);
  url = await serveBuilt(join(out, 'cli.js'), join(dir, 'atlas.db'));
}, 120_000);

afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(join(process.cwd(), `dist/test-${process.pid}`), { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('the built server (npm start)', () => {
  it('runs without tsx', () => {
    const cmdline = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('cli.js');
    expect(cmdline).not.toContain('tsx');
  });

  it('renders a bbox page on a read worker loaded from the built modules', async () => {
    // The demo source's first sync fills the database a moment after the server listens.
    let features = 0;
    for (let i = 0; i < 120 && features === 0; i++) {
      const res = await until('/v1/sites?bbox=-180,-90,180,90&limit=10', 200, 0);
      expect(res.status).toBe(200);
      features = ((await res.json()) as { features: unknown[] }).features.length;
      if (features === 0) await new Promise((r) => setTimeout(r, 500));
    }
    expect(features).toBe(10);
  }, 90_000);

  it('builds the .sqlite dump in a child process started from the built modules', async () => {
    const res = await until('/v1/dumps/sites.sqlite.gz', 200);
    expect(res.status).toBe(200);
    const file = gunzipSync(Buffer.from(await res.arrayBuffer()));
    expect(file.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
  }, 90_000);

  // Last: it stops the server. Ctrl-C on `npm start` signals the server from the terminal and again
  // through the launcher; the echo must not kill it half-way through its shutdown.
  it('shuts down cleanly when its stop signal arrives twice in a moment', async () => {
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      server.once('exit', (code, signal) => resolve([code, signal])),
    );
    server.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    server.kill('SIGINT');
    expect(await exited).toEqual([0, null]);
  }, 30_000);
});
