// Each EVSE's status events form a chain (evse_status_events.prev_id, evses.last_event_id) instead
// of an index by EVSE. The writers keep it in the statement batches they already run: a pull page
// (with and without the statuses held beforehand), the short status PATCH path and the general EVSE
// push. Every reader of events by EVSE is checked against a from-scratch computation over all the
// events sorted: history's raw timeline, the outbox's old statuses, and the rollup, whole, in chunks
// of any size, and interrupted anywhere and run again. The day skip pointers (day_prev_id) are
// checked against their definition, and the readers that hop by them against all events sorted for
// windows far back across many days, on day boundaries, and over days without events.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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
import { databaseAt, migrationsUpTo } from '../helpers/old-migrations.js';
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
  day_prev_id: number | null;
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
 * later one bringing it back; pushes committing between a page's read of its held statuses and its
 * write), short-path PATCHes (some older than what is held: refused) and general EVSE pushes;
 * received in the order written.
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
      // The race of a sync page with a push (D1's stepwise sync, or a sync in another process): a
      // push commits after the page read what it holds, newer or older than the page.
      if (held && rnd() < 0.5) {
        const when = t + Math.floor((rnd() - 0.5) * 2 * HOUR);
        const j = Math.floor(rnd() * 3);
        await db.batch(
          evseStatusStmts(evsePks[j]!, { locationPk: pk }, pick(STATUSES), at(when), { now, via: 'push' }),
        );
      }
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

/** The ids of a chain walked back from `head` by prev_id while held, oldest first. */
function walkedIds(events: Event[], head: number | null): number[] {
  const walked: number[] = [];
  for (let id = head; id !== null; ) {
    const e = events.find((x) => x.id === id);
    if (!e) break;
    walked.push(e.id);
    id = e.prev_id;
  }
  return walked.reverse();
}

/** From scratch: the id of the EVSE's last event of a UTC day before this event's, else null. */
function dayPrevOf(events: Event[], e: Event): number | null {
  const before = sortedOf(events, e.evse_pk).filter(
    (x) => x.occurred_at.slice(0, 10) < e.occurred_at.slice(0, 10),
  );
  return before.length > 0 ? before[before.length - 1]!.id : null;
}

/** rawTimeline against all the events sorted, for these EVSEs and window. */
async function expectTimelineAsSorted(db: Db, events: Event[], pks: string[], start: string, end: string) {
  const got = await rawTimeline(db, pks, start, end);
  const atStart = new Map<string, string>();
  const expected: { evse_pk: string; new_status: string; occurred_at: string }[] = [];
  for (const e of [...pks].sort()) {
    const mine = sortedOf(events, e);
    const before = mine.filter((x) => x.occurred_at <= start);
    if (before.length > 0) atStart.set(e, before[before.length - 1]!.new_status);
    for (const x of mine)
      if (x.occurred_at > start && x.occurred_at < end)
        expected.push({ evse_pk: x.evse_pk, new_status: x.new_status, occurred_at: x.occurred_at });
  }
  expect(got.atStart, `${start} - ${end}`).toEqual(atStart);
  expect(got.events, `${start} - ${end}`).toEqual(expected);
}

/**
 * What statusesQueuedAfter answers, by the statement before the chain, which searched every event
 * of the EVSE for the old status of its first change queued after `afterId`.
 */
async function queuedOldStatusesBySearch(db: Db, afterId: number, locationPk = pk) {
  const rows = await db.all<{ uid: string; status: string; occurred_at: string; old_status: string | null }>(
    `SELECT e.uid, q.status, q.occurred_at,
       (SELECT s.old_status FROM evse_status_events s WHERE s.evse_pk = q.evse_pk
          AND s.occurred_at = q.occurred_at AND s.new_status = q.status ORDER BY s.id DESC LIMIT 1) AS old_status
     FROM (SELECT min(id) AS id, evse_pk, status, occurred_at FROM ocpi_outbox
           WHERE client_id = ? AND object_pk = ? AND kind = 'evse_status' AND id > ? GROUP BY evse_pk) q
     JOIN evses e ON e.pk = q.evse_pk JOIN locations l ON l.pk = e.location_pk
     WHERE e.removed_at IS NULL AND l.removed_at IS NULL`,
    [CLIENT, locationPk, afterId],
  );
  return new Map(
    rows.map((r) => [
      r.uid,
      r.old_status === null
        ? { status: r.status, asOf: r.occurred_at }
        : { status: r.old_status, asOf: iso(Date.parse(r.occurred_at) - 1000) },
    ]),
  );
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
      await expectTimelineAsSorted(db, events, pks, at(start), at(end));
    }
  });

  it('links every event to its EVSE last one of an earlier UTC day, through every writer', async () => {
    const days = new Set(events.map((e) => e.occurred_at.slice(0, 10)));
    expect(days.size).toBeGreaterThan(3);
    for (const e of events) expect(e.day_prev_id, `event ${e.id}`).toBe(dayPrevOf(events, e));
  });

  it('the outbox finds the old status of a queued change as a search of all events does', async () => {
    const queued = await db.all<{ id: number }>('SELECT id FROM ocpi_outbox ORDER BY id');
    expect(queued.length).toBeGreaterThan(100);
    for (let k = 0; k < queued.length; k += 7) {
      const afterId = queued[k]!.id;
      const got = await statusesQueuedAfter(db, CLIENT, pk, afterId);
      expect(got, `after ${afterId}`).toEqual(await queuedOldStatusesBySearch(db, afterId));
    }
  });
});

describe('the day skips of the chain', () => {
  let db: Db;
  let events: Event[];
  const DAY = 24 * HOUR;
  beforeAll(async () => {
    db = await open('days.db');
    // After the history's four days: EVSE 0 silent for 9 days, then changes on the day boundaries
    // (the last second of a day, its midnight) through the short PATCH path, the general push and
    // pulls with and without held statuses; EVSE 1 changes once a day for 20 days; EVSE 2 none.
    const last = (await allEvents(db)).at(-1)!;
    const t0 = Date.parse(`${last.occurred_at.slice(0, 10)}T00:00:00Z`) + DAY;
    const statuses = ['AVAILABLE', 'CHARGING', 'BLOCKED', 'OUTOFORDER'];
    const moments: [number, number][] = [];
    for (let d = 0; d < 20; d++) moments.push([t0 + d * DAY + ((d * 7919) % 80_000) * 1000, 1]);
    for (const [d, s] of [
      [9, -1],
      [10, 0],
      [10, 1],
      [12, 0],
      [12, 3600],
      [13, -1],
      [13, 0],
      [17, -1],
      [19, 43_200],
    ] as const)
      moments.push([t0 + d * DAY + s * 1000, 0]);
    moments.sort((a, b) => a[0] - b[0]);
    let n = 0;
    for (const [t, i] of moments) {
      const status = statuses[n++ % 4]!;
      const ctx = { now: at(t + 500), via: 'push' as const };
      if (i === 1 || n % 3 === 0) {
        await db.batch(evseStatusStmts(evsePks[i]!, { locationPk: pk }, status, at(t), ctx));
      } else if (n % 3 === 1) {
        const evse = { ...loc.evses[i]!, status: status as Evse['status'], lastUpdated: at(t) };
        await db.batch(writeEvseStmts(evsePks[i]!, evse, { locationPk: pk }, ctx));
      } else {
        const held = n % 2 === 0 ? await heldOf(db) : undefined;
        // A pull lists every EVSE; the others' statuses are older than ours (no event for them).
        const evses = loc.evses.map((e, k) =>
          k === 0
            ? { ...e, status: status as Evse['status'], lastUpdated: at(t) }
            : { ...e, lastUpdated: at(t0 - DAY) },
        );
        const pull = { ...loc, evses, lastUpdated: at(t) };
        await db.batch(
          writeLocationStmts(pull, {
            sourceId: SOURCE,
            now: ctx.now,
            via: 'pull',
            runId: 2,
            contentHash: `d${n}`,
            held,
          }),
        );
      }
    }
    events = await allEvents(db);
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });

  it('each event names its EVSE last one of an earlier day, over silent days and day boundaries', async () => {
    const mine = sortedOf(events, evsePks[0]!);
    expect(mine.some((e) => e.occurred_at.endsWith('T00:00:00Z'))).toBe(true);
    expect(mine.some((e) => e.occurred_at.endsWith('T23:59:59Z'))).toBe(true);
    expect(new Set(events.map((e) => e.occurred_at.slice(0, 10))).size).toBeGreaterThan(20);
    for (const e of events) expect(e.day_prev_id, `event ${e.id}`).toBe(dayPrevOf(events, e));
    for (const e of evsePks)
      expect(sortedOf(events, e).map((x) => x.id)).toEqual(
        events.filter((x) => x.evse_pk === e).map((x) => x.id),
      );
  });

  it('raw timelines far back, across many days and on day boundaries, equal all events sorted', async () => {
    const rnd = seededRandom(5);
    const first = Date.parse(events[0]!.occurred_at.slice(0, 10));
    const last = Date.parse(events[events.length - 1]!.occurred_at);
    const pks = [...evsePks, 'no-such-evse'];
    for (let k = 0; k < 60; k++) {
      // Whole UTC days (a status day dump), days from a boundary second, and any window.
      const day = first + Math.floor(rnd() * ((last - first) / DAY + 2)) * DAY;
      const [start, end] =
        k % 3 === 0
          ? [day, day + DAY]
          : k % 3 === 1
            ? [day - 1000, day + Math.floor(rnd() * 3) * DAY + 1000]
            : [day + Math.floor(rnd() * DAY), day + Math.floor(rnd() * 5 * DAY)];
      await expectTimelineAsSorted(
        db,
        events,
        k % 4 === 0 ? pks.slice(k % 3, (k % 3) + 1) : pks,
        at(start),
        at(end),
      );
    }
    for (const e of events) {
      const t = Date.parse(e.occurred_at);
      await expectTimelineAsSorted(db, events, pks, at(t), at(t + 1000));
      await expectTimelineAsSorted(db, events, pks, at(t - 1000), at(t));
    }
  });

  it('the outbox finds the old status of changes queued days ago as a search of all events does', async () => {
    const queued = await db.all<{ id: number }>('SELECT id FROM ocpi_outbox ORDER BY id');
    for (let k = 0; k < queued.length; k += 5) {
      const afterId = queued[k]!.id;
      const got = await statusesQueuedAfter(db, CLIENT, pk, afterId);
      expect(got, `after ${afterId}`).toEqual(await queuedOldStatusesBySearch(db, afterId));
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
  pks: string[] = evsePks,
): HourlyRow[] {
  const rows: HourlyRow[] = [];
  const cutoff = iso(cutoffMs);
  for (const e of [...pks].sort()) {
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

  // Independent of hourlyFromEvents (which shares rollHours with the rollup): from the events
  // alone, each EVSE is covered from its first rolled instant to the cutoff without a gap, so an
  // hour with rows holds 3,600 s across its statuses, or from that first instant on.
  it('gives each EVSE hour with rows exactly the seconds it covers, never more than 3,600', async () => {
    const db = await open('rollup-covered.db');
    await rollupStatusEvents(db, { now: firstNow, retentionDays });
    await rollupStatusEvents(db, { now: secondNow, retentionDays });
    const c1 = cutoffOf(firstNow);
    const c2 = cutoffOf(secondNow);
    const firstRolled = new Map<string, number>();
    for (const e of events) {
      const t = Date.parse(e.occurred_at);
      const r = Date.parse(e.received_at);
      // Taken by the first run as dated, or by the second from its previous cutoff on.
      const from = t < c1 && r < c1 ? t : t < c2 && r < c2 ? Math.max(t, c1) : null;
      if (from !== null) firstRolled.set(e.evse_pk, Math.min(firstRolled.get(e.evse_pk) ?? from, from));
    }
    const sums = new Map<string, number>();
    for (const r of await hourly(db)) {
      const key = `${r.evse_pk}|${r.hour}`;
      sums.set(key, (sums.get(key) ?? 0) + r.seconds);
    }
    expect(sums.size).toBeGreaterThan(20);
    for (const [key, seconds] of sums) {
      const [evse, hour] = key.split('|') as [string, string];
      const start = Date.parse(hour);
      expect(start + HOUR, key).toBeLessThanOrEqual(c2);
      expect(seconds, key).toBeLessThanOrEqual(3600);
      expect(seconds, key).toBe((start + HOUR - Math.max(start, firstRolled.get(evse)!)) / 1000);
    }
    await db.close();
  });

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
    const file = join(dir, 'migrated.db');
    const old = databaseAt(file, migrationsUpTo(dir, 13));
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

describe('migration 0015', () => {
  it('gives the events an atlas at 0014 wrote their day skip pointers, over silent days and boundaries', async () => {
    // The migrations up to 0014, then events chained as the code of then wrote them (prev_id only).
    const file = join(dir, 'migrated-0015.db');
    const old = databaseAt(file, migrationsUpTo(dir, 14));
    const insertEvent = old.prepare(
      `INSERT INTO evse_status_events (evse_pk, location_pk, new_status, occurred_at, received_at, via, prev_id)
       VALUES (?, 'L', ?, ?, ?, 'pull', ?)`,
    );
    const rnd = seededRandom(13);
    const heads = new Map<string, number>();
    let t = T0 - 1000;
    for (let k = 0; k < 200; k++) {
      // Mostly minutes apart, sometimes days (no events for days), often on a day's first second.
      const r = rnd();
      t =
        r < 0.1
          ? t + Math.floor(1 + rnd() * 5) * 24 * HOUR
          : r < 0.2
            ? Math.ceil((t + 1) / (24 * HOUR)) * 24 * HOUR
            : t + 60_000 * Math.floor(1 + rnd() * 240);
      const e = ['a', 'b', 'c', 'a'][Math.floor(rnd() * 4)]!;
      const id = insertEvent.run(e, STATUSES[k % 4], at(t), at(t), heads.get(e) ?? null).lastInsertRowid;
      heads.set(e, Number(id));
    }
    // An older part rolled up: the chain (and its day skips) end at an id that is gone.
    old.prepare('DELETE FROM evse_status_events WHERE id <= 20').run();
    old.close();

    const db = openSqlite(file);
    const events = await allEvents(db);
    expect(new Set(events.map((e) => e.occurred_at.slice(0, 10))).size).toBeGreaterThan(10);
    expect(events.some((e) => e.occurred_at.endsWith('T00:00:00Z'))).toBe(true);
    const gone = [...events.filter((e) => e.day_prev_id !== null && e.day_prev_id <= 20)];
    expect(gone.length).toBeGreaterThan(0);
    for (const e of events) {
      const mine = sortedOf(events, e.evse_pk);
      // Held events: the definition; events whose earlier days are all gone: the first's prev_id.
      const expected = dayPrevOf(events, e) ?? mine[0]!.prev_id;
      expect(e.day_prev_id, `event ${e.id}`).toBe(expected);
    }
    await db.close();
  });
});

describe('a sync page written with held statuses a push made stale', () => {
  const H = (h: number) => iso(T0 + h * HOUR);

  /** One EVSE held AVAILABLE at 00:00, then a push, then a page from before or after it. */
  async function race(push: { status: string; at: number }, page: { status: Evse['status']; at: number }) {
    const db = openSqlite(join(dir, `race-${push.status}-${push.at}-${page.status}-${page.at}.db`));
    const base = makeLocation(seededRandom(11), 1, { seed: 11, locations: 1 });
    const one = (status: Evse['status'], h: number): Location => ({
      ...base,
      evses: [{ ...base.evses[0]!, uid: 'R1', status, lastUpdated: H(h) }],
      lastUpdated: H(h),
    });
    const ctx = { sourceId: SOURCE, via: 'pull' as const, runId: 1 };
    const racePk = locationPkOf(SOURCE, base);
    const epk = evseKey(racePk, 'R1');
    await db.batch(writeLocationStmts(one('AVAILABLE', 0), { ...ctx, now: H(0), contentHash: 'a' }));
    const held = {
      statuses: new Map([[epk, { status: 'AVAILABLE', updatedAt: H(0) }]]),
    };
    await db.batch(
      evseStatusStmts(epk, { locationPk: racePk }, push.status, H(push.at), { now: H(3), via: 'push' }),
    );
    await db.batch(
      writeLocationStmts(one(page.status, page.at), { ...ctx, now: H(3), contentHash: 'b', held }),
    );
    const events = await allEvents(db);
    const row = await db.get<{ status: string; last_event_id: number }>(
      'SELECT status, last_event_id FROM evses WHERE pk = ?',
      [epk],
    );
    return { db, epk, events, row: row! };
  }

  it.each([
    // The page is older than the push: its event must not become the head (the reviewer's probe).
    [
      { status: 'CHARGING', at: 2 },
      { status: 'OUTOFORDER' as const, at: 1 },
      'CHARGING',
      ['AVAILABLE', 'CHARGING'],
    ],
    // The page is newer and says what was held: a change from the push's status all the same.
    [
      { status: 'CHARGING', at: 1 },
      { status: 'AVAILABLE' as const, at: 2 },
      'AVAILABLE',
      ['AVAILABLE', 'CHARGING', 'AVAILABLE'],
    ],
    // The page is newer and says what the push said: no second event.
    [
      { status: 'CHARGING', at: 1 },
      { status: 'CHARGING' as const, at: 2 },
      'CHARGING',
      ['AVAILABLE', 'CHARGING'],
    ],
  ])(
    'push %o then page %o: the row and the head of its chain agree, in time order',
    async (push, page, status, chain) => {
      const { db, epk, events, row } = await race(push, page);
      expect(row.status).toBe(status);
      expect(events.map((e) => e.new_status)).toEqual(chain);
      expect(row.last_event_id).toBe(events[events.length - 1]!.id);
      expect(events.map((e) => e.prev_id)).toEqual([null, ...events.slice(0, -1).map((e) => e.id)]);
      expect(events.map((e) => e.old_status)).toEqual([null, ...chain.slice(0, -1)]);
      expect(events.map((e) => e.id)).toEqual(sortedOf(events, epk).map((e) => e.id));
      for (const start of [0.5, 1, 1.5, 2, 2.5])
        await expectTimelineAsSorted(db, events, [epk], H(start), H(4));
      // The rollup walks the chain: its hours equal those of all the events sorted.
      const now = new Date(T0 + 31 * 86_400_000 + 5 * HOUR);
      await rollupStatusEvents(db, { now, retentionDays: 30 });
      expect(await hourly(db)).toEqual(expectedHours(events, new Map(), null, T0 + 29 * HOUR, [epk]));
      await db.close();
    },
  );

  it('EVSE uids of a new location that fold to one EVSE keep the newer status at the head', async () => {
    const db = openSqlite(join(dir, 'fold.db'));
    const base = makeLocation(seededRandom(12), 1, { seed: 12, locations: 1 });
    const e0 = base.evses[0]!;
    const folded: Location = {
      ...base,
      evses: [
        { ...e0, uid: 'T-1', status: 'AVAILABLE', lastUpdated: H(10) },
        { ...e0, uid: 't-1', status: 'CHARGING', lastUpdated: H(5) },
      ],
      lastUpdated: H(10),
    };
    const foldPk = locationPkOf(SOURCE, folded);
    const epk = evseKey(foldPk, 'T-1');
    expect(evseKey(foldPk, 't-1')).toBe(epk);
    await db.batch(
      writeLocationStmts(folded, {
        sourceId: SOURCE,
        now: H(10),
        via: 'pull',
        runId: 1,
        contentHash: 'a',
        held: { statuses: new Map() },
      }),
    );
    const events = await allEvents(db);
    const row = await db.get<{ status: string; last_event_id: number }>(
      'SELECT status, last_event_id FROM evses WHERE pk = ?',
      [epk],
    );
    expect(row).toEqual({ status: 'AVAILABLE', last_event_id: events[events.length - 1]!.id });
    expect(events.map((e) => e.new_status)).toEqual(['AVAILABLE']);
    await expectTimelineAsSorted(db, events, [epk], H(6), H(12));
    await db.close();
  });
});

describe('migration 0016', () => {
  const EVSES = ['a', 'b', 'c', 'd'];
  const firstNow = new Date(T0 + 32 * 86_400_000);
  let file: string;
  let before: Event[];

  // A database at 0015 whose chains an older atlas wrote out of time order: each event linked to
  // its EVSE's newest id as the writers of then did (prev_id the head, day_prev_id by the writers'
  // rule, old_status the head's), some dated before the head (by up to 3 hours, or the same second);
  // EVSE d always in time order. Each change is queued for an OCPI client as the outbox trigger
  // does, and the oldest ids are gone (rolled up) so some chains end at an id no longer held.
  beforeAll(() => {
    file = join(dir, 'migrated-0016.db');
    const old = databaseAt(file, migrationsUpTo(dir, 15));
    old.exec(`INSERT INTO locations (pk, source_id, country_code, party_id, ocpi_id, publish, lat, lon, cell,
        facilities, warnings, last_updated, content_hash, first_seen_at, synced_at)
      VALUES ('L', 's', 'DE', 'ABC', '1', 1, 52.5, 13.4, 0, '[]', '[]', '2026-01-01T00:00:00Z', '', '', '')`);
    for (const e of EVSES)
      old
        .prepare(
          `INSERT INTO evses (pk, location_pk, uid, status, capabilities, parking_restrictions) VALUES (?, 'L', ?, 'AVAILABLE', '[]', '[]')`,
        )
        .run(e, e);
    const insertEvent = old.prepare(
      `INSERT INTO evse_status_events (evse_pk, location_pk, old_status, new_status, occurred_at, received_at, via,
         prev_id, day_prev_id) VALUES (?, 'L', ?, ?, ?, ?, 'push', ?, ?)`,
    );
    const queue = old.prepare(
      `INSERT INTO ocpi_outbox (client_id, kind, object_pk, evse_pk, status, occurred_at)
       VALUES (?, 'evse_status', 'L', ?, ?, ?)`,
    );
    const rnd = seededRandom(17);
    const heads = new Map<string, { id: number; at: string; status: string; dayPrev: number | null }>();
    let t = T0 + 13 * 60_000;
    for (let k = 0; k < 400; k++) {
      t += Math.floor(rnd() * 40 * 60_000) + 1000;
      const evse = EVSES[Math.floor(rnd() * 4)]!;
      const head = heads.get(evse);
      const r = rnd();
      const when =
        head && evse !== 'd' && r < 0.25
          ? r < 0.05
            ? head.at
            : at(Math.min(t, Date.parse(head.at)) - Math.floor(rnd() * 3 * HOUR))
          : at(t);
      const status = STATUSES[Math.floor(rnd() * 4)]!;
      const dayPrev = !head ? null : head.at.slice(0, 10) === when.slice(0, 10) ? head.dayPrev : head.id;
      const id = Number(
        insertEvent.run(evse, head?.status ?? null, status, when, at(t + 500), head?.id ?? null, dayPrev)
          .lastInsertRowid,
      );
      queue.run(CLIENT, evse, status, when);
      heads.set(evse, { id, at: when, status, dayPrev });
    }
    for (const [e, h] of heads) old.prepare('UPDATE evses SET last_event_id = ? WHERE pk = ?').run(h.id, e);
    old.prepare('DELETE FROM evse_status_events WHERE id <= 12').run();
    before = old.prepare('SELECT * FROM evse_status_events ORDER BY id').all() as Event[];
    old.close();
  }, 60_000);

  async function migrated(name: string): Promise<Db> {
    copyFileSync(file, join(dir, name));
    return openSqlite(join(dir, name));
  }

  it('relinks each chain in (occurred_at, id) order, and leaves chains in order as they were', async () => {
    const backward = before.filter((e) => {
      const p = before.find((x) => x.id === e.prev_id);
      return (
        p !== undefined && (p.occurred_at > e.occurred_at || (p.occurred_at === e.occurred_at && p.id > e.id))
      );
    });
    expect(new Set(backward.map((e) => e.evse_pk))).toEqual(new Set(['a', 'b', 'c']));
    // Ties in time too, which the chain orders by id.
    const ties = before.filter((e) =>
      before.some((x) => x.id !== e.id && x.evse_pk === e.evse_pk && x.occurred_at === e.occurred_at),
    );
    expect(ties.length).toBeGreaterThan(1);
    const db = await migrated('relinked.db');
    const events = await allEvents(db);
    const held = new Set(events.map((e) => e.id));
    expect(events.map((e) => ({ ...e, prev_id: 0, day_prev_id: 0 }))).toEqual(
      before.map((e) => ({ ...e, prev_id: 0, day_prev_id: 0 })),
    );
    for (const evse of EVSES) {
      const sorted = sortedOf(events, evse);
      const head = await db.get<{ id: number }>('SELECT last_event_id AS id FROM evses WHERE pk = ?', [evse]);
      expect(head!.id, evse).toBe(sorted[sorted.length - 1]!.id);
      expect(walkedIds(events, head!.id), evse).toEqual(sorted.map((e) => e.id));
    }
    for (const e of events) {
      const expected = dayPrevOf(events, e);
      // None held before its day: null, or a pointer to an event rolled up (the same to a reader).
      if (expected === null)
        expect(e.day_prev_id === null || !held.has(e.day_prev_id), `event ${e.id}`).toBe(true);
      else expect(e.day_prev_id, `event ${e.id}`).toBe(expected);
    }
    const d = (list: Event[]) => list.filter((e) => e.evse_pk === 'd');
    expect(d(events)).toEqual(d(before));
    const leftovers = await db.all("SELECT name FROM sqlite_master WHERE name LIKE 'status_chain_repair%'");
    expect(leftovers).toEqual([]);
    await db.close();
  });

  it('raw timelines and the outbox walk then equal all events sorted', async () => {
    const db = await migrated('read.db');
    const events = await allEvents(db);
    const rnd = seededRandom(19);
    const first = Date.parse(events[0]!.occurred_at) - 3 * HOUR;
    const last = Date.parse(events[events.length - 1]!.occurred_at);
    for (let k = 0; k < 60; k++) {
      const start = first + Math.floor(rnd() * (last - first + 2 * HOUR));
      const end = start + Math.floor(rnd() * (k % 2 === 0 ? 3 : 40) * HOUR);
      await expectTimelineAsSorted(
        db,
        events,
        k % 3 === 0 ? ['a'] : [...EVSES, 'no-such-evse'],
        at(start),
        at(end),
      );
    }
    for (const e of events)
      await expectTimelineAsSorted(db, events, EVSES, e.occurred_at, at(Date.parse(e.occurred_at) + 1000));
    const queued = await db.all<{ id: number }>('SELECT id FROM ocpi_outbox ORDER BY id');
    for (let k = 0; k < queued.length; k += 3) {
      const afterId = queued[k]!.id;
      const got = await statusesQueuedAfter(db, CLIENT, 'L', afterId);
      expect(got, `after ${afterId}`).toEqual(await queuedOldStatusesBySearch(db, afterId, 'L'));
    }
    await db.close();
  });

  it('the rollup gives the hours of all events sorted, and never counts a second twice across chunks', async () => {
    const cutoffMs = Math.floor((firstNow.getTime() - 30 * 86_400_000) / HOUR) * HOUR;
    const db = await migrated('rollup.db');
    const events = await allEvents(db);
    const taken = events.filter((e) => e.occurred_at < iso(cutoffMs) && e.received_at < iso(cutoffMs));
    expect(taken.length).toBeGreaterThan(100);
    expect(taken.length).toBeLessThan(events.length);
    await rollupStatusEvents(db, { now: firstNow, retentionDays: 30 });
    expect(await hourly(db)).toEqual(expectedHours(events, new Map(), null, cutoffMs, EVSES));
    await db.close();
    // A chunk an event: an event older than one an earlier chunk took counts from that one's time.
    const one = await migrated('rollup-1.db');
    await rollupStatusEvents(one, { now: firstNow, retentionDays: 30, chunk: 1 });
    const sums = new Map<string, number>();
    for (const r of await hourly(one))
      sums.set(`${r.evse_pk}|${r.hour}`, (sums.get(`${r.evse_pk}|${r.hour}`) ?? 0) + r.seconds);
    expect(sums.size).toBeGreaterThan(20);
    for (const [key, seconds] of sums) {
      const [evse, hour] = key.split('|') as [string, string];
      const start = Date.parse(hour);
      const from = Date.parse(taken.find((e) => e.evse_pk === evse)!.occurred_at);
      expect(seconds, key).toBe((Math.min(start + HOUR, cutoffMs) - Math.max(start, from)) / 1000);
    }
    await one.close();
  });

  it('the rollup carries the newest status by time when it comes before an older event by id, in any chunks', async () => {
    // EVSE a's events in id order as an older atlas wrote them: the one of 09:00 after the one of
    // 10:00, the one of 12:00 after the one of 12:30. Rolled a chunk at a time, the older ones
    // come after the newer ones they were superseded by.
    const events: [string, string][] = [
      ['2026-03-01T10:00:00Z', 'CHARGING'],
      ['2026-03-01T09:00:00Z', 'BLOCKED'],
      ['2026-03-01T12:30:00Z', 'OUTOFORDER'],
      ['2026-03-01T12:00:00Z', 'AVAILABLE'],
    ];
    for (const chunk of [1, 2, 2000]) {
      const old = databaseAt(join(dir, `superseded-${chunk}.db`), migrationsUpTo(dir, 15));
      old.exec(`INSERT INTO locations (pk, source_id, country_code, party_id, ocpi_id, publish, lat, lon, cell,
          facilities, warnings, last_updated, content_hash, first_seen_at, synced_at)
        VALUES ('L', 's', 'DE', 'ABC', '1', 1, 52.5, 13.4, 0, '[]', '[]', '2026-01-01T00:00:00Z', '', '', '');
        INSERT INTO evses (pk, location_pk, uid, status, capabilities, parking_restrictions)
        VALUES ('a', 'L', 'a', 'AVAILABLE', '[]', '[]')`);
      let prev: number | null = null;
      for (const [when, status] of events) {
        prev = Number(
          old
            .prepare(`INSERT INTO evse_status_events (evse_pk, location_pk, new_status, occurred_at, received_at, via,
               prev_id) VALUES ('a', 'L', ?, ?, ?, 'push', ?)`)
            .run(status, when, when, prev).lastInsertRowid,
        );
      }
      old.prepare("UPDATE evses SET last_event_id = ? WHERE pk = 'a'").run(prev);
      old.close();
      const db = openSqlite(join(dir, `superseded-${chunk}.db`));
      await rollupStatusEvents(db, { now: firstNow, retentionDays: 30, chunk });
      const state = await db.get<{ status: string }>(
        "SELECT status FROM evse_status_rollup WHERE evse_pk = 'a'",
      );
      expect(state?.status, `chunk ${chunk}`).toBe('OUTOFORDER');
      const rows = await hourly(db);
      expect(rows.at(-1)?.end_status, `chunk ${chunk}`).toBe('OUTOFORDER');
      const perHour = new Map<string, number>();
      for (const r of rows) perHour.set(r.hour, (perHour.get(r.hour) ?? 0) + r.seconds);
      for (const [hour, seconds] of perHour) expect(seconds, hour).toBeLessThanOrEqual(3600);
      await db.close();
    }
  });

  it('the rollup carries the newer of two late events of an EVSE, in any chunks', async () => {
    // Both dated before the first run's cutoff and received after it, in time order: the second run
    // counts both from that cutoff, and the newer one's status is carried.
    for (const chunk of [1, 2000]) {
      const db = openSqlite(join(dir, `late-${chunk}.db`));
      await db.batch([
        {
          sql: `INSERT INTO locations (pk, source_id, country_code, party_id, ocpi_id, publish, lat, lon, cell,
            facilities, warnings, last_updated, content_hash, first_seen_at, synced_at)
            VALUES ('L', 's', 'DE', 'ABC', '1', 1, 52.5, 13.4, 0, '[]', '[]', '2026-01-01T00:00:00Z', '', '', '')`,
          params: [],
        },
        {
          sql: `INSERT INTO evses (pk, location_pk, uid, status, capabilities, parking_restrictions)
            VALUES ('a', 'L', 'a', 'AVAILABLE', '[]', '[]')`,
          params: [],
        },
      ]);
      const event = (when: string, received: string, status: string) => ({
        sql: `INSERT INTO evse_status_events (evse_pk, location_pk, new_status, occurred_at, received_at, via)
          VALUES ('a', 'L', ?, ?, ?, 'push')`,
        params: [status, when, received],
      });
      await db.batch([event('2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z', 'CHARGING')]);
      await rollupStatusEvents(db, { now: new Date('2026-04-01T00:00:00Z'), retentionDays: 30, chunk });
      await db.batch([
        event('2026-03-01T20:00:00Z', '2026-03-05T00:00:00Z', 'BLOCKED'),
        event('2026-03-01T21:00:00Z', '2026-03-05T00:00:01Z', 'OUTOFORDER'),
      ]);
      await rollupStatusEvents(db, { now: new Date('2026-04-05T00:00:00Z'), retentionDays: 30, chunk });
      const state = await db.get<{ status: string }>(
        "SELECT status FROM evse_status_rollup WHERE evse_pk = 'a'",
      );
      expect(state?.status, `chunk ${chunk}`).toBe('OUTOFORDER');
      await db.close();
    }
  });
});

describe('migration 0018', () => {
  // Chains an older atlas linked in id order, whose rollup then deleted the events dated before its
  // cutoff (10:00 on March 1st) whatever their ids: an event in the middle of a chain is gone and
  // the events before it are cut off from the head. One EVSE a shape; ids as written, [time, gone].
  const D1 = '2026-03-01';
  const D2 = '2026-03-02';
  const D3 = '2026-03-03';
  const SHAPES: Record<string, [string, boolean][]> = {
    // The reviewer's case: 10:00, 09:00 (gone), 11:00 linked to it. Walked: [11:00] alone.
    hole: [
      [`${D1}T10:00:00Z`, false],
      [`${D1}T09:00:00Z`, true],
      [`${D1}T11:00:00Z`, false],
    ],
    // Two holes: three starts.
    twoHoles: [
      [`${D1}T10:00:00Z`, false],
      [`${D1}T09:00:00Z`, true],
      [`${D1}T10:30:00Z`, false],
      [`${D1}T09:30:00Z`, true],
      [`${D1}T11:00:00Z`, false],
      [`${D1}T11:30:00Z`, false],
    ],
    // A hole in a chain also out of time order: the 11:00 event belongs between 10:00 and 12:00.
    outOfOrder: [
      [`${D1}T11:00:00Z`, false],
      [`${D1}T09:00:00Z`, true],
      [`${D1}T10:00:00Z`, false],
      [`${D1}T12:00:00Z`, false],
    ],
    // Across days: the next days' day skips name the gone event, so a walk to March 1st hops to it.
    days: [
      [`${D1}T10:00:00Z`, false],
      [`${D1}T09:00:00Z`, true],
      [`${D2}T08:00:00Z`, false],
      [`${D2}T09:00:00Z`, false],
      [`${D3}T01:00:00Z`, false],
      [`${D3}T00:00:00Z`, false],
    ],
    // The head itself gone: one start, and nothing walked.
    lostHead: [
      [`${D1}T10:30:00Z`, false],
      [`${D1}T09:00:00Z`, true],
    ],
    // In time order with its oldest events rolled up: left as it was, byte for byte.
    whole: [
      [`${D1}T08:00:00Z`, true],
      [`${D1}T09:00:00Z`, true],
      [`${D1}T10:00:00Z`, false],
      [`${D2}T10:00:00Z`, false],
    ],
  };
  const EVSES = Object.keys(SHAPES);
  let file: string;
  let before: Event[];
  let beforeHeads: Map<string, number>;

  /** A database before 0018 with location L and `evses`, open on the driver. */
  function databaseBefore0018(name: string, evses: string[]): Database.Database {
    const old = databaseAt(join(dir, name), migrationsUpTo(dir, { before: '_status_event_chain_starts' }));
    old.exec(`INSERT INTO locations (pk, source_id, country_code, party_id, ocpi_id, publish, lat, lon, cell,
        facilities, warnings, last_updated, content_hash, first_seen_at, synced_at)
      VALUES ('L', 's', 'DE', 'ABC', '1', 1, 52.5, 13.4, 0, '[]', '[]', '2026-01-01T00:00:00Z', '', '', '')`);
    const insertEvse = old.prepare(
      `INSERT INTO evses (pk, location_pk, uid, status, capabilities, parking_restrictions) VALUES (?, 'L', ?, 'AVAILABLE', '[]', '[]')`,
    );
    for (const e of evses) insertEvse.run(e, e);
    return old;
  }

  // The shapes' events interleaved by id across the EVSEs, each linked as the writers of then did
  // (prev_id the head, day_prev_id by the writers' rule, old_status the head's), queued for an OCPI
  // client as the outbox trigger does; then the gone ones deleted.
  beforeAll(() => {
    file = join(dir, 'migrated-0018.db');
    const old = databaseBefore0018('migrated-0018.db', EVSES);
    const insertEvent = old.prepare(
      `INSERT INTO evse_status_events (evse_pk, location_pk, old_status, new_status, occurred_at, received_at, via,
         prev_id, day_prev_id) VALUES (?, 'L', ?, ?, ?, ?, 'push', ?, ?)`,
    );
    const queue = old.prepare(
      `INSERT INTO ocpi_outbox (client_id, kind, object_pk, evse_pk, status, occurred_at)
       VALUES (?, 'evse_status', 'L', ?, ?, ?)`,
    );
    const heads = new Map<string, { id: number; at: string; status: string; dayPrev: number | null }>();
    const gone: number[] = [];
    for (let k = 0; k < Math.max(...EVSES.map((e) => SHAPES[e]!.length)); k++) {
      for (const [n, evse] of EVSES.entries()) {
        const step = SHAPES[evse]![k];
        if (!step) continue;
        const [when, rolled] = step;
        const head = heads.get(evse);
        const status = STATUSES[(k + n) % 4]!;
        const dayPrev = !head ? null : head.at.slice(0, 10) === when.slice(0, 10) ? head.dayPrev : head.id;
        const id = Number(
          insertEvent.run(evse, head?.status ?? null, status, when, when, head?.id ?? null, dayPrev)
            .lastInsertRowid,
        );
        queue.run(CLIENT, evse, status, when);
        heads.set(evse, { id, at: when, status, dayPrev });
        if (rolled) gone.push(id);
      }
    }
    for (const [e, h] of heads) old.prepare('UPDATE evses SET last_event_id = ? WHERE pk = ?').run(h.id, e);
    old
      .prepare('DELETE FROM evse_status_events WHERE id IN (SELECT value FROM json_each(?))')
      .run(JSON.stringify(gone));
    before = old.prepare('SELECT * FROM evse_status_events ORDER BY id').all() as Event[];
    beforeHeads = new Map([...heads].map(([e, h]) => [e, h.id]));
    old.close();
  });

  async function migrated(name: string): Promise<Db> {
    copyFileSync(file, join(dir, name));
    return openSqlite(join(dir, name));
  }

  it('relinks each cut chain in (occurred_at, id) order, and leaves a whole one as it was', async () => {
    // What the readers had before: a chain from the head missing held events (or all of them).
    for (const evse of EVSES.filter((e) => e !== 'whole')) {
      expect(walkedIds(before, beforeHeads.get(evse)!).length, evse).toBeLessThan(
        sortedOf(before, evse).length,
      );
    }
    const db = await migrated('relinked-0018.db');
    const events = await allEvents(db);
    const held = new Set(events.map((e) => e.id));
    expect(events.map((e) => ({ ...e, prev_id: 0, day_prev_id: 0 }))).toEqual(
      before.map((e) => ({ ...e, prev_id: 0, day_prev_id: 0 })),
    );
    for (const evse of EVSES) {
      const sorted = sortedOf(events, evse);
      const head = await db.get<{ id: number }>('SELECT last_event_id AS id FROM evses WHERE pk = ?', [evse]);
      expect(head!.id, evse).toBe(sorted.at(-1)!.id);
      expect(walkedIds(events, head!.id), evse).toEqual(sorted.map((e) => e.id));
      // The first held event keeps its pointer to an event rolled up (none, to a reader).
      expect(sorted[0]!.prev_id === null || !held.has(sorted[0]!.prev_id), evse).toBe(true);
    }
    for (const e of events) {
      const expected = dayPrevOf(events, e);
      if (expected === null)
        expect(e.day_prev_id === null || !held.has(e.day_prev_id), `event ${e.id}`).toBe(true);
      else expect(e.day_prev_id, `event ${e.id}`).toBe(expected);
    }
    const whole = (list: Event[]) => list.filter((e) => e.evse_pk === 'whole');
    expect(whole(events)).toEqual(whole(before));
    const leftovers = await db.all("SELECT name FROM sqlite_master WHERE name LIKE 'status_chain_repair%'");
    expect(leftovers).toEqual([]);
    await db.close();
  });

  it('raw timelines and the outbox walk then equal all events sorted, on every second and day', async () => {
    const db = await migrated('read-0018.db');
    const events = await allEvents(db);
    const windows: [string, string][] = [];
    for (const e of events) {
      const t = Date.parse(e.occurred_at);
      windows.push(
        [e.occurred_at, at(t + 1000)],
        [at(t - 1000), e.occurred_at],
        [at(t - 1000), at(t + HOUR)],
      );
    }
    for (const day of [D1, D2, D3])
      windows.push([`${day}T00:00:00Z`, iso(Date.parse(`${day}T00:00:00Z`) + 24 * HOUR)]);
    windows.push([`${D1}T00:00:00Z`, `${D3}T12:00:00Z`]);
    for (const [start, end] of windows) {
      await expectTimelineAsSorted(db, events, [...EVSES, 'no-such-evse'], start, end);
      for (const evse of EVSES) await expectTimelineAsSorted(db, events, [evse], start, end);
    }
    const queued = await db.all<{ id: number }>('SELECT id FROM ocpi_outbox ORDER BY id');
    for (const q of queued) {
      const got = await statusesQueuedAfter(db, CLIENT, 'L', q.id - 1);
      expect(got, `after ${q.id - 1}`).toEqual(await queuedOldStatusesBySearch(db, q.id - 1, 'L'));
    }
    await db.close();
  });

  it('writes nothing to a whole database, run once or twice', async () => {
    // The history written by today's writers, its older part rolled up: one start an EVSE.
    const db = await open('whole-0018.db');
    await rollupStatusEvents(db, { now: new Date(T0 + 32 * 86_400_000), retentionDays: 30 });
    const events = await allEvents(db);
    expect(events.length).toBeGreaterThan(20);
    expect(events.filter((e) => e.prev_id !== null && !events.some((x) => x.id === e.prev_id))).toHaveLength(
      3,
    );
    await db.close();
    const sqlite = new Database(join(dir, 'whole-0018.db'));
    for (let run = 0; run < 2; run++) expect(run0018(sqlite), `run ${run}`).toEqual({ written: 0 });
    sqlite.close();
    // And a database migrated above, repaired: whole now.
    copyFileSync(file, join(dir, 'again-0018.db'));
    (await openSqlite(join(dir, 'again-0018.db'))).close();
    const again = new Database(join(dir, 'again-0018.db'));
    expect(run0018(again)).toEqual({ written: 0 });
    again.close();
  });

  it('migrates a database without events', async () => {
    databaseBefore0018('empty-0018.db', ['a', 'b']).close();
    const db = openSqlite(join(dir, 'empty-0018.db'));
    expect(await db.all('SELECT pk, last_event_id FROM evses ORDER BY pk')).toEqual([
      { pk: 'a', last_event_id: null },
      { pk: 'b', last_event_id: null },
    ]);
    expect(await db.all("SELECT name FROM sqlite_master WHERE name LIKE 'status_chain_repair%'")).toEqual([]);
    await db.close();
  });
});

/** Runs 0018's statements on a database as the migrator would; the rows it changed outside its own tables. */
function run0018(sqlite: Database.Database): { written: number } {
  const sql = readFileSync(join(MIGRATIONS_DIR, '0018_status_event_chain_starts.sql'), 'utf8');
  let written = 0;
  for (const stmt of sql.split('--> statement-breakpoint')) {
    const changes = sqlite.prepare(stmt).run().changes;
    if (/^\s*(UPDATE|DELETE)/m.test(stmt.replace(/^--.*$/gm, ''))) written += changes;
  }
  return { written };
}

describe('the rollup of a chain relinked against its ids', () => {
  it('takes the older events before one it takes off the chain too, so no second start is left', async () => {
    // As an older atlas wrote them, in id order: 09:00; 08:00 received late (10:30, after the
    // cutoff of 10:00); 11:00. 0016 relinks them 08:00, 09:00, 11:00; the rollup takes 09:00 alone
    // by id, and 11:00's link would name an event gone, 08:00 a second start.
    const events: [string, string][] = [
      ['2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z'],
      ['2026-03-01T08:00:00Z', '2026-03-01T10:30:00Z'],
      ['2026-03-01T11:00:00Z', '2026-03-01T11:00:00Z'],
    ];
    for (const chunk of [1, 2000]) {
      const file = join(dir, `relinked-rollup-${chunk}.db`);
      const old = databaseAt(file, migrationsUpTo(dir, 15));
      old.exec(`INSERT INTO evses (pk, location_pk, uid, status, capabilities, parking_restrictions)
        VALUES ('a', 'L', 'a', 'AVAILABLE', '[]', '[]')`);
      let prev: number | null = null;
      for (const [when, received] of events) {
        prev = Number(
          old
            .prepare(`INSERT INTO evse_status_events (evse_pk, location_pk, new_status, occurred_at, received_at, via,
               prev_id) VALUES ('a', 'L', 'CHARGING', ?, ?, 'push', ?)`)
            .run(when, received, prev).lastInsertRowid,
        );
      }
      old.prepare("UPDATE evses SET last_event_id = ? WHERE pk = 'a'").run(prev);
      old.close();
      const db = openSqlite(file);
      const r = await rollupStatusEvents(db, {
        now: new Date('2026-03-31T10:00:00Z'),
        retentionDays: 30,
        chunk,
      });
      const held = await allEvents(db);
      expect(
        held.map((e) => e.occurred_at),
        `chunk ${chunk}`,
      ).toEqual(['2026-03-01T11:00:00Z']);
      expect(r.eventsDeleted, `chunk ${chunk}`).toBe(2);
      const head = await db.get<{ id: number }>("SELECT last_event_id AS id FROM evses WHERE pk = 'a'");
      expect(walkedIds(held, head!.id), `chunk ${chunk}`).toEqual(held.map((e) => e.id));
      await db.close();
    }
  });
});
