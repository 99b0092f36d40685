// Two real snapshots of one feed, a year apart: a full pull of the newer one must give exactly the
// known diff, and a date_from pull must ask only for what changed.
import { afterEach, describe, expect, it } from 'vitest';
import { loadFeed } from '../helpers/feeds.js';
import { type Harness, heldLocations, startHarness } from '../helpers/sync-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ids = (list: unknown[]) => new Set(list.map((l) => String((l as { id: string }).id).toLowerCase()));

describe('lt-lakd-ocpi 2023-07-04 then 2024-06-06', () => {
  it('a full pull marks exactly the 106 vanished locations removed and adds the 318 new ones', async () => {
    const older = loadFeed('lakd@2023-07-04');
    const newer = loadFeed('lakd@2024-06-06');
    const a = ids(older.locations);
    const b = ids(newer.locations);
    const common = [...a].filter((id) => b.has(id));
    // The facts data/README.md states, checked on the files themselves first.
    expect(common).toHaveLength(273);
    expect(a.size - common.length).toBe(106);
    expect(b.size - common.length).toBe(318);

    h = await startHarness({ locations: older.locations, versions: ['2.2.1'], pageSize: 50 });
    expect((await h.sync('full')).status).toBe('ok');
    h.cpo.setData(newer.locations);
    const run = await h.sync('full');
    expect(run.status).toBe('ok');
    expect(run.counters.removed).toBe(106);

    const held = await heldLocations(h.db);
    expect(held.size).toBe(591);
    const removed = await h.db.all<{ ocpi_id: string }>(
      `SELECT ocpi_id FROM locations WHERE source_id = 'cpo' AND removed_at IS NOT NULL`,
    );
    expect(removed).toHaveLength(106);
    expect(removed.every((r) => a.has(r.ocpi_id.toLowerCase()) && !b.has(r.ocpi_id.toLowerCase()))).toBe(
      true,
    );
    // Removed means kept and flagged: the 2023 record of id 156 is still in the database.
    expect(removed.map((r) => r.ocpi_id)).toContain('156');
    const total = await h.db.get<{ n: number }>(
      `SELECT count(*) AS n FROM locations WHERE source_id = 'cpo'`,
    );
    expect(total!.n).toBe(379 + 318);
  });

  it('an incremental pull sends date_from and fetches only the changed locations', async () => {
    const feed = loadFeed('lakd@2023-07-04');
    h = await startHarness({ locations: feed.locations, versions: ['2.2.1'], pageSize: 50 });
    const first = await h.sync('full');
    expect(first.status).toBe('ok');
    const lastSuccess = (await h.db.get<{ t: string }>(
      `SELECT last_success_at AS t FROM sources WHERE id = 'cpo'`,
    ))!.t;

    // Three locations change at the CPO after our first run.
    const changedAt = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const changed = feed.locations.map((l, i) =>
      i % 100 === 7 ? { ...(l as object), name: `renamed ${i}`, last_updated: changedAt } : l,
    );
    h.cpo.setData(changed);
    const before = h.cpo.requests.length;
    const run = await h.sync('auto');
    expect(run.kind).toBe('incremental');
    expect(run.status).toBe('ok');
    expect(run.counters.upserted).toBe(4);
    expect(run.counters.unchanged).toBe(0);
    expect(run.counters.removed).toBe(0);

    const asked = h.cpo.requests.slice(before).filter((r) => r.path.endsWith('/locations'));
    expect(asked.length).toBeGreaterThan(0);
    const dateFrom = asked[0]!.query.date_from!;
    // date_from = start of the last successful run minus the 5-minute overlap.
    expect(Date.parse(dateFrom)).toBe(Date.parse(lastSuccess) - 300_000);
    const held = await heldLocations(h.db);
    expect(held.size).toBe(379);
    const names = await h.db.all<{ name: string }>(`SELECT name FROM locations WHERE name LIKE 'renamed %'`);
    expect(names).toHaveLength(4);
  });
});
