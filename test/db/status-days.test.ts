// The span of the status day dumps (statusDaySpan) remembers min(occurred_at) per Db and scans only
// the ids added since, instead of the whole table on every call. Checked against the full scan
// after every kind of change: events added whose occurred_at order differs from their id order
// across EVSEs (earlier and later than anything held), a rollup that deletes the oldest, and a
// rollup caught mid-run (its running cutoff recorded, some events deleted, no new watermark yet).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLLUP_RUNNING_KEY, rollupStatusEvents } from '../../src/db/queries/status.js';
import { statusDaySpan } from '../../src/db/queries/status-days.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { iso } from '../../src/model/iso-time.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-05-01T00:00:00Z');

let dir: string;
let db: Db;

/** Appends events (ids in the order given), each received at `receivedMs`. */
async function append(events: { evse: string; at: number }[], receivedMs: number): Promise<void> {
  await db.batch(
    events.map((e) => ({
      sql: `INSERT INTO evse_status_events (evse_pk, location_pk, old_status, new_status, occurred_at,
              received_at, via) VALUES (?, 'loc', NULL, 'AVAILABLE', ?, ?, 'push')`,
      params: [e.evse, iso(e.at), iso(receivedMs)],
    })),
  );
}

async function expectAsFullScan(label: string): Promise<string | null> {
  const full = await db.get<{ first: string | null }>(
    'SELECT min(occurred_at) AS first FROM evse_status_events',
  );
  const span = await statusDaySpan(db);
  expect(span.firstEventAt, label).toBe(full?.first ?? null);
  return span.firstEventAt;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-status-days-'));
  db = openSqlite(join(dir, 'span.db'));
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the span of the status day dumps', () => {
  it('equals the full scan as events are added out of id order, rolled up, and deleted mid-rollup', async () => {
    expect(await expectAsFullScan('no events')).toBeNull();
    // Ids follow arrival, occurred_at does not: a later id of another EVSE is dated earlier.
    await append(
      [
        { evse: 'a', at: T0 + 40 * DAY },
        { evse: 'b', at: T0 + 35 * DAY },
        { evse: 'a', at: T0 + 41 * DAY },
      ],
      T0 + 42 * DAY,
    );
    expect(await expectAsFullScan('first events')).toBe(iso(T0 + 35 * DAY));
    // A new EVSE whose first event is older than anything held, behind one dated later.
    await append(
      [
        { evse: 'c', at: T0 + 50 * DAY },
        { evse: 'd', at: T0 + 2 * DAY },
      ],
      T0 + 51 * DAY,
    );
    expect(await expectAsFullScan('an older event, later id')).toBe(iso(T0 + 2 * DAY));
    await append([{ evse: 'e', at: T0 + 60 * DAY }], T0 + 60 * DAY);
    expect(await expectAsFullScan('a newer event')).toBe(iso(T0 + 2 * DAY));
    expect(await expectAsFullScan('nothing added')).toBe(iso(T0 + 2 * DAY));

    // The rollup deletes the oldest events (all but the one dated at its cutoff): the span moves later.
    await rollupStatusEvents(db, { now: new Date(T0 + 90 * DAY), retentionDays: 30 });
    expect(await expectAsFullScan('after a rollup')).toBe(iso(T0 + 60 * DAY));
    await append(
      [
        { evse: 'g', at: T0 + 65 * DAY },
        { evse: 'h', at: T0 + 62 * DAY },
      ],
      T0 + 70 * DAY,
    );
    expect(await expectAsFullScan('added after a rollup')).toBe(iso(T0 + 60 * DAY));

    // A rollup interrupted after deleting some events, before its watermark.
    await db.batch([
      {
        sql: 'INSERT INTO meta (key, value) VALUES (?, ?)',
        params: [ROLLUP_RUNNING_KEY, iso(T0 + 63 * DAY)],
      },
      { sql: 'DELETE FROM evse_status_events WHERE occurred_at < ?', params: [iso(T0 + 63 * DAY)] },
    ]);
    expect(await expectAsFullScan('mid-rollup')).toBe(iso(T0 + 65 * DAY));
    await append([{ evse: 'f', at: T0 + 64 * DAY }], T0 + 71 * DAY);
    expect(await expectAsFullScan('mid-rollup, an event added')).toBe(iso(T0 + 64 * DAY));
  });
});
