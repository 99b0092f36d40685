// Every real OCPI feed in ../shared/data, served by our fake CPO in its declared version with small
// pages and synced over HTTP: nothing may vanish without being accounted for.
import { afterAll, describe, expect, it } from 'vitest';
import { assertOcpiLocations } from '../../src/ocpi/detect-feed.js';
import { listOcpiFeeds, loadFeed, loadNonOcpi } from '../helpers/feeds.js';
import { startHarness } from '../helpers/sync-harness.js';

const table: Record<string, unknown>[] = [];
afterAll(() => {
  console.table(table);
});

describe('syncing the real feeds over HTTP', () => {
  it.each(listOcpiFeeds().map((f) => [f.name]))(
    '%s: stored + quarantined + merged duplicates = records in the file',
    async (name) => {
      const feed = loadFeed(name);
      const h = await startHarness({
        locations: feed.locations,
        tariffs: feed.tariffs,
        versions: [feed.version],
        pageSize: 40,
      });
      try {
        const result = await h.sync('full');
        expect(result.error).toBeNull();
        expect(result.status).toBe('ok');
        const count = async (sql: string) => (await h.db.get<{ n: number }>(sql, ['cpo']))!.n;
        const stored = await count('SELECT count(*) AS n FROM locations WHERE source_id = ?');
        const quarantined = await count(
          `SELECT count(*) AS n FROM quarantine WHERE source_id = ? AND object_type = 'location'`,
        );
        const tariffsStored = await count('SELECT count(*) AS n FROM tariffs WHERE source_id = ?');
        const tariffsQuarantined = await count(
          `SELECT count(*) AS n FROM quarantine WHERE source_id = ? AND object_type = 'tariff'`,
        );
        const evses = await count(
          'SELECT count(*) AS n FROM evses e JOIN locations l ON l.pk = e.location_pk WHERE l.source_id = ?',
        );
        // Duplicates counted by the run include tariff duplicates; count location ones directly.
        const uniqueIds = new Set(
          feed.locations.map((l) => {
            const o = l as { id?: unknown; country_code?: unknown; party_id?: unknown };
            return `${String(o.country_code ?? '')}/${String(o.party_id ?? '')}/${String(o.id ?? '')}`.toLowerCase();
          }),
        ).size;
        const duplicates = feed.locations.length - uniqueIds;
        table.push({
          feed: name,
          version: feed.version,
          records: feed.locations.length,
          stored,
          quarantined,
          duplicates,
          evses,
          tariffs: feed.tariffs.length,
          tariffs_stored: tariffsStored,
          tariffs_quarantined: tariffsQuarantined,
          pages: result.counters.pages,
        });
        expect(stored + quarantined + duplicates).toBe(feed.locations.length);
        expect(tariffsStored + tariffsQuarantined).toBe(
          new Set(
            feed.tariffs.map((t) =>
              JSON.stringify([
                (t as Record<string, unknown>).country_code,
                (t as Record<string, unknown>).party_id,
                String((t as Record<string, unknown>).id).toLowerCase(),
              ]),
            ),
          ).size,
        );
        expect(result.counters.duplicates).toBeGreaterThanOrEqual(duplicates);
      } finally {
        await h.close();
      }
    },
  );

  it('refuses the non-OCPI voltrelli file with a clear error', () => {
    expect(() => assertOcpiLocations(loadNonOcpi('voltrelli'))).toThrowError(/not OCPI/i);
  });
});
