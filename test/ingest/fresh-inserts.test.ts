// A location not held when its page is read is written with plain inserts (WriteContext.fresh in
// write-location.ts), which SQLite runs without a statement journal. The rows must be the ones the
// upserts write; an EVSE or connector listed twice must not fail the batch; and a location that is
// held by the time the batch runs (written in between by another connection) must send the batch
// back to be built again with upserts, the run counting each location once.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { locationPkOf, writeLocationStmts } from '../../src/db/write-location.js';
import { applyLocationPage } from '../../src/ingest/apply-page.js';
import { startRun, zeroCounters } from '../../src/ingest/run-record.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import type { Location } from '../../src/model/types.js';
import { ocpiSourceConfig } from '../helpers/source-config.js';
import { makeLocation, seededRandom } from '../helpers/synthetic-atlas.js';
import { testDir } from '../helpers/test-dir.js';

const SOURCE = 'cpo';
const NOW = '2026-12-01T10:00:00Z';

async function emptyAtlas(file: string): Promise<Db> {
  const db = openSqlite(file);
  await upsertSources(
    db,
    [ocpiSourceConfig({ id: SOURCE, versions_url: 'http://127.0.0.1:9/versions', token: 't' })],
    NOW,
  );
  return db;
}

/** Every row of the tables a location write fills, in a stable order. */
async function rowsOf(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of [
    'locations',
    'evses',
    'connectors',
    'evse_status_events',
    'location_tariffs',
    'ocpi_outbox',
  ])
    out[table] = await db.all(`SELECT * FROM ${table} ORDER BY 1, 2`);
  return out;
}

function locations(n: number): Location[] {
  const rnd = seededRandom(18);
  return Array.from({ length: n }, (_, i) => makeLocation(rnd, i, { seed: 18, locations: n, maxEvses: 4 }));
}

describe('a new location written with inserts', () => {
  it('stores the rows the upserts store, with an EVSE and a connector listed twice', async () => {
    const locs = locations(40);
    // Past the normalizer, which drops such repeats: the writer must not rely on it.
    const twice = locs[0]!;
    twice.evses.push({ ...twice.evses[0]!, uid: twice.evses[0]!.uid.toUpperCase(), status: 'CHARGING' });
    const evse = twice.evses[1] ?? twice.evses[0]!;
    evse.connectors.push({ ...evse.connectors[0]!, maxPowerW: 1_234 });
    const dir = testDir('fresh-inserts');
    const written: Record<string, unknown[]>[] = [];
    for (const fresh of [true, false]) {
      const db = await emptyAtlas(`${dir}/${fresh ? 'inserts' : 'upserts'}.db`);
      const ctx = { sourceId: SOURCE, now: NOW, via: 'pull' as const, runId: null, contentHash: 'h', fresh };
      for (const loc of locs) await db.batch(writeLocationStmts(loc, ctx));
      written.push(await rowsOf(db));
      await db.close();
    }
    const [inserted, upserted] = written;
    expect(inserted!.evses!.length).toBeGreaterThan(40);
    expect(inserted!.evse_status_events!.length).toBeGreaterThan(40);
    expect(inserted).toEqual(upserted);
  });

  it('builds the batch again with upserts when another connection wrote a location in between', async () => {
    const locs = locations(30);
    const file = `${testDir('fresh-inserts-race')}/atlas.db`;
    const db = await emptyAtlas(file);
    const runId = await startRun(db, SOURCE, 'full', NOW, null);
    // Another process: it writes location 7 after the page's read, right before the page's batch.
    const other = new Database(file);
    let batches = 0;
    const racing: Db = {
      ...db,
      batch: async (stmts, options) => {
        if (batches++ === 0) {
          other
            .prepare(`INSERT INTO locations (pk, source_id, country_code, party_id, ocpi_id, publish, name, address,
              city, country, lat, lon, cell, facilities, warnings, last_updated, content_hash, first_seen_at, synced_at)
              SELECT pk, source_id, country_code, party_id, ocpi_id, 1, 'pushed', '', '', 'DEU', 50, 8, 0, '[]', '[]',
                ?, '', ?, ? FROM (SELECT ? AS pk, ? AS source_id, ? AS country_code, ? AS party_id, ? AS ocpi_id)`)
            .run(NOW, NOW, NOW, ...keyOf(locs[7]!));
        }
        return db.batch(stmts, options);
      },
    };
    const ctx = { db: racing, sourceId: SOURCE, runId, now: NOW, counters: zeroCounters(), seen: new Map() };
    await applyLocationPage(
      locs.map((value) => ({ ok: true as const, value })),
      ctx,
    );
    other.close();
    expect(batches).toBe(2);
    expect(ctx.counters.upserted).toBe(30);
    const names = await db.all<{ name: string }>('SELECT name FROM locations ORDER BY name');
    expect(names.map((r) => r.name)).toEqual(locs.map((l) => l.name).sort());
    expect((await db.get<{ n: number }>('SELECT count(*) AS n FROM evses'))!.n).toBe(
      locs.reduce((n, l) => n + l.evses.length, 0),
    );
    await db.close();
  });
});

/** The key columns a location of SOURCE is stored under. */
function keyOf(loc: Location): string[] {
  return [locationPkOf(SOURCE, loc), SOURCE, loc.countryCode, loc.partyId, loc.id];
}
