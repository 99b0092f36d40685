// The span of the status day dumps (statusDaySpan): history starts when the atlas first held a
// location of an OCPI feed, never at the older dates its events or a register's records carry. The
// span remembers min(first_seen_at) per Db and scans only the locations added since; checked against
// the full scan after every kind of change: locations of a register (dated earlier, not counted),
// of a feed, a register turned into a feed and back, and the rollup's watermark and running cutoff.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLLUP_RUNNING_KEY, ROLLUP_WATERMARK_KEY } from '../../src/db/queries/status.js';
import { statusDaySpan } from '../../src/db/queries/status-days.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { iso } from '../../src/model/iso-time.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-05-01T00:00:00Z');

let dir: string;
let db: Db;

async function setSource(id: string, type: string): Promise<void> {
  await db.batch([
    {
      sql: `INSERT INTO sources (id, name, type, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET type = excluded.type`,
      params: [id, id, type, iso(T0)],
    },
  ]);
}

/** A location of `source` first held at `firstSeenMs`, with one status event dated `eventMs`. */
async function addLocation(source: string, id: string, firstSeenMs: number, eventMs: number): Promise<void> {
  await db.batch([
    {
      sql: `INSERT INTO locations (pk, source_id, country_code, party_id, ocpi_id, publish, lat, lon, cell,
          facilities, warnings, last_updated, content_hash, first_seen_at, synced_at)
        VALUES (?, ?, 'NL', 'TNM', ?, 1, 52.1, 5.1, 0, '[]', '[]', ?, '', ?, ?)`,
      params: [`${source}-${id}`, source, id, iso(eventMs), iso(firstSeenMs), iso(firstSeenMs)],
    },
    {
      sql: `INSERT INTO evse_status_events (evse_pk, location_pk, old_status, new_status, occurred_at,
          received_at, via) VALUES (?, ?, NULL, 'UNKNOWN', ?, ?, 'pull')`,
      params: [`${source}-${id}-1`, `${source}-${id}`, iso(eventMs), iso(firstSeenMs)],
    },
  ]);
}

async function expectAsFullScan(label: string): Promise<string | null> {
  const full = await db.get<{ first: string | null }>(
    `SELECT min(first_seen_at) AS first FROM locations
     WHERE source_id IN (SELECT id FROM sources WHERE type = 'ocpi')`,
  );
  const span = await statusDaySpan(db);
  expect(span.firstKnownAt, label).toBe(full?.first ?? null);
  return span.firstKnownAt;
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
  it('starts when a feed was first held, not at its records dates nor at a register', async () => {
    await setSource('register', 'bnetza-csv');
    await setSource('feed', 'ocpi');
    expect(await expectAsFullScan('nothing held')).toBeNull();
    // A register's records carry their last edit (2010 on the BNetzA file): no history at all.
    await addLocation('register', 'r1', T0 + 1 * DAY, Date.parse('2010-07-27T00:00:00Z'));
    expect(await expectAsFullScan('a register only')).toBeNull();
    // A feed's first pull: its EVSE's status dated 2019, learned at T0 + 5 days.
    await addLocation('feed', 'f1', T0 + 5 * DAY, Date.parse('2019-03-01T00:00:00Z'));
    expect(await expectAsFullScan('a feed')).toBe(iso(T0 + 5 * DAY));
    await addLocation('feed', 'f2', T0 + 9 * DAY, T0 + 9 * DAY);
    expect(await expectAsFullScan('a later feed location')).toBe(iso(T0 + 5 * DAY));
    expect(await expectAsFullScan('nothing added')).toBe(iso(T0 + 5 * DAY));
    // The register becomes a feed (its sources-file entry changed): its locations count, then no more.
    await setSource('register', 'ocpi');
    expect(await expectAsFullScan('the register as a feed')).toBe(iso(T0 + 1 * DAY));
    await setSource('register', 'irve');
    expect(await expectAsFullScan('a register again')).toBe(iso(T0 + 5 * DAY));
  });

  it('reports the later of the rollup watermark and a running rollup cutoff', async () => {
    const at = (key: string, ms: number) => ({
      sql: 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      params: [key, iso(ms)],
    });
    await db.batch([at(ROLLUP_WATERMARK_KEY, T0 + 20 * DAY)]);
    expect((await statusDaySpan(db)).watermark).toBe(iso(T0 + 20 * DAY));
    // A rollup to T0 + 21 days has begun: its events before that are being deleted.
    await db.batch([at(ROLLUP_RUNNING_KEY, T0 + 21 * DAY)]);
    expect((await statusDaySpan(db)).watermark).toBe(iso(T0 + 21 * DAY));
  });
});
