// The CSV dump is one row per EVSE; a site without EVSEs (a whole national feed publishes bare
// locations) still gets one row, its EVSE columns empty, so the CSV counts as many sites as the
// GeoJSON dump and the export summary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textDump } from '../../src/api/dump-formats.js';
import { dedupeSites } from '../../src/dedupe/run-dedupe.js';
import { type Harness, startHarness } from '../helpers/sync-harness.js';
import { ocpiLocation } from '../ocpi/receiver/push-harness.js';

let h: Harness;
const at = '2025-03-01T10:00:00Z';

beforeAll(async () => {
  h = await startHarness(
    {
      locations: [
        ocpiLocation('2.2.1', { id: 'BARE', lat: 52.1, lon: 5.1, lastUpdated: at, evses: [] }),
        ocpiLocation('2.2.1', {
          id: 'TWO',
          lat: 52.3,
          lon: 5.3,
          lastUpdated: at,
          evses: [
            { uid: 'E1', status: 'AVAILABLE' },
            { uid: 'E2', status: 'CHARGING' },
          ],
        }),
      ],
    },
    { license: 'CC0-1.0' },
  );
  expect((await h.sync('full')).status).toBe('ok');
  await dedupeSites(h.db);
});
afterAll(() => h?.close());

async function csv(): Promise<Record<string, string>[]> {
  const text = await new Response(textDump(h.db, 'csv', new Date(at))).text();
  const [header, ...lines] = text.trim().split('\r\n');
  const columns = header!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [columns[i], v])));
}

describe('the CSV dump', () => {
  it('gives a site without EVSEs one row with empty EVSE columns, and one row per EVSE otherwise', async () => {
    const rows = await csv();
    expect(rows).toHaveLength(3);
    const bare = rows.filter((r) => r.name === 'Location BARE');
    expect(bare).toHaveLength(1);
    expect(bare[0]).toMatchObject({ evse_uid: '', evse_id: '', status: '', max_power_kw: '', source: 'cpo' });
    expect(Number(bare[0]!.latitude)).toBeCloseTo(52.1, 5);
    expect(
      rows
        .filter((r) => r.name === 'Location TWO')
        .map((r) => r.evse_uid)
        .sort(),
    ).toEqual(['E1', 'E2']);
  });
});
