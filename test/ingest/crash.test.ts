// `atlas sync` as a child process, killed with SIGKILL at random moments mid-sync: the database
// stays intact, every location is as before or as after with all its EVSEs, and the next sync
// completes.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite.js';
import { createFakeCpo, type FakeCpo } from '../../src/fake-cpo/app.js';
import { normalizeLocation } from '../../src/model/normalize-location.js';
import { loadFeed } from '../helpers/feeds.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';
import { heldLocations } from '../helpers/sync-harness.js';

const TOKEN = 'crash-test-token-91b2';
const older = loadFeed('lakd@2023-07-04').locations;
const newer = loadFeed('lakd@2024-06-06').locations;

/** id -> { lastUpdated, active EVSE uids } as the normalizer sees a snapshot. */
function expected(list: unknown[]) {
  const out = new Map<string, { lastUpdated: string; uids: string[] }>();
  for (const raw of list) {
    const r = normalizeLocation(raw, '2.2.1');
    if (!r.ok) continue;
    const uids = [
      ...new Set(r.value.evses.filter((e) => e.status !== 'REMOVED').map((e) => e.uid.toLowerCase())),
    ].sort();
    out.set(r.value.id.toLowerCase(), { lastUpdated: r.value.lastUpdated, uids });
  }
  return out;
}

let dir: string;
let dbFile: string;
let cpo: FakeCpo;
let served: ServedApp;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-crash-'));
  dbFile = join(dir, 'atlas.db');
  cpo = createFakeCpo({ locations: older, versions: ['2.2.1'], pageSize: 8, token: TOKEN });
  // A little latency per request, as a real CPO has, so that kills land mid-sync.
  served = await serveApp({
    fetch: async (request: Request) => {
      await new Promise((r) => setTimeout(r, 8));
      return cpo.app.fetch(request);
    },
  });
  const sources = join(dir, 'sources.json');
  writeFileSync(
    sources,
    JSON.stringify([
      {
        id: 'cpo',
        name: 'crash CPO',
        versions_url: `${served.url}/ocpi/versions`,
        token: TOKEN,
        license: 'CC0-1.0',
        page_size: 8,
      },
    ]),
  );
  // A few pages of 8 locations to a transaction (ATLAS_SYNC_BATCH_ROWS), so a sync commits many
  // batches and kills land between them, with pages held, as well as inside one.
  env = {
    ...process.env,
    ATLAS_DB: dbFile,
    ATLAS_SOURCES: sources,
    ATLAS_SYNC_BATCH_ROWS: '100',
    LOG_LEVEL: 'silent',
  };
});

afterAll(async () => {
  await served?.close();
  rmSync(dir, { recursive: true, force: true });
});

function runSync(): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'sync', '--source', 'cpo', '--full'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

/** Resolves once the CPO has served `pages` location pages since `from` (the child is mid-sync). */
async function waitForPages(
  pages: number,
  from: number,
  child: ChildProcess,
  deadline: number,
): Promise<boolean> {
  while (Date.now() < deadline && child.exitCode === null) {
    const served = cpo.requests
      .slice(from)
      .filter((r) => r.path.endsWith('/locations') && r.status === 200).length;
    if (served >= pages) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('SIGKILL during atlas sync', () => {
  it('leaves an intact database where each location is wholly before or wholly after', async () => {
    const versions = [expected(older), expected(newer)];
    const random = rng(20261125);
    let killedMidSync = 0;
    for (let i = 0; i < 12; i++) {
      // Alternate the CPO between the two snapshots so every run really changes locations.
      cpo.setData(i % 2 === 0 ? newer : older);
      const from = cpo.requests.length;
      const child = runSync();
      const done = exited(child);
      const midSync = await waitForPages(1 + Math.floor(random() * 30), from, child, Date.now() + 20_000);
      await new Promise((r) => setTimeout(r, random() * 60));
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        if (midSync) killedMidSync++;
      }
      await done;

      const check = new Database(dbFile, { readonly: true });
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      // The run's stored counters count exactly the locations it committed (saved in their batch).
      const run = check
        .prepare('SELECT id, upserted + unchanged AS counted FROM sync_runs ORDER BY id DESC LIMIT 1')
        .get() as { id: number; counted: number };
      const taken = check
        .prepare('SELECT count(*) FROM locations WHERE last_seen_run = ?')
        .pluck()
        .get(run.id);
      expect(run.counted, `run ${run.id}'s counters against its rows`).toBe(taken);
      check.close();
      const db = openSqlite(dbFile, { migrate: false });
      const held = await heldLocations(db);
      await db.close();
      for (const [id, loc] of held) {
        const key = id.toLowerCase();
        const matches = versions.some((v) => {
          const e = v.get(key);
          return (
            e !== undefined &&
            e.lastUpdated === loc.lastUpdated &&
            JSON.stringify(e.uids) === JSON.stringify(loc.uids.map((u) => u.toLowerCase()).sort())
          );
        });
        expect(matches, `location ${id} is neither wholly before nor wholly after`).toBe(true);
      }
    }
    // The kills must really have landed while a sync was writing.
    expect(killedMidSync).toBeGreaterThanOrEqual(10);

    // The next sync completes and leaves exactly the CPO's current snapshot.
    cpo.setData(newer);
    const child = runSync();
    expect(await exited(child)).toBe(0);
    const db = openSqlite(dbFile, { migrate: false });
    const held = await heldLocations(db);
    const running = await db.all<{ n: number }>(
      `SELECT count(*) AS n FROM sync_runs WHERE status = 'running'`,
    );
    const interrupted = await db.all<{ n: number }>(
      `SELECT count(*) AS n FROM sync_runs WHERE status = 'failed' AND error LIKE 'interrupted:%'`,
    );
    await db.close();
    const want = versions[1]!;
    expect(held.size).toBe(want.size);
    for (const [id, loc] of held) {
      expect(loc.lastUpdated).toBe(want.get(id.toLowerCase())!.lastUpdated);
    }
    // Killed runs were closed as interrupted by the next run of the source; none is left running.
    expect(running[0]!.n).toBe(0);
    expect(interrupted[0]!.n).toBeGreaterThanOrEqual(10);
  }, 180_000);
});
