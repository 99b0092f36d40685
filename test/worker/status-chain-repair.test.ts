// Migration 0018 on D1 with something to repair (the migrations of apply-migrations.ts ran on an
// empty database, where it only counts): the reviewer's cut chain and a head rolled up, written as
// an older atlas left them, then 0018's statements as `wrangler d1 migrations apply` runs them.
// And a full pull's repair of an EVSE stamped ahead, which takes its events dated ahead off its chain,
// and the rollup of a chain relinked against its ids, which takes the events superseded with it.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { d1Db } from '../../src/db/d1.js';
import { forgetFutureTimesStmts } from '../../src/db/queries/future-timestamps.js';
import { rollupStatusEvents } from '../../src/db/queries/status.js';

/** Ids as written, [time, rolled up]: walked from the head, only the last event is reached. */
const SHAPES: Record<string, [string, boolean][]> = {
  hole: [
    ['2026-03-01T10:00:00Z', false],
    ['2026-03-01T09:00:00Z', true],
    ['2026-03-02T11:00:00Z', false],
  ],
  lostHead: [
    ['2026-03-01T10:30:00Z', false],
    ['2026-03-01T09:00:00Z', true],
  ],
};

/** A location `pk` of source `source` (its OCPI id the same), with what the table requires. */
const insertLocation = (pk: string, source: string) =>
  env.DB.prepare(`INSERT INTO locations (pk, source_id, country_code, party_id, ocpi_id, publish, lat, lon, cell,
      facilities, warnings, last_updated, content_hash, first_seen_at, synced_at)
    VALUES (?, ?, 'DE', 'ABC', ?, 1, 52.5, 13.4, 0, '[]', '[]', '2026-01-01T00:00:00Z', '', '', '')`).bind(
    pk,
    source,
    pk,
  );

describe('migration 0018 on D1', () => {
  it('relinks a chain cut by a rolled-up event, and an EVSE whose head was rolled up', async () => {
    await env.DB.batch([
      insertLocation('L', 's'),
      ...Object.keys(SHAPES).map((e) =>
        env.DB.prepare(
          `INSERT INTO evses (pk, location_pk, uid, status, capabilities, parking_restrictions) VALUES (?, 'L', ?, 'AVAILABLE', '[]', '[]')`,
        ).bind(e, e),
      ),
    ]);
    const gone: number[] = [];
    for (const [evse, steps] of Object.entries(SHAPES)) {
      let prev: number | null = null;
      for (const [when, rolled] of steps) {
        const row: { id: number } | null = await env.DB.prepare(
          `INSERT INTO evse_status_events (evse_pk, location_pk, new_status, occurred_at, received_at, via, prev_id)
           VALUES (?, 'L', 'CHARGING', ?, ?, 'push', ?) RETURNING id`,
        )
          .bind(evse, when, when, prev)
          .first<{ id: number }>();
        prev = row!.id;
        if (rolled) gone.push(prev);
      }
      await env.DB.prepare('UPDATE evses SET last_event_id = ? WHERE pk = ?').bind(prev, evse).run();
    }
    await env.DB.prepare('DELETE FROM evse_status_events WHERE id IN (SELECT value FROM json_each(?))')
      .bind(JSON.stringify(gone))
      .run();

    const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith('0018_'))!;
    for (const sql of migration.queries) await env.DB.prepare(sql).run();

    for (const evse of Object.keys(SHAPES)) {
      const held = await env.DB.prepare(
        'SELECT id, prev_id FROM evse_status_events WHERE evse_pk = ? ORDER BY occurred_at, id',
      )
        .bind(evse)
        .all<{ id: number; prev_id: number | null }>();
      const ids = held.results.map((r) => r.id);
      const head = await env.DB.prepare('SELECT last_event_id AS id FROM evses WHERE pk = ?')
        .bind(evse)
        .first<{ id: number }>();
      expect(head!.id, evse).toBe(ids.at(-1));
      expect(
        held.results.slice(1).map((r) => r.prev_id),
        evse,
      ).toEqual(ids.slice(0, -1));
    }
    const left = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE name LIKE 'status_chain_repair%'",
    ).all();
    expect(left.results).toEqual([]);
  });

  it('takes the events dated ahead of a full pull off the chain of an EVSE stamped ahead', async () => {
    await env.DB.batch([
      insertLocation('F', 'src'),
      env.DB.prepare(`INSERT INTO evses (pk, location_pk, uid, status, status_updated_at, capabilities,
          parking_restrictions) VALUES ('ahead', 'F', 'ahead', 'CHARGING', '2027-06-01T00:00:00Z', '[]', '[]')`),
    ]);
    let prev: number | null = null;
    const ids: number[] = [];
    for (const [when, status] of [
      ['2026-03-01T10:00:00Z', 'AVAILABLE'],
      ['2027-05-01T00:00:00Z', 'BLOCKED'],
      ['2027-06-01T00:00:00Z', 'CHARGING'],
    ]) {
      const row: { id: number } | null = await env.DB.prepare(
        `INSERT INTO evse_status_events (evse_pk, location_pk, new_status, occurred_at, received_at, via, prev_id)
         VALUES ('ahead', 'F', ?, ?, ?, 'pull', ?) RETURNING id`,
      )
        .bind(status, when, when, prev)
        .first<{ id: number }>();
      prev = row!.id;
      ids.push(prev);
    }
    await env.DB.prepare("UPDATE evses SET last_event_id = ? WHERE pk = 'ahead'").bind(prev).run();

    const db = d1Db(env.DB);
    await db.batch(await forgetFutureTimesStmts(db, 'src', '2026-12-07T00:00:00Z', '2026-03-02T00:00:00Z'));
    const held = await env.DB.prepare(
      "SELECT id, prev_id, old_status, new_status, occurred_at FROM evse_status_events WHERE evse_pk = 'ahead' ORDER BY id",
    ).all<{
      id: number;
      prev_id: number | null;
      old_status: string;
      new_status: string;
      occurred_at: string;
    }>();
    // The events dated ahead are gone; the status going back is an event of its own after the head.
    expect(held.results.map((r) => r.id)[0]).toBe(ids[0]);
    expect(held.results.slice(1).map((r) => [r.prev_id, r.old_status, r.new_status, r.occurred_at])).toEqual([
      [ids[0], 'CHARGING', 'AVAILABLE', '2026-03-01T10:00:00Z'],
    ]);
    const evse = await env.DB.prepare(
      "SELECT status, status_updated_at, last_event_id FROM evses WHERE pk = 'ahead'",
    ).first();
    expect(evse).toEqual({
      status: 'AVAILABLE',
      status_updated_at: '2026-03-01T10:00:00Z',
      last_event_id: held.results[1]!.id,
    });
  });

  it('rolls up a chain relinked against its ids without leaving a second start', async () => {
    // 08:00 (received after the cutoff), 09:00, 11:00, linked in time order against their ids; in
    // April, after the events above, which this rollup takes too.
    await env.DB.batch([
      insertLocation('R', 'src'),
      env.DB.prepare(`INSERT INTO evses (pk, location_pk, uid, status, capabilities, parking_restrictions)
        VALUES ('relinked', 'R', 'relinked', 'CHARGING', '[]', '[]')`),
    ]);
    const ids: number[] = [];
    for (const [when, received] of [
      ['2026-04-01T09:00:00Z', '2026-04-01T09:00:00Z'],
      ['2026-04-01T08:00:00Z', '2026-04-01T10:30:00Z'],
      ['2026-04-01T11:00:00Z', '2026-04-01T11:00:00Z'],
    ]) {
      const row = await env.DB.prepare(
        `INSERT INTO evse_status_events (evse_pk, location_pk, new_status, occurred_at, received_at, via)
         VALUES ('relinked', 'R', 'CHARGING', ?, ?, 'push') RETURNING id`,
      )
        .bind(when, received)
        .first<{ id: number }>();
      ids.push(row!.id);
    }
    await env.DB.batch([
      env.DB.prepare('UPDATE evse_status_events SET prev_id = ? WHERE id = ?').bind(ids[1], ids[0]),
      env.DB.prepare('UPDATE evse_status_events SET prev_id = ? WHERE id = ?').bind(ids[0], ids[2]),
      env.DB.prepare("UPDATE evses SET last_event_id = ? WHERE pk = 'relinked'").bind(ids[2]),
    ]);
    await rollupStatusEvents(d1Db(env.DB), { now: new Date('2026-05-01T10:00:00Z'), retentionDays: 30 });
    const held = await env.DB.prepare("SELECT id FROM evse_status_events WHERE evse_pk = 'relinked'").all<{
      id: number;
    }>();
    expect(held.results.map((r) => r.id)).toEqual([ids[2]]);
  });
});
