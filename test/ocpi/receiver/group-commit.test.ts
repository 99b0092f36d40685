// Group commit of pushes (src/api/ocpi/write-queue.ts): status PATCHes that arrive together over
// many connections are written in one transaction, run at once without savepoints; only when a
// push's statements fail inside SQLite is the group rolled back and run again with a savepoint per
// push (src/db/sqlite.ts batchGroup). Sent at once over real HTTP, they must get the same answers
// and leave the same store as the same PATCHes sent one by one, and one that fails (refused by the
// rules, or failing inside SQLite) must fail alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriteQueue } from '../../../src/api/ocpi/write-queue.js';
import type { Db, Stmt } from '../../../src/db/types.js';
import { evseKey, locationKey } from '../../../src/model/ids.js';
import { type Atlas, ocpiLocation, startAtlas } from './push-harness.js';

const LOCATIONS = 12;
const EVSES = 10;
const HELD = '2025-03-01T09:00:00Z';

/** The EVSE whose status event SQLite refuses (a trigger), so its PATCH fails inside the group. */
const POISONED = evseKey(locationKey('cpo-nl', 'NL', 'TNM', 'G3'), 'E7');

interface Patch {
  path: string;
  body: unknown;
}

/** Every EVSE once: new statuses, stale ones, one malformed, one unknown EVSE, one SQLite refuses. */
function patches(): Patch[] {
  const out: Patch[] = [];
  for (let l = 0; l < LOCATIONS; l++) {
    for (let e = 0; e < EVSES; e++) {
      const k = l * EVSES + e;
      const stale = k % 17 === 5;
      out.push({
        path: `/NL/TNM/G${l}/E${e}`,
        body: {
          status: ['CHARGING', 'BLOCKED', 'OUTOFORDER', 'AVAILABLE'][k % 4],
          last_updated: stale
            ? '2025-03-01T08:00:00Z'
            : `2025-03-01T10:${String(k % 60).padStart(2, '0')}:00Z`,
        },
      });
    }
  }
  out[40] = { path: '/NL/TNM/G4/E0', body: { status: 'CHARGING', last_updated: 'yesterday' } };
  out.push({ path: '/NL/TNM/G0/E99', body: { status: 'CHARGING', last_updated: '2025-03-01T10:00:00Z' } });
  return out;
}

async function seeded(): Promise<Atlas> {
  const atlas = await startAtlas({ now: '2025-03-01T12:00:00Z' });
  for (let l = 0; l < LOCATIONS; l++) {
    const evses = Array.from({ length: EVSES }, (_, e) => ({ uid: `E${e}`, status: 'AVAILABLE' }));
    const body = ocpiLocation('2.2.1', { id: `G${l}`, lat: 52 + l / 100, lon: 5, evses, lastUpdated: HELD });
    expect((await atlas.push('PUT', '2.2.1', `/NL/TNM/G${l}`, body)).status).toBe(201);
  }
  await atlas.db.batch([
    {
      sql: `CREATE TRIGGER test_poison BEFORE INSERT ON evse_status_events WHEN NEW.evse_pk = '${POISONED}'
        BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
      params: [],
    },
  ]);
  return atlas;
}

/** Records the size of every group the queue commits. */
function recordGroups(db: Db): number[] {
  const sizes: number[] = [];
  const own = db.batchGroup!.bind(db);
  db.batchGroup = (lists, tail) => {
    sizes.push(lists.length);
    return own(lists, tail);
  };
  return sizes;
}

const answer = (r: Awaited<ReturnType<Atlas['push']>>) =>
  `${r.status} ${r.body.status_code} ${r.body.status_message ?? ''}`;

/** The store as a push can change it, without event ids (their order is the arrival order). */
async function state(db: Db) {
  return {
    evses: await db.all(
      'SELECT pk, status, status_via, status_updated_at, last_updated FROM evses ORDER BY pk',
    ),
    events: await db.all(
      `SELECT evse_pk, old_status, new_status, occurred_at, via FROM evse_status_events
       ORDER BY evse_pk, occurred_at, new_status`,
    ),
    locations: await db.all('SELECT pk, last_updated FROM locations ORDER BY pk'),
    sites: await db.all('SELECT id, feature FROM site_features ORDER BY id'),
  };
}

describe('status PATCHes committed in groups', () => {
  let together: Atlas;
  let oneByOne: Atlas;
  let groups: number[];
  let concurrent: string[];
  let sequential: string[];

  beforeAll(async () => {
    [together, oneByOne] = await Promise.all([seeded(), seeded()]);
    groups = recordGroups(together.db);
    const list = patches();
    concurrent = (await Promise.all(list.map((p) => together.push('PATCH', '2.2.1', p.path, p.body)))).map(
      answer,
    );
    sequential = [];
    for (const p of list) sequential.push(answer(await oneByOne.push('PATCH', '2.2.1', p.path, p.body)));
  }, 60_000);
  afterAll(async () => {
    await Promise.all([together.close(), oneByOne.close()]);
  });

  // How many share a commit depends on how the requests fall into the server's I/O phases; that
  // pushes written together share one is shown below, with the write queue alone.
  it('went through the group commit (run at once, and again with a savepoint per push where one failed)', () => {
    expect(groups.reduce((a, b) => a + b, 0)).toBe(LOCATIONS * EVSES - 1);
  });

  it('answer each PATCH as the same PATCH sent alone does', () => {
    expect(concurrent).toEqual(sequential);
    const counts = (xs: string[]) =>
      xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
    expect(counts(concurrent)).toEqual(
      new Map([
        ['200 1000 ', LOCATIONS * EVSES - 9],
        ['200 1000 older than the version we hold: acknowledged, not applied', 7],
        ['200 2001 last_updated "yesterday" is not an OCPI DateTime', 1],
        ['404 2003 unknown EVSE E99 of location G0', 1],
        ['500 3000 internal error', 1],
      ]),
    );
  });

  it('leave the same store, with the failing PATCH alone not applied', async () => {
    const after = await state(together.db);
    expect(after).toEqual(await state(oneByOne.db));
    const poisoned = after.evses.find((e) => e.pk === POISONED);
    expect(poisoned).toMatchObject({ status: 'AVAILABLE', last_updated: HELD });
    const patched = after.events.filter((e) => e.occurred_at !== HELD);
    expect(patched.filter((e) => e.evse_pk === POISONED)).toEqual([]);
    // A change of status is an event; the same status again (AVAILABLE) only moves the time.
    const changes = patches().filter((p, k) => {
      const body = p.body as { status: string; last_updated: string };
      const valid = /^\d/.test(body.last_updated) && k < LOCATIONS * EVSES && k !== 37;
      return valid && body.status !== 'AVAILABLE' && body.last_updated > HELD;
    });
    expect(patched).toHaveLength(changes.length);
  });
});

/** A statement that counts how often it is run (each run reads its SQL once to prepare it). */
function counted(sql: string, params: unknown[]): { stmt: Stmt; runs: () => number } {
  let reads = 0;
  const stmt = {
    get sql() {
      reads++;
      return sql;
    },
    params,
  };
  return { stmt, runs: () => reads };
}

describe('a group with a failing list', () => {
  it('runs once without savepoints, and again with one per list only when a list fails', async () => {
    const atlas = await startAtlas();
    try {
      const db = atlas.db;
      const put = (k: string) => counted("INSERT INTO meta (key, value) VALUES (?, 'x')", [k]);
      const tail = (): Stmt[] => [];
      // No failure: each list runs once.
      const [a, b] = [put('once-a'), put('once-b')];
      const clean = await db.batchGroup!([[a.stmt], [b.stmt]], tail);
      expect(clean.results.map((r) => r.ok)).toEqual([true, true]);
      expect([a.runs(), b.runs()]).toEqual([1, 1]);
      // The second list fails (a duplicate key): the first had run at once before it, so it runs
      // again in the re-run; the third, never reached at once, runs in the re-run only.
      const [first, other, dupe, third] = [put('again-a'), put('again-b'), put('again-a'), put('again-c')];
      const rerun = await db.batchGroup!([[first.stmt], [other.stmt, dupe.stmt], [third.stmt]], tail);
      expect(rerun.results.map((r) => r.ok)).toEqual([true, false, true]);
      expect([first.runs(), other.runs(), dupe.runs(), third.runs()]).toEqual([2, 2, 2, 1]);
      // The result of a run with a savepoint per list: the failing list alone is undone.
      const keys = await db.all<{ key: string }>(
        "SELECT key FROM meta WHERE key LIKE 'again-%' ORDER BY key",
      );
      expect(keys.map((r) => r.key)).toEqual(['again-a', 'again-c']);
    } finally {
      await atlas.close();
    }
  });
});

describe('the write queue', () => {
  it('undoes a list that fails inside the group and commits the others', async () => {
    const atlas = await startAtlas();
    try {
      const queue = createWriteQueue();
      const sizes = recordGroups(atlas.db);
      const put = (k: string): Stmt => ({
        sql: "INSERT INTO meta (key, value) VALUES (?, 'x')",
        params: [k],
      });
      const outcomes = await Promise.allSettled([
        queue.write(atlas.db, [put('group-a')]),
        queue.write(atlas.db, [put('group-b'), put('group-a')]),
        queue.write(atlas.db, [put('group-c')]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(sizes).toEqual([3]);
      const keys = await atlas.db.all<{ key: string }>(
        "SELECT key FROM meta WHERE key LIKE 'group-%' ORDER BY key",
      );
      expect(keys.map((r) => r.key)).toEqual(['group-a', 'group-c']);
    } finally {
      await atlas.close();
    }
  });
});
