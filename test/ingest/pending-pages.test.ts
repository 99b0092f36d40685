// Several pulled pages written in one transaction (src/ingest/pending-pages.ts): nothing of a page
// lands, nor is counted, before its batch commits, and the result is the one a commit per page gives.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import {
  applyLocationPage,
  ocpiItem,
  type PageContext,
  queueLocationPage,
} from '../../src/ingest/apply-page.js';
import { PendingPages, ROW_BUDGET } from '../../src/ingest/pending-pages.js';
import { type RunCounters, startRun, zeroCounters } from '../../src/ingest/run-record.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import { normalizeLocation } from '../../src/model/normalize-location.js';
import { siteFeaturesFromScratch } from '../helpers/site-features-reference.js';
import { ocpiSourceConfig } from '../helpers/source-config.js';
import { testDir } from '../helpers/test-dir.js';
import { ocpiLocation } from '../ocpi/receiver/push-harness.js';

type EvseSpec = Parameters<typeof ocpiLocation>[1]['evses'][number];

const page = (...locations: { id: string; at: string; evses: EvseSpec[] }[]) =>
  locations.map((l, i) =>
    ocpiItem(
      ocpiLocation('2.2.1', { id: l.id, lat: 52.1 + i / 100, lon: 5.1, lastUpdated: l.at, evses: l.evses }),
      (r) => normalizeLocation(r, '2.2.1'),
    ),
  );

async function runContext(db: Db, counters: RunCounters): Promise<PageContext> {
  // An openly licensed source, so its locations are published and have read-model rows.
  await upsertSources(
    db,
    [ocpiSourceConfig({ id: 'cpo', versions_url: 'http://127.0.0.1:9/versions', token: 't' })],
    '2026-12-01T12:00:00Z',
  );
  const runId = await startRun(db, 'cpo', 'full', '2026-12-01T12:00:00Z', null);
  return { db, sourceId: 'cpo', runId, now: '2026-12-01T12:00:00Z', counters, seen: new Map() };
}

const count = async (db: Db, table: string) =>
  (await db.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))!.n;

/** What a user of the data sees of the written pages (no row ids, no write times). */
async function written(db: Db) {
  return {
    evses: await db.all(
      'SELECT pk, location_pk, status, status_updated_at, removed_at IS NOT NULL AS removed FROM evses ORDER BY pk',
    ),
    connectors: await db.all('SELECT pk, evse_pk, max_power_w FROM connectors ORDER BY pk'),
    events: await db.all(
      'SELECT evse_pk, old_status, new_status, occurred_at FROM evse_status_events ORDER BY evse_pk, occurred_at',
    ),
    features: await db.all('SELECT id, feature FROM site_features ORDER BY id'),
  };
}

describe('pages written several to a transaction', () => {
  it('writes and counts nothing of a held page until its batch commits', async () => {
    const db = openSqlite(join(testDir('atlas-pending-'), 'a.db'));
    const counters = zeroCounters();
    const ctx = await runContext(db, counters);
    let commits = 0;
    const pending = new PendingPages(
      db,
      counters,
      async () => {
        commits++;
      },
      ROW_BUDGET,
    );
    await queueLocationPage(
      page(
        { id: 'P1', at: '2026-12-01T10:00:00Z', evses: [{ uid: 'E1', status: 'AVAILABLE' }] },
        { id: 'P2', at: '2026-12-01T10:00:00Z', evses: [{ uid: 'E1', status: 'CHARGING' }] },
      ),
      ctx,
      pending,
    );
    await queueLocationPage(
      page({ id: 'P3', at: '2026-12-01T10:00:00Z', evses: [{ uid: 'E1', status: 'AVAILABLE' }] }),
      ctx,
      pending,
    );
    expect(await count(db, 'locations')).toBe(0);
    expect(counters.upserted).toBe(0);
    await pending.flush();
    expect(await count(db, 'locations')).toBe(3);
    expect(await count(db, 'site_features')).toBe(3);
    expect(counters.upserted).toBe(3);
    expect(commits).toBe(1);
    await db.close();
  });

  it("writes the trailer's statements in the pages' transaction, given the counters they commit", async () => {
    const db = openSqlite(join(testDir('atlas-pending-'), 'a.db'));
    const counters = zeroCounters();
    const ctx = await runContext(db, counters);
    const saved = (fail: boolean) => (after: RunCounters) => [
      { sql: 'UPDATE sync_runs SET upserted = ? WHERE id = ?', params: [after.upserted, ctx.runId] },
      ...(fail ? [{ sql: 'INSERT INTO no_such_table VALUES (1)', params: [] }] : []),
    ];
    const upsertedRow = async () =>
      (await db.get<{ n: number }>('SELECT upserted AS n FROM sync_runs WHERE id = ?', [ctx.runId]))!.n;
    const ok = new PendingPages(db, counters, async () => {}, ROW_BUDGET, saved(false));
    await queueLocationPage(
      page(
        { id: 'P1', at: '2026-12-01T10:00:00Z', evses: [{ uid: 'E1', status: 'AVAILABLE' }] },
        { id: 'P2', at: '2026-12-01T10:00:00Z', evses: [{ uid: 'E1', status: 'CHARGING' }] },
      ),
      ctx,
      ok,
    );
    await ok.flush();
    expect(await upsertedRow()).toBe(2);
    expect(counters.upserted).toBe(2);
    // A trailer that fails takes the pages with it: nothing written, nothing counted.
    const failing = new PendingPages(db, counters, async () => {}, ROW_BUDGET, saved(true));
    await queueLocationPage(
      page({ id: 'P3', at: '2026-12-01T10:00:00Z', evses: [{ uid: 'E1', status: 'AVAILABLE' }] }),
      ctx,
      failing,
    );
    await expect(failing.flush()).rejects.toThrow(/no_such_table/);
    expect(await count(db, 'locations')).toBe(2);
    expect(await upsertedRow()).toBe(2);
    expect(counters.upserted).toBe(2);
    await db.close();
  });

  it('commits as soon as the held statements reach the budget', async () => {
    const db = openSqlite(join(testDir('atlas-pending-'), 'a.db'));
    const counters = zeroCounters();
    const ctx = await runContext(db, counters);
    const pending = new PendingPages(db, counters, async () => {}, 1);
    await queueLocationPage(
      page({ id: 'P1', at: '2026-12-01T10:00:00Z', evses: [{ uid: 'E1', status: 'AVAILABLE' }] }),
      ctx,
      pending,
    );
    expect(await count(db, 'locations')).toBe(1);
    expect(counters.upserted).toBe(1);
    await db.close();
  });

  it('writes a location a held page already writes as a commit per page does (the newer copy wins)', async () => {
    const dir = testDir('atlas-pending-');
    const pages = [
      page(
        {
          id: 'P1',
          at: '2026-12-01T10:00:00Z',
          evses: [
            { uid: 'E1', status: 'AVAILABLE' },
            { uid: 'E2', status: 'AVAILABLE' },
          ],
        },
        { id: 'P2', at: '2026-12-01T10:00:00Z', evses: [{ uid: 'E1', status: 'AVAILABLE' }] },
      ),
      // P1 again, newer, with one EVSE gone and the other's status changed.
      page({
        id: 'P1',
        at: '2026-12-01T11:00:00Z',
        evses: [{ uid: 'E1', status: 'CHARGING', powerW: 22_000 }],
      }),
    ];

    const held = openSqlite(join(dir, 'held.db'));
    const heldCounters = zeroCounters();
    const heldCtx = await runContext(held, heldCounters);
    const pending = new PendingPages(held, heldCounters, async () => {}, ROW_BUDGET);
    for (const items of pages) await queueLocationPage(items, heldCtx, pending);
    await pending.flush();

    const each = openSqlite(join(dir, 'each.db'));
    const eachCounters = zeroCounters();
    const eachCtx = await runContext(each, eachCounters);
    for (const items of pages) await applyLocationPage(items, eachCtx);

    const got = await written(held);
    expect(got).toEqual(await written(each));
    expect(got.evses).toContainEqual(expect.objectContaining({ status: 'CHARGING', removed: 0 }));
    expect(got.evses.filter((e) => (e as { removed: number }).removed === 1)).toHaveLength(1);
    expect(heldCounters).toEqual(eachCounters);
    const scratch = await siteFeaturesFromScratch(held);
    expect(
      new Map(got.features.map((f) => [(f as { id: string }).id, (f as { feature: string }).feature])),
    ).toEqual(new Map([...scratch].map(([id, f]) => [id, JSON.stringify(f)])));
    await held.close();
    await each.close();
  });
});
