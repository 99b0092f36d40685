// Each EVSE's status events form a chain (evse_status_events.prev_id, evses.last_event_id) instead
// of an index by EVSE. The writers keep it in the statement batches they already run: a pull page
// (with and without the statuses held beforehand), the short status PATCH path and the general EVSE
// push. Every reader of events by EVSE is checked against a from-scratch computation over all the
// events sorted: history's raw timeline, the outbox's old statuses, and the rollup, whole, in chunks
// of any size, and interrupted anywhere and run again.
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePublishableSnapshot } from '../../src/db/queries/dump-sqlite.js';
import { statusesQueuedAfter } from '../../src/db/queries/ocpi-outbox.js';
import {
  hourlyFromEvents,
  ROLLUP_RUNNING_KEY,
  rawTimeline,
  rollupStatusEvents,
} from '../../src/db/queries/status.js';
import { MIGRATIONS_DIR, openSqlite } from '../../src/db/sqlite.js';
import type { Db, Stmt } from '../../src/db/types.js';
import { evseStatusStmts, writeEvseStmts } from '../../src/db/write-evse.js';
import { locationPkOf, writeLocationStmts } from '../../src/db/write-location.js';
import { evseKey } from '../../src/model/ids.js';
import { iso } from '../../src/model/iso-time.js';
import type { Evse, Location } from '../../src/model/types.js';
import { makeLocation, seededRandom } from '../helpers/synthetic-atlas.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const STATUSES = ['AVAILABLE', 'CHARGING', 'BLOCKED', 'OUTOFORDER', 'REMOVED'];
const SOURCE = 'chain-src';
const CLIENT = 'chain-client';

interface Event {
  id: number;
  evse_pk: string;
  prev_id: number | null;
  old_status: string | null;
  new_status: string;
  occurred_at: string;
  received_at: string;
}

let dir: string;
let seeded: string;
let loc: Location;
let pk: string;
let evsePks: string[];

/** An ISO time with seconds, as CPOs send them. */
const at = (ms: number) => iso(Math.floor(ms / 1000) * 1000);

/**
 * Writes a few hundred changes to three EVSEs of one location, through every writer, over four
 * days: pulls (with and without held statuses, some leaving an EVSE out, which removes it, and a
 * later one bringing it back), short-path PATCHes (some older than what is held: refused) and
 * general EVSE pushes; received in the order written.
 */
async function writeHistory(db: Db): Promise<void> {
  const rnd = seededRandom(7);
  const base = makeLocation(rnd, 1, { seed: 7, locations: 1 });
  loc = { ...base, evses: base.evses.slice(0, 3).concat(base.evses).slice(0, 3) };
  while (loc.evses.length < 3) loc.evses.push({ ...loc.evses[0]!, uid: `extra-${loc.evses.length}` });
  loc.evses = loc.evses.map((e, i) => ({ ...e, uid: `chain-${i}`, status: 'AVAILABLE' }));
  pk = locationPkOf(SOURCE, loc);
  evsePks = loc.evses.map((e) => evseKey(pk, e.uid));
  await db.batch([
    {
      sql: `INSERT INTO ocpi_clients (id, name, locations_url, created_at) VALUES (?, 'c', 'https://c.example/l', ?)`,
      params: [CLIENT, at(T0)],
    },
  ]);
  let t = T0 + 17 * 60_000;
  const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)]!;
  for (let step = 0; step < 320; step++) {
    t += Math.floor(rnd() * 40 * 60_000) + 1000;
    const now = at(t + 500);
    const r = rnd();
    const i = Math.floor(rnd() * 3);
    if (r < 0.2) {
      const left = rnd() < 0.15 ? i : -1;
      const evses: Evse[] = loc.evses
        .filter((_, k) => k !== left)
        .map((e) => ({ ...e, status: pick(STATUSES.slice(0, 4)) as Evse['status'], lastUpdated: at(t) }));
      const pull = { ...loc, evses, lastUpdated: at(t) };
      const held = rnd() < 0.5 ? await heldOf(db) : undefined;
      await db.batch(
        writeLocationStmts(pull, {
          sourceId: SOURCE,
          now,
          via: 'pull',
          runId: 1,
          contentHash: `h${step}`,
          held,
        }),
      );
    } else if (r < 0.85) {
      const older = rnd() < 0.15 ? t - Math.floor(rnd() * 3 * HOUR) : t;
      await db.batch(
        evseStatusStmts(evsePks[i]!, { locationPk: pk }, pick(STATUSES), at(older), { now, via: 'push' }),
      );
    } else {
      const evse = { ...loc.evses[i]!, status: pick(STATUSES) as Evse['status'], lastUpdated: at(t) };
      await db.batch(writeEvseStmts(evsePks[i]!, evse, { locationPk: pk }, { now, via: 'push' }));
    }
  }
}

/** The statuses a sync page reads before it writes (apply-page.ts), for the held path. */
async function heldOf(db: Db) {
  const rows = await db.all<{ pk: string; status: string; status_updated_at: string | null }>(
    'SELECT pk, status, status_updated_at FROM evses WHERE location_pk = ?',
    [pk],
  );
  return {
    isNew: rows.length === 0,
    statuses: new Map(rows.map((r) => [r.pk, { status: r.status, updatedAt: r.status_updated_at }])),
  };
}

const allEvents = (db: Db) => db.all<Event>('SELECT * FROM evse_status_events ORDER BY id');

/** The events of one EVSE in time order, from scratch: all of them, sorted. */
function sortedOf(events: Event[], evsePk: string): Event[] {
  return events
    .filter((e) => e.evse_pk === evsePk)
    .sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : a.id - b.id));
}

async function open(name: string): Promise<Db> {
  const file = join(dir, name);
  copyFileSync(seeded, file);
  return openSqlite(file);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-status-chain-'));
  seeded = join(dir, 'seeded.db');
  const db = openSqlite(seeded);
  await writeHistory(db);
  await db.batch([{ sql: 'PRAGMA wal_checkpoint(TRUNCATE)', params: [] }]);
  await db.close();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the chain of an EVSE events', () => {
  let db: Db;
  let events: Event[];
  beforeAll(async () => {
    db = await open('chain.db');
    events = await allEvents(db);
  });
  afterAll(async () => {
    await db.close();
  });

  it('links every event to its EVSE previous one, and each EVSE to its newest, through every writer', async () => {
    const vias = new Set(events.map((e) => `${e.evse_pk}:${(e as unknown as { via: string }).via}`));
    for (const e of evsePks) {
      expect(vias.has(`${e}:pull`)).toBe(true);
      expect(vias.has(`${e}:push`)).toBe(true);
    }
    expect(events.length).toBeGreaterThan(150);
    const heads = await db.all<{ pk: string; last_event_id: number | null }>(
      'SELECT pk, last_event_id FROM evses ORDER BY pk',
    );
    expect(heads.map((h) => h.pk).sort()).toEqual([...evsePks].sort());
    for (const h of heads) {
      const mine = events.filter((e) => e.evse_pk === h.pk);
      expect(h.last_event_id).toBe(mine[mine.length - 1]!.id);
      expect(mine.map((e) => e.prev_id)).toEqual([null, ...mine.slice(0, -1).map((e) => e.id)]);
      // The chain's order (ids) is time order: no event is written for a status older than ours.
      expect(mine.map((e) => e.id)).toEqual(sortedOf(events, h.pk).map((e) => e.id));
    }
  });

  it('the EVSE was removed and brought back, and older PATCHes were refused, on the way', async () => {
    expect(events.some((e) => e.new_status === 'REMOVED')).toBe(true);
    const back = events.some((e) => e.old_status === 'REMOVED' && e.new_status !== 'REMOVED');
    expect(back).toBe(true);
  });

  it('history raw timelines walk the chain to the same answer as all events sorted', async () => {
    const rnd = seededRandom(3);
    const first = Date.parse(events[0]!.occurred_at);
    const last = Date.parse(events[events.length - 1]!.occurred_at);
    for (let k = 0; k < 40; k++) {
      const start = first - HOUR + Math.floor(rnd() * (last - first + 2 * HOUR));
      const end = start + Math.floor(rnd() * 30 * HOUR);
      const pks = k % 3 === 0 ? evsePks.slice(0, 1) : [...evsePks, 'no-such-evse'];
      const got = await rawTimeline(db, pks, at(start), at(end));
      const atStart = new Map<string, string>();
      const expected: { evse_pk: string; new_status: string; occurred_at: string }[] = [];
      for (const e of [...pks].sort()) {
        const mine = sortedOf(events, e);
        const before = mine.filter((x) => x.occurred_at <= at(start));
        if (before.length > 0) atStart.set(e, before[before.length - 1]!.new_status);
        for (const x of mine)
          if (x.occurred_at > at(start) && x.occurred_at < at(end))
            expected.push({ evse_pk: x.evse_pk, new_status: x.new_status, occurred_at: x.occurred_at });
      }
      expect(got.atStart).toEqual(atStart);
      expect(got.events).toEqual(expected);
    }
  });

  it('the outbox finds the old status of a queued change as a search of all events does', async () => {
    const queued = await db.all<{ id: number }>('SELECT id FROM ocpi_outbox ORDER BY id');
    expect(queued.length).toBeGreaterThan(100);
    for (let k = 0; k < queued.length; k += 7) {
      const afterId = queued[k]!.id;
      const got = await statusesQueuedAfter(db, CLIENT, pk, afterId);
      // The statement before the chain, which searched every event of the EVSE.
      const rows = await db.all<{
        uid: string;
        status: string;
        occurred_at: string;
        old_status: string | null;
      }>(
        `SELECT e.uid, q.status, q.occurred_at,
           (SELECT s.old_status FROM evse_status_events s WHERE s.evse_pk = q.evse_pk
              AND s.occurred_at = q.occurred_at AND s.new_status = q.status ORDER BY s.id DESC LIMIT 1) AS old_status
         FROM (SELECT min(id) AS id, evse_pk, status, occurred_at FROM ocpi_outbox
               WHERE client_id = ? AND object_pk = ? AND kind = 'evse_status' AND id > ? GROUP BY evse_pk) q
         JOIN evses e ON e.pk = q.evse_pk JOIN locations l ON l.pk = e.location_pk
         WHERE e.removed_at IS NULL AND l.removed_at IS NULL`,
        [CLIENT, pk, afterId],
      );
      const expected = new Map(
        rows.map((r) => [
          r.uid,
          r.old_status === null
            ? { status: r.status, asOf: r.occurred_at }
            : { status: r.old_status, asOf: iso(Date.parse(r.occurred_at) - 1000) },
        ]),
      );
      expect(got, `after ${afterId}`).toEqual(expected);
    }
  });
});

type HourlyRow = { evse_pk: string; hour: string; status: string; seconds: number; end_status: string };
const hourly = (db: Db) =>
  db.all<HourlyRow>('SELECT * FROM evse_status_hourly ORDER BY evse_pk, hour, status');

/** The hourly rows of a rollup from scratch: every EVSE's taken events at once (hourlyFromEvents). */
function expectedHours(
  events: Event[],
  carried: Map<string, string>,
  prevMs: number | null,
  cutoffMs: number,
): HourlyRow[] {
  const rows: HourlyRow[] = [];
  const cutoff = iso(cutoffMs);
  for (const e of [...evsePks].sort()) {
    const taken = sortedOf(events, e).filter((x) => x.occurred_at < cutoff && x.received_at < cutoff);
    for (const h of hourlyFromEvents(taken, carried.get(e) ?? null, prevMs, cutoffMs)) {
      for (const [status, seconds] of [...h.seconds].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
        rows.push({ evse_pk: e, hour: h.hour, status, seconds, end_status: h.endStatus });
    }
  }
  return rows;
}

/** A Db whose batches fail from the `n`th on (a crash in the middle of a rollup). */
function failingAfter(db: Db, n: number): Db {
  let calls = 0;
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'batch')
        return async (stmts: Stmt[]) => {
          if (++calls >= n) throw new Error(`batch ${calls} fails`);
          return target.batch(stmts);
        };
      return Reflect.get(target, prop, receiver);
    },
  });
}

describe('the rollup by id', () => {
  const firstNow = new Date(T0 + 31 * 86_400_000 + 50 * HOUR + 20 * 60_000);
  const secondNow = new Date(firstNow.getTime() + 20 * HOUR);
  const retentionDays = 30;
  const cutoffOf = (now: Date) => Math.floor((now.getTime() - retentionDays * 86_400_000) / HOUR) * HOUR;

  let events: Event[];
  let reference: { first: HourlyRow[]; second: HourlyRow[]; kept: number[] };
  beforeAll(async () => {
    const db = await open('reference.db');
    events = await allEvents(db);
    await db.close();
    const c1 = cutoffOf(firstNow);
    const c2 = cutoffOf(secondNow);
    const first = expectedHours(events, new Map(), null, c1);
    // The second run carries each EVSE's status after its last event taken by the first.
    const carried = new Map<string, string>();
    for (const e of evsePks) {
      const taken = sortedOf(events, e).filter((x) => x.occurred_at < iso(c1));
      if (taken.length > 0) carried.set(e, taken[taken.length - 1]!.new_status);
    }
    const later = events.filter((x) => !(x.occurred_at < iso(c1) && x.received_at < iso(c1)));
    const second = expectedHours(later, carried, c1, c2);
    const kept = later.filter((x) => !(x.occurred_at < iso(c2) && x.received_at < iso(c2))).map((x) => x.id);
    reference = { first, second, kept };
    // Both runs take events, and leave some: the test covers the carried status and the seam.
    expect(first.length).toBeGreaterThan(20);
    expect(second.length).toBeGreaterThan(5);
    expect(kept.length).toBeGreaterThan(5);
  });

  /** Hourly rows after the first run, merged with those after the second (the same keys add up). */
  function merged(a: HourlyRow[], b: HourlyRow[]): HourlyRow[] {
    const out = new Map(a.map((r) => [`${r.evse_pk}|${r.hour}|${r.status}`, { ...r }]));
    for (const r of b) {
      const key = `${r.evse_pk}|${r.hour}|${r.status}`;
      const held = out.get(key);
      if (held) {
        held.seconds += r.seconds;
        held.end_status = r.end_status;
      } else out.set(key, { ...r });
    }
    return [...out.values()].sort((x, y) =>
      x.evse_pk !== y.evse_pk
        ? x.evse_pk < y.evse_pk
          ? -1
          : 1
        : x.hour !== y.hour
          ? x.hour < y.hour
            ? -1
            : 1
          : x.status < y.status
            ? -1
            : 1,
    );
  }

  it.each([1, 2, 5, 2_000])(
    'in chunks of %i events gives the hours of all events at once, and deletes what it took',
    async (chunk) => {
      const db = await open(`rollup-${chunk}.db`);
      const r1 = await rollupStatusEvents(db, { now: firstNow, retentionDays, chunk });
      expect(r1.evses).toBe(3);
      expect(await hourly(db)).toEqual(reference.first);
      await rollupStatusEvents(db, { now: secondNow, retentionDays, chunk });
      expect(await hourly(db)).toEqual(merged(reference.first, reference.second));
      expect((await allEvents(db)).map((e) => e.id)).toEqual(reference.kept);
      await db.close();
    },
  );

  it('leaves its bookkeeping out of the publishable .sqlite snapshot', async () => {
    const db = await open('rollup-snapshot.db');
    await rollupStatusEvents(db, { now: firstNow, retentionDays });
    expect(await db.get('SELECT count(*) AS n FROM evse_status_rollup')).toEqual({ n: 3 });
    const snapshot = join(dir, 'snapshot.sqlite');
    await writePublishableSnapshot(db, snapshot);
    await db.close();
    const dump = new Database(snapshot, { readonly: true });
    expect(dump.prepare('SELECT count(*) AS n FROM evse_status_rollup').get()).toEqual({ n: 0 });
    dump.close();
  });

  it('interrupted after any of its transactions, the next run finishes it as if it had not been', async () => {
    const db = await open('rollup-counted.db');
    let batches = 0;
    const counting = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop === 'batch')
          return (stmts: Stmt[]) => {
            batches++;
            return target.batch(stmts);
          };
        return Reflect.get(target, prop, receiver);
      },
    });
    // The next run comes an hour later: it finishes a cut one with its cutoff, then its own.
    const later = new Date(firstNow.getTime() + HOUR);
    await rollupStatusEvents(counting, { now: firstNow, retentionDays, chunk: 3 });
    const cuts = batches;
    await rollupStatusEvents(db, { now: later, retentionDays, chunk: 3 });
    await rollupStatusEvents(db, { now: secondNow, retentionDays, chunk: 3 });
    const uncut = { hours: await hourly(db), kept: (await allEvents(db)).map((e) => e.id) };
    await db.close();
    expect(cuts).toBeGreaterThan(10);
    expect(uncut.kept).toEqual(reference.kept);
    for (let n = 1; n <= cuts; n++) {
      const run = await open(`rollup-cut-${n}.db`);
      await expect(
        rollupStatusEvents(failingAfter(run, n), { now: firstNow, retentionDays, chunk: 3 }),
      ).rejects.toThrow(/fails/);
      const resumed = await rollupStatusEvents(run, { now: later, retentionDays, chunk: 3 });
      expect(resumed.cutoff).toBe(iso(cutoffOf(later)));
      expect(await run.get('SELECT value FROM meta WHERE key = ?', [ROLLUP_RUNNING_KEY])).toBeUndefined();
      await rollupStatusEvents(run, { now: secondNow, retentionDays, chunk: 3 });
      expect(await hourly(run), `cut at batch ${n}`).toEqual(uncut.hours);
      expect((await allEvents(run)).map((e) => e.id)).toEqual(reference.kept);
      await run.close();
    }
  }, 120_000);
});

describe('migration 0014', () => {
  it('links the events an older atlas wrote and carries each EVSE status of its rolled-up hours', async () => {
    // The migrations up to 0013, then events, EVSEs and hourly rows as the code of then wrote them.
    const before = join(dir, 'migrations-0013');
    cpSync(MIGRATIONS_DIR, before, { recursive: true });
    rmSync(join(before, '0014_status_event_chain.sql'));
    const journal = JSON.parse(readFileSync(join(before, 'meta/_journal.json'), 'utf8'));
    journal.entries = journal.entries.filter((e: { idx: number }) => e.idx <= 13);
    writeFileSync(join(before, 'meta/_journal.json'), JSON.stringify(journal));
    const file = join(dir, 'migrated.db');
    const old = new Database(file);
    migrate(drizzle(old), { migrationsFolder: before });
    const insertEvse = old.prepare(
      `INSERT INTO evses (pk, location_pk, uid, status, capabilities, parking_restrictions) VALUES (?, 'L', ?, 'AVAILABLE', '[]', '[]')`,
    );
    const insertEvent = old.prepare(
      `INSERT INTO evse_status_events (evse_pk, location_pk, new_status, occurred_at, received_at, via)
       VALUES (?, 'L', ?, ?, ?, 'pull')`,
    );
    const rnd = seededRandom(11);
    for (const e of ['a', 'b', 'c']) insertEvse.run(e, e);
    for (let k = 0; k < 60; k++) {
      const t = at(T0 + k * 60_000);
      insertEvent.run(['a', 'b', 'c', 'a'][Math.floor(rnd() * 4)], STATUSES[k % 4], t, t);
    }
    old
      .prepare(
        `INSERT INTO evse_status_hourly (evse_pk, hour, status, seconds, end_status) VALUES
         ('a', '2026-01-01T00:00:00Z', 'AVAILABLE', 3600, 'CHARGING'),
         ('a', '2026-01-01T05:00:00Z', 'CHARGING', 3600, 'BLOCKED'), ('b', '2026-01-02T00:00:00Z', 'AVAILABLE', 60, 'AVAILABLE')`,
      )
      .run();
    old.close();

    const db = openSqlite(file);
    const events = await allEvents(db);
    expect(events).toHaveLength(60);
    for (const e of ['a', 'b', 'c']) {
      const mine = events.filter((x) => x.evse_pk === e);
      expect(mine.length).toBeGreaterThan(5);
      expect(mine.map((x) => x.prev_id)).toEqual([null, ...mine.slice(0, -1).map((x) => x.id)]);
      const head = await db.get<{ id: number }>('SELECT last_event_id AS id FROM evses WHERE pk = ?', [e]);
      expect(head!.id).toBe(mine[mine.length - 1]!.id);
    }
    expect(await db.all('SELECT evse_pk, status, open FROM evse_status_rollup ORDER BY evse_pk')).toEqual([
      { evse_pk: 'a', status: 'BLOCKED', open: 0 },
      { evse_pk: 'b', status: 'AVAILABLE', open: 0 },
    ]);
    const indexes = await db.all<{ name: string }>(
      "SELECT name FROM pragma_index_list('evse_status_events')",
    );
    expect(indexes).toEqual([]);
    await db.close();
  });
});
