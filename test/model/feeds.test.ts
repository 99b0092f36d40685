// Every real OCPI feed in ../shared/data through the normalizers. The counts asserted below were
// checked against the data independently (see the comments), not just copied from a run.
import { describe, expect, it } from 'vitest';
import { normalizeLocation } from '../../src/model/normalize-location.js';
import { normalizeTariff, summarizeTariff } from '../../src/model/normalize-tariff.js';
import type { DataWarning, QuarantineReason } from '../../src/model/types.js';
import { assertOcpiLocations } from '../../src/ocpi/detect-feed.js';
import { type LoadedFeed, listOcpiFeeds, loadFeed, loadNonOcpi } from '../helpers/feeds.js';

interface FeedOutcome {
  feed: LoadedFeed;
  ok: number;
  quarantined: { id: unknown; reason: QuarantineReason }[];
  warnings: DataWarning[];
  tariffsOk: number;
  tariffsQuarantined: number;
  tariffWarnings: number;
}

function runFeed(name: string): FeedOutcome {
  const feed = loadFeed(name);
  const out: FeedOutcome = {
    feed,
    ok: 0,
    quarantined: [],
    warnings: [],
    tariffsOk: 0,
    tariffsQuarantined: 0,
    tariffWarnings: 0,
  };
  for (const raw of feed.locations) {
    const r = normalizeLocation(raw, feed.version, feed.ctx);
    if (r.ok) {
      out.ok++;
      out.warnings.push(...r.value.warnings);
    } else out.quarantined.push({ id: (raw as { id?: unknown }).id, reason: r.reason });
  }
  for (const raw of feed.tariffs) {
    const r = normalizeTariff(raw, feed.version, feed.ctx);
    if (r.ok) {
      out.tariffsOk++;
      out.tariffWarnings += r.value.warnings.length;
      expect(summarizeTariff(r.value)).not.toBe('');
    } else out.tariffsQuarantined++;
  }
  return out;
}

// records = Locations in the file (data/README.md gives the same numbers); quarantined = those we
// cannot place. Only two feeds have any, both listed in the README's bad-input catalogue and
// re-checked with a separate script over the raw files:
// - itcharge: 31 locations at "0","0" (e.g. 9cd21d33-…, "tzone test DC 11"); no other location
//   in any feed has 0,0, a coordinate outside +-90/+-180, or no id;
// - toger: ids 79, 80, 81 with "latitude": "", "longitude": "".
const EXPECTED: Record<string, { version: string; records: number; quarantined: number; tariffs?: number }> =
  {
    fastned: { version: '2.1.1', records: 106, quarantined: 0 },
    ev24: { version: '2.2.1', records: 11, quarantined: 0 },
    ezvolt: { version: '2.2.1', records: 91, quarantined: 0 },
    greems: { version: '2.2.1', records: 80, quarantined: 0 },
    itcharge: { version: '2.2.1', records: 1180, quarantined: 31 },
    punkt: { version: '2.2.1', records: 489, quarantined: 0 },
    sitronics: { version: '2.2.1', records: 65, quarantined: 0 },
    toger: { version: '2.2.1', records: 44, quarantined: 3 },
    chargesini: { version: '2.2', records: 448, quarantined: 0 },
    electricera: { version: '2.2', records: 3, quarantined: 0 },
    evio: { version: '2.2', records: 21, quarantined: 0 },
    gaia: { version: '2.2', records: 4, quarantined: 0 },
    otopriz: { version: '2.2', records: 500, quarantined: 0 },
    zepto: { version: '2.2', records: 10, quarantined: 0 },
    powergo: { version: '2.2', records: 489, quarantined: 0 },
    'lakd@2023-07-04': { version: '2.2.1', records: 379, quarantined: 0 },
    'lakd@2024-05-30': { version: '2.2.1', records: 587, quarantined: 0 },
    'lakd@2024-06-06': { version: '2.2.1', records: 591, quarantined: 0 },
    stadtnavi: { version: '2.2', records: 30, quarantined: 0 },
    // Distinct tariffs: 36 Delft, 84 Nijmegen (data/README.md §6), 5 chargecloud (§4).
    'ndw-delft': { version: '2.2.1', records: 850, quarantined: 0, tariffs: 36 },
    'ndw-nijmegen': { version: '2.2.1', records: 967, quarantined: 0, tariffs: 84 },
    'chargecloud-ludwigsburg': { version: '2.2.1', records: 100, quarantined: 0, tariffs: 5 },
  };

const outcomes = new Map<string, FeedOutcome>();
function outcome(name: string): FeedOutcome {
  let o = outcomes.get(name);
  if (!o) {
    o = runFeed(name);
    outcomes.set(name, o);
  }
  return o;
}

describe('the OCPI feeds in ../shared/data', () => {
  it('lists the 15 OCM OCPI files, 3 LAKD snapshots, stadtnavi, NDW Delft/Nijmegen and chargecloud', () => {
    const names = listOcpiFeeds().map((f) => f.name);
    expect(names).toHaveLength(22);
    expect(new Set(names)).toEqual(new Set(Object.keys(EXPECTED)));
  });

  it.each(Object.keys(EXPECTED))('%s: every record is kept or quarantined, as predicted', (name) => {
    const o = outcome(name);
    const want = EXPECTED[name]!;
    expect(o.feed.version).toBe(want.version);
    expect(o.feed.locations.length).toBe(want.records);
    expect(o.ok + o.quarantined.length).toBe(o.feed.locations.length);
    expect(o.quarantined.length).toBe(want.quarantined);
    expect(o.feed.tariffs.length).toBe(want.tariffs ?? 0);
    expect(o.tariffsOk).toBe(want.tariffs ?? 0);
    expect(o.tariffsQuarantined).toBe(0);
  });

  it('quarantines ITCharge only for 0,0 and Toger only for empty coordinates', () => {
    expect(new Set(outcome('itcharge').quarantined.map((q) => q.reason.rule))).toEqual(
      new Set(['null_island']),
    );
    expect(
      outcome('toger')
        .quarantined.map((q) => [q.id, q.reason.field, q.reason.rule])
        .sort(),
    ).toEqual([
      ['79', 'coordinates.latitude', 'missing'],
      ['80', 'coordinates.latitude', 'missing'],
      ['81', 'coordinates.latitude', 'missing'],
    ]);
  });

  it('repairs the unit defects the README lists, on the real connectors', () => {
    const count = (name: string, rule: string) =>
      outcome(name).warnings.filter((w) => w.rule === rule).length;
    // ITCharge: every one of the 2,258 connectors of its 1,149 placeable sites has kW (60, 150...).
    expect(count('itcharge', 'power_in_kw')).toBe(2258);
    // LAKD 2024: 20 connectors at 22000000 W (locations 1936, 2578, 2588-2591, 2606).
    expect(count('lakd@2024-05-30', 'power_1000x')).toBe(20);
    expect(count('lakd@2024-06-06', 'power_1000x')).toBe(20);
    // Sitronics: 11 EVSEs have neither uid nor evse_id; dropped, their locations kept.
    expect(
      outcome('sitronics').warnings.filter((w) => w.rule === 'dropped' && /^evses\[\d+\]$/.test(w.field)),
    ).toHaveLength(11);
  });

  it('prints the per-feed table', () => {
    const rows = Object.keys(EXPECTED).map((name) => {
      const o = outcome(name);
      return {
        name,
        version: o.feed.version,
        records: o.feed.locations.length,
        ok: o.ok,
        quarantined: o.quarantined.length,
        warnings: o.warnings.length,
        tariffs: o.feed.tariffs.length,
        tariffsOk: o.tariffsOk,
        tariffWarnings: o.tariffWarnings,
      };
    });
    console.table(rows);
    expect(rows.length).toBe(22);
  });

  it('refuses voltrelli as not OCPI, with a clear message', () => {
    const items = loadNonOcpi('voltrelli');
    expect(items.length).toBe(307);
    expect(() => assertOcpiLocations(items)).toThrow(
      /^not OCPI: 307 of 307 records use camelCase keys \(postalCode, .*\)/,
    );
  });

  it('accepts every OCPI feed, EV24 and its stray `subOperator` included', () => {
    for (const name of Object.keys(EXPECTED))
      expect(() => assertOcpiLocations(outcome(name).feed.locations)).not.toThrow();
  });

  it('refuses records that are not Location objects at all', () => {
    expect(() => assertOcpiLocations(['a', 'b'])).toThrow(/not OCPI: 2 of 2 records are not JSON objects/);
    expect(() => assertOcpiLocations([{ locationId: 1, latitude: 52, longitude: 4 }])).toThrow(
      /lack an `id`/,
    );
  });
});
