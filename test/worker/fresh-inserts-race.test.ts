// A location new when its page is read is inserted, not upserted (WriteContext.fresh); one that
// another writer stores between the read and the batch fails the batch on its key, and
// commitLocationPages builds it again with upserts (test/ingest/fresh-inserts.test.ts on Node). On
// D1 the read and the batch are separate requests, so a push can land in between, and the retry
// rests on D1 wording the clash as SQLite does: here the page's batch, its quarantined record and
// its trailer (a Workers step's counters) must land once, and each location be counted once.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { d1Db } from '../../src/db/d1.js';
import { runCountersStmt } from '../../src/db/queries/sync-runs.js';
import type { Db } from '../../src/db/types.js';
import { locationPkOf } from '../../src/db/write-location.js';
import { applyLocationPage, type PageItem } from '../../src/ingest/apply-page.js';
import { startRun, zeroCounters } from '../../src/ingest/run-record.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import { ocpiSourceConfig } from '../helpers/source-config.js';
import { makeLocation, seededRandom } from '../helpers/synthetic-atlas.js';

const SOURCE = 'fresh-race-cpo';
const NOW = '2026-12-01T10:00:00Z';

describe('a location stored by another writer between the read and the batch, on D1', () => {
  it('sends the batch back to be built with upserts, its quarantine row and trailer landing once', async () => {
    const db = d1Db(env.DB);
    await upsertSources(
      db,
      [ocpiSourceConfig({ id: SOURCE, versions_url: 'http://127.0.0.1:9/versions', token: 't' })],
      NOW,
    );
    const runId = await startRun(db, SOURCE, 'full', NOW, null);
    const rnd = seededRandom(18);
    const locs = Array.from({ length: 12 }, (_, i) =>
      makeLocation(rnd, i, { seed: 18, locations: 12, maxEvses: 3 }),
    );
    const pushed = locs[5]!;
    let batches = 0;
    const racing: Db = {
      ...db,
      batch: async (stmts, options) => {
        if (batches++ === 0) {
          await env.DB.prepare(
            `INSERT INTO locations (pk, source_id, country_code, party_id, ocpi_id, publish, name, address,
              city, country, lat, lon, cell, facilities, warnings, last_updated, content_hash, first_seen_at, synced_at)
             VALUES (?, ?, ?, ?, ?, 1, 'pushed', '', '', 'DEU', 50, 8, 0, '[]', '[]', ?, '', ?, ?)`,
          )
            .bind(
              locationPkOf(SOURCE, pushed),
              SOURCE,
              pushed.countryCode,
              pushed.partyId,
              pushed.id,
              NOW,
              NOW,
              NOW,
            )
            .run();
        }
        return db.batch(stmts, options);
      },
    };
    const items: PageItem[] = [
      ...locs.map((value) => ({ ok: true as const, value })),
      {
        ok: false,
        reason: { field: 'id', rule: 'required', message: 'missing' },
        recordId: null,
        raw: { broken: true },
      },
    ];
    const ctx = {
      db: racing,
      sourceId: SOURCE,
      runId,
      now: NOW,
      counters: zeroCounters(),
      seen: new Map<string, string>(),
      trailer: (after: ReturnType<typeof zeroCounters>) => [runCountersStmt(db, runId, after, null)],
    };
    await applyLocationPage(items, ctx);
    expect(batches).toBe(2);
    expect(ctx.counters).toMatchObject({ upserted: 12, quarantined: 1, unchanged: 0 });
    const run = await db.get<{ upserted: number; quarantined: number }>(
      'SELECT upserted, quarantined FROM sync_runs WHERE id = ?',
      [runId],
    );
    expect(run).toEqual({ upserted: 12, quarantined: 1 });
    const quarantined = await db.get<{ n: number }>(
      'SELECT count(*) AS n FROM quarantine WHERE source_id = ?',
      [SOURCE],
    );
    expect(quarantined!.n).toBe(1);
    const names = await db.all<{ name: string }>(
      'SELECT name FROM locations WHERE source_id = ? ORDER BY name',
      [SOURCE],
    );
    expect(names.map((r) => r.name)).toEqual(locs.map((l) => l.name).sort());
    const evses = await db.get<{ n: number }>(
      'SELECT count(*) AS n FROM evses WHERE location_pk IN (SELECT pk FROM locations WHERE source_id = ?)',
      [SOURCE],
    );
    expect(evses!.n).toBe(locs.reduce((n, l) => n + l.evses.length, 0));
  });
});
