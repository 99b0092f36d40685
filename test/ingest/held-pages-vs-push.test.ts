// A CPO's push that commits while a sync holds a page (the server syncs on the connection that takes
// pushes): the pull and the push end as they would in one serial order or the other: every status
// event starts where the one before ended, the last ends at the EVSE's status, and an EVSE the newer
// pull does not list is not live. Each case failed when a held page had been read against the store
// as it arrived rather than when its batch is built (review of d55c320).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/types.js';
import { applyLocationPage, ocpiItem, queueLocationPage } from '../../src/ingest/apply-page.js';
import { PendingPages } from '../../src/ingest/pending-pages.js';
import { startRun, zeroCounters } from '../../src/ingest/run-record.js';
import { applyFullPullRemovals } from '../../src/ingest/sync-source.js';
import { evseKey, locationKey } from '../../src/model/ids.js';
import { normalizeLocation } from '../../src/model/normalize-location.js';
import { type Atlas, ocpiLocation, startAtlas } from '../ocpi/receiver/push-harness.js';

let atlas: Atlas;
beforeEach(async () => {
  atlas = await startAtlas({ now: '2025-03-01T12:00:00Z' });
});
afterEach(async () => {
  await atlas.close();
});

type Evse = { uid: string; status: string; lastUpdated: string };
const item = (id: string, evses: Evse[], at: string) =>
  ocpiItem(ocpiLocation('2.2.1', { id, lat: 52.1, lon: 5.1, lastUpdated: at, evses }), (r) =>
    normalizeLocation(r, '2.2.1'),
  );

async function ctxAt(when: string) {
  const runId = await startRun(atlas.db, 'cpo-nl', 'full', when, null);
  return { db: atlas.db, sourceId: 'cpo-nl', runId, now: when, counters: zeroCounters(), seen: new Map() };
}

/** P1 with E1 AVAILABLE at 10:00, pulled and committed. */
async function pulledAt10() {
  await applyLocationPage(
    [
      item(
        'P1',
        [{ uid: 'E1', status: 'AVAILABLE', lastUpdated: '2025-03-01T10:00:00Z' }],
        '2025-03-01T10:00:00Z',
      ),
    ],
    await ctxAt('2025-03-01T10:00:00Z'),
  );
}

/** Holds a page of a pull at 11:00 (the sync's default budget), runs `between`, then flushes. */
async function pullAround(items: ReturnType<typeof item>[], between: () => Promise<void>) {
  const ctx = await ctxAt('2025-03-01T11:00:00Z');
  const pending = new PendingPages(atlas.db, ctx.counters, async () => {});
  await queueLocationPage(items, ctx, pending);
  await between();
  await pending.flush();
}

/**
 * Pulls `items` as one held page at 11:00 with `push` committed right after the page's read of what
 * it holds (storedHashes) and before its batch: D1's stepwise sync, or `atlas sync` in another
 * process than the server. Returns the page's run context (its id, counters and seen records).
 */
async function pullWithPushAfterRead(items: ReturnType<typeof item>[], push: () => Promise<void>) {
  let pushes = 0;
  const racing: Db = new Proxy(atlas.db, {
    get(target, prop, receiver) {
      if (prop !== 'all') return Reflect.get(target, prop, receiver);
      return async (sql: string, params?: unknown[]) => {
        const rows = await target.all(sql, params);
        if (pushes === 0 && /FROM locations WHERE pk IN/.test(sql)) {
          pushes++;
          await push();
        }
        return rows;
      };
    },
  });
  const ctx = { ...(await ctxAt('2025-03-01T11:00:00Z')), db: racing };
  const pending = new PendingPages(racing, ctx.counters, async () => {});
  await queueLocationPage(items, ctx, pending);
  await pending.flush();
  expect(pushes).toBe(1);
  return ctx;
}

/** The EVSEs of location `pk` as a user sees them: uid, status, flagged removed or not. */
const evsesOf = (pk: string) =>
  atlas.db.all<{ uid: string; status: string; removed: number }>(
    'SELECT uid, status, removed_at IS NOT NULL AS removed FROM evses WHERE location_pk = ? ORDER BY uid',
    [pk],
  );

/** The status events of E1 chain (each starts where the one before ended) and end at its status. */
async function expectEventsChain(): Promise<void> {
  const events = await atlas.db.all<{ old_status: string | null; new_status: string }>(
    'SELECT old_status, new_status FROM evse_status_events ORDER BY id',
  );
  expect(events.length).toBeGreaterThan(0);
  events.forEach((e, i) => {
    expect(e.old_status).toBe(i === 0 ? null : events[i - 1]!.new_status);
  });
  const evse = await atlas.db.get<{ status: string }>('SELECT status FROM evses WHERE pk = ?', [
    evseKey(locationKey('cpo-nl', 'NL', 'TNM', 'P1'), 'E1'),
  ]);
  expect(events.at(-1)!.new_status).toBe(evse?.status);
}

describe('a push between a sync page and its commit', () => {
  it('records a status change once', async () => {
    await pulledAt10();
    await pullAround(
      [
        item(
          'P1',
          [{ uid: 'E1', status: 'CHARGING', lastUpdated: '2025-03-01T11:00:00Z' }],
          '2025-03-01T11:00:00Z',
        ),
      ],
      async () => {
        const r = await atlas.push('PATCH', '2.2.1', '/NL/TNM/P1/E1', {
          status: 'CHARGING',
          last_updated: '2025-03-01T10:30:00Z',
        });
        expect(r.status).toBe(200);
      },
    );
    await expectEventsChain();
  });

  it('records the change back after a pushed status', async () => {
    await pulledAt10();
    await pullAround(
      [
        item(
          'P1',
          [{ uid: 'E1', status: 'AVAILABLE', lastUpdated: '2025-03-01T11:00:00Z' }],
          '2025-03-01T11:00:00Z',
        ),
      ],
      async () => {
        await atlas.push('PATCH', '2.2.1', '/NL/TNM/P1/E1', {
          status: 'CHARGING',
          last_updated: '2025-03-01T10:30:00Z',
        });
      },
    );
    await expectEventsChain();
  });

  it('flags removed a pushed EVSE that the newer pull does not list', async () => {
    await pullAround(
      [
        item(
          'P2',
          [{ uid: 'E1', status: 'AVAILABLE', lastUpdated: '2025-03-01T11:00:00Z' }],
          '2025-03-01T11:00:00Z',
        ),
      ],
      async () => {
        const put = await atlas.push(
          'PUT',
          '2.2.1',
          '/NL/TNM/P2',
          ocpiLocation('2.2.1', {
            id: 'P2',
            lat: 52.1,
            lon: 5.1,
            lastUpdated: '2025-03-01T10:00:00Z',
            evses: [
              { uid: 'E1', status: 'AVAILABLE' },
              { uid: 'E2', status: 'AVAILABLE' },
            ],
          }),
        );
        expect([200, 201]).toContain(put.status);
      },
    );
    const e2 = await atlas.db.get<{ removed_at: string | null }>(
      'SELECT removed_at FROM evses WHERE pk = ?',
      [evseKey(locationKey('cpo-nl', 'NL', 'TNM', 'P2'), 'E2')],
    );
    // Pull first: the older PUT is not applied and E2 never exists; PUT first: the pull flags it.
    if (e2) expect(e2.removed_at).not.toBeNull();
    const e1 = await atlas.db.get<{ removed_at: string | null }>(
      'SELECT removed_at FROM evses WHERE pk = ?',
      [evseKey(locationKey('cpo-nl', 'NL', 'TNM', 'P2'), 'E1')],
    );
    expect(e1?.removed_at).toBeNull();
  });

  // D1's stepwise sync, or `atlas sync` in another process than the server: the push commits after
  // the page read what it holds and before its batch, so the page takes the location for a new one.
  it('cleans up what the newer pull no longer lists of a location a push created after the page read it', async () => {
    const pk = locationKey('cpo-nl', 'NL', 'TNM', 'P3');
    const withTariffs = (raw: Record<string, unknown>, ids: string[]) => {
      for (const e of raw.evses as { connectors: Record<string, unknown>[] }[])
        for (const c of e.connectors) c.tariff_ids = ids;
      return raw;
    };
    const pushed = withTariffs(
      ocpiLocation('2.2.1', {
        id: 'P3',
        lat: 52.1,
        lon: 5.1,
        lastUpdated: '2025-03-01T10:00:00Z',
        evses: [
          { uid: 'E1', status: 'AVAILABLE' },
          { uid: 'E2', status: 'AVAILABLE' },
        ],
      }),
      ['T-PUSH'],
    );
    const pulled = withTariffs(
      ocpiLocation('2.2.1', {
        id: 'P3',
        lat: 52.1,
        lon: 5.1,
        lastUpdated: '2025-03-01T11:00:00Z',
        evses: [{ uid: 'E1', status: 'CHARGING' }],
      }),
      ['T-PULL'],
    );
    await pullWithPushAfterRead([ocpiItem(pulled, (r) => normalizeLocation(r, '2.2.1'))], async () => {
      const put = await atlas.push('PUT', '2.2.1', '/NL/TNM/P3', pushed);
      expect([200, 201]).toContain(put.status);
    });

    // As if the push had come first: the pull flags E2 removed, drops its connector and the
    // pushed tariff link.
    const evses = await evsesOf(pk);
    expect(evses).toEqual([
      { uid: 'E1', status: 'CHARGING', removed: 0 },
      { uid: 'E2', status: 'AVAILABLE', removed: 1 },
    ]);
    const connectors = await atlas.db.all<{ evse_pk: string }>(
      'SELECT evse_pk FROM connectors WHERE location_pk = ?',
      [pk],
    );
    expect(connectors).toEqual([{ evse_pk: evseKey(pk, 'E1') }]);
    const links = await atlas.db.all<{ tariff_id: string }>(
      'SELECT tariff_id FROM location_tariffs WHERE location_pk = ?',
      [pk],
    );
    expect(links).toEqual([{ tariff_id: 'T-PULL' }]);
  });

  // The page read P4 as held with its own content hash, so it only touches it (touchLocationStmt);
  // a push then changed it before the page's batch. The push is the newer data and stays, and the
  // touch still marks P4 listed by the run, so the end of the full pull does not remove it.
  it('keeps a push that changed a location the page only touches, and the run still lists it', async () => {
    const pk = locationKey('cpo-nl', 'NL', 'TNM', 'P4');
    const page = () => [
      item(
        'P4',
        [{ uid: 'E1', status: 'AVAILABLE', lastUpdated: '2025-03-01T10:00:00Z' }],
        '2025-03-01T10:00:00Z',
      ),
    ];
    await applyLocationPage(page(), await ctxAt('2025-03-01T10:00:00Z'));
    const ctx = await pullWithPushAfterRead(page(), async () => {
      const put = await atlas.push(
        'PUT',
        '2.2.1',
        '/NL/TNM/P4',
        ocpiLocation('2.2.1', {
          id: 'P4',
          name: 'Pushed name',
          lat: 52.1,
          lon: 5.1,
          lastUpdated: '2025-03-01T10:30:00Z',
          evses: [
            { uid: 'E1', status: 'CHARGING' },
            { uid: 'E2', status: 'AVAILABLE' },
          ],
        }),
      );
      expect(put.status).toBe(200);
    });
    expect(ctx.counters).toMatchObject({ unchanged: 1, upserted: 0 });

    const note = await applyFullPullRemovals(
      atlas.db,
      'cpo-nl',
      0.5,
      ctx.runId,
      ctx.seen.size,
      false,
      '2025-03-01T11:05:00Z',
      ctx.counters,
    );
    expect(note).toBeNull();
    expect(ctx.counters.removed).toBe(0);
    const loc = await atlas.db.get<{ name: string; removed_at: string | null; last_seen_run: number }>(
      'SELECT name, removed_at, last_seen_run FROM locations WHERE pk = ?',
      [pk],
    );
    expect(loc).toEqual({ name: 'Pushed name', removed_at: null, last_seen_run: ctx.runId });
    const evses = await evsesOf(pk);
    expect(evses).toEqual([
      { uid: 'E1', status: 'CHARGING', removed: 0 },
      { uid: 'E2', status: 'AVAILABLE', removed: 0 },
    ]);
  });
});
