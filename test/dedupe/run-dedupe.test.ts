// dedupeSites against a real SQLite file filled through the ingest write path: sites and
// locations.site_id written, ids stable across runs, merges and splits recorded with pointers,
// overrides applied, and incremental runs that only reconsider sites near what changed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SiteDocument } from '../../src/dedupe/build-site.js';
import { changedLocationPks, dedupeSites } from '../../src/dedupe/run-dedupe.js';
import type { Overrides } from '../../src/dedupe/types.js';
import { parseRegister } from '../../src/ingest/registers/index.js';
import { locationKey } from '../../src/model/ids.js';
import { normalizeLocation } from '../../src/model/normalize-location.js';
import type { ExternalRef, Location } from '../../src/model/types.js';
import { loadFeed } from '../helpers/feeds.js';
import { evse, location, offset, openTestDb, type TestDb } from './builders.js';
import { OCM_SAMPLE_IDS, sharedText } from './eval-sources.js';

const BASE = { lat: 48.8923, lon: 9.1833 };

let t: TestDb;
beforeEach(async () => {
  t = await openTestDb();
});
afterEach(async () => {
  await t.close();
});

const pk = (source: string, l: Pick<Location, 'countryCode' | 'partyId' | 'id'>) =>
  locationKey(source, l.countryCode, l.partyId, l.id);

async function siteIdOf(locationPk: string): Promise<string | null> {
  return (await t.db.get<{ site_id: string | null }>('SELECT site_id FROM locations WHERE pk = ?', [
    locationPk,
  ]))!.site_id;
}

async function siteRow(id: string) {
  const row = await t.db.get<{ id: string; fields: string; merged_into: string | null; updated_at: string }>(
    'SELECT id, fields, merged_into, updated_at FROM sites WHERE id = ?',
    [id],
  );
  return row ? { ...row, doc: JSON.parse(row.fields) as SiteDocument } : undefined;
}

async function events() {
  return t.db.all<{ kind: string; from_ids: string; to_ids: string }>(
    'SELECT kind, from_ids, to_ids FROM site_events ORDER BY id',
  );
}

/** A row of CPO sites, `spacingM` apart along a line east of BASE, each with its own EVSE id. */
function cpoSites(n: number, spacingM: number): Location[] {
  return Array.from({ length: n }, (_, i) =>
    location(`S${i}`, {
      ...offset(BASE.lat, BASE.lon, 0, i * spacingM),
      name: `Site ${i}`,
      address: `Hauptstraße ${i + 1}`,
      operator: { name: 'SWLB Mobilität GmbH', website: null },
      evses: [evse(`S${i}-1`, `DE*SLB*E${1000 + i}`)],
    }),
  );
}

/** The LAKD feed (a national access point) and the OCM sample of the same country, written. */
async function writeLakdAndOcm(into: TestDb): Promise<{ lakd: Location[]; ocm: Location[] }> {
  const feed = loadFeed('lakd@2023-07-04');
  const lakd = feed.locations.flatMap((raw) => {
    const r = normalizeLocation(raw, feed.version);
    return r.ok ? [r.value] : [];
  });
  await into.write('lt-lakd', 'ocpi', lakd);
  const ocm: Location[] = [];
  const refs: Record<string, ExternalRef[]> = {};
  for (const id of OCM_SAMPLE_IDS) {
    for (const r of parseRegister('ocm', sharedText(`lt-ocm-export-sample/OCM-${id}.json`))) {
      if (!r.ok) continue;
      ocm.push(r.location);
      refs[r.location.id] = r.externalRefs;
    }
  }
  await into.write('lt-ocm', 'ocm', ocm, refs);
  return { lakd, ocm };
}

/** Each location's site and the site's document, as a run left them. */
async function grouping(db: TestDb['db']) {
  return db.all<{ pk: string; site_id: string | null; fields: string | null }>(
    'SELECT l.pk, l.site_id, s.fields FROM locations l LEFT JOIN sites s ON s.id = l.site_id ORDER BY l.pk',
  );
}

describe('dedupeSites on the database', () => {
  it('groups the LAKD feed and the OCM sample into sites and links each location to its site', async () => {
    const { lakd, ocm } = await writeLakdAndOcm(t);
    const result = await dedupeSites(t.db, {
      sourceKinds: { 'lt-lakd': 'nap' },
      now: '2026-02-01T00:00:00Z',
    });
    expect(result.mode).toBe('full');
    expect(result.records).toBe(lakd.length + ocm.length);
    expect(result.sitesWritten).toBe(lakd.length + 3);

    const lakd504 = await siteIdOf(pk('lt-lakd', lakd.find((l) => l.id === '504')!));
    const poi = await siteIdOf(pk('lt-ocm', ocm.find((l) => l.id === '267698')!));
    expect(poi).toBe(lakd504);
    const doc = (await siteRow(lakd504!))!.doc;
    expect(doc.members.map((s) => `${s.source}:${s.record}`)).toEqual(['lt-lakd:504', 'lt-ocm:267698']);
    expect(doc.members[1]!.derived_from).toBe('lt-lakd');
    expect(doc.operator?.source).toBe('lt-lakd');
    const crowd = await siteIdOf(pk('lt-ocm', ocm.find((l) => l.id === '13571')!));
    expect((await siteRow(crowd!))!.doc.members).toHaveLength(1);
  });

  it('keeps every site id and rewrites nothing when run again on the same data', async () => {
    await t.write('swlb', 'ocpi', cpoSites(5, 400));
    await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z' });
    const before = await t.db.all('SELECT pk, site_id FROM locations ORDER BY pk');
    const again = await dedupeSites(t.db, { now: '2026-02-02T00:00:00Z' });
    expect(again.sitesWritten).toBe(0);
    expect(await t.db.all('SELECT pk, site_id FROM locations ORDER BY pk')).toEqual(before);
    expect(await t.db.all("SELECT id FROM sites WHERE updated_at <> '2026-02-01T00:00:00Z'")).toEqual([]);
  });

  it('keeps the id of a site that a new source joins', async () => {
    const [site] = cpoSites(1, 0);
    await t.write('swlb', 'ocpi', [site!]);
    await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z' });
    const id = await siteIdOf(pk('swlb', site!));
    // The access point republishes the same EVSE 20 m away, under its own location id.
    await t.write('nap', 'ocpi', [
      location('X9', { ...offset(BASE.lat, BASE.lon, 20, 0), evses: [evse('1', 'DE*SLB*E1000')] }),
    ]);
    await dedupeSites(t.db, { now: '2026-02-02T00:00:00Z', sourceKinds: { nap: 'nap' } });
    expect(await siteIdOf(pk('nap', { countryCode: 'DE', partyId: 'ABC', id: 'X9' }))).toBe(id);
    expect(await events()).toEqual([]);
  });

  it('records a merge and leaves the old id pointing to the site that absorbed it', async () => {
    const cpo = location('C1', {
      ...BASE,
      operator: { name: 'Fastned', website: null },
      evses: [evse('1', 'NL*FAS*E1')],
    });
    const nap = location('N1', {
      ...offset(BASE.lat, BASE.lon, 0, 60),
      operator: { name: 'Allego', website: null },
      evses: [evse('7', 'NL*ALL*E7')],
    });
    await t.write('fastned', 'ocpi', [cpo]);
    await t.write('ndw', 'ocpi', [nap]);
    await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z' });
    const kept = await siteIdOf(pk('fastned', cpo));
    const absorbed = await siteIdOf(pk('ndw', nap));
    expect(absorbed).not.toBe(kept);

    // The access point now publishes Fastned's EVSE at that location: the same site after all.
    await t.write('ndw', 'ocpi', [
      { ...nap, evses: [evse('7', 'NL*FAS*E1')], lastUpdated: '2026-02-05T00:00:00Z' },
    ]);
    const result = await dedupeSites(t.db, {
      now: '2026-02-06T00:00:00Z',
      changedNear: await changedLocationPks(t.db),
    });
    expect(result.merges).toBe(1);
    const both = [await siteIdOf(pk('fastned', cpo)), await siteIdOf(pk('ndw', nap))];
    expect(new Set(both).size).toBe(1);
    const survivor = both[0]!;
    const gone = survivor === kept ? absorbed! : kept!;
    expect((await siteRow(gone))!.merged_into).toBe(survivor);
    expect(await events()).toEqual([
      {
        kind: 'merge',
        from_ids: JSON.stringify([kept, absorbed].sort()),
        to_ids: JSON.stringify([survivor]),
      },
    ]);
  });

  it('applies always- and never-merge overrides, recording the split a never-merge causes', async () => {
    const a = location('A', { ...BASE, evses: [evse('1', 'DE*ABC*E1')] });
    const b = location('B', { ...offset(BASE.lat, BASE.lon, 0, 5), evses: [evse('2', 'DE*ABC*E1')] });
    const far = location('F', { ...offset(BASE.lat, BASE.lon, 0, 3000), evses: [evse('3', 'DE*ABC*E3')] });
    await t.write('one', 'ocpi', [a]);
    await t.write('two', 'ocpi', [b, far]);
    await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z' });
    const joined = await siteIdOf(pk('one', a));
    expect(await siteIdOf(pk('two', b))).toBe(joined);
    expect(await siteIdOf(pk('two', far))).not.toBe(joined);

    const overrides: Overrides = {
      never: [
        [
          { source: 'one', id: 'A' },
          { source: 'two', id: 'B' },
        ],
      ],
      always: [
        [
          { source: 'one', id: 'A' },
          { source: 'two', id: 'F' },
        ],
      ],
    };
    const result = await dedupeSites(t.db, { now: '2026-02-02T00:00:00Z', overrides });
    expect(result.splits).toBe(1);
    expect(await siteIdOf(pk('two', b))).not.toBe(await siteIdOf(pk('one', a)));
    expect(await siteIdOf(pk('two', far))).toBe(await siteIdOf(pk('one', a)));
    const split = (await events()).find((e) => e.kind === 'split');
    expect(JSON.parse(split!.from_ids)).toEqual([joined]);
    expect(JSON.parse(split!.to_ids)).toEqual(
      [await siteIdOf(pk('one', a)), await siteIdOf(pk('two', b))].sort(),
    );
  });

  it('reconsiders only the sites near a changed record, and ends where a full run would', async () => {
    // 40 sites 2 km apart; one of them is then updated and a new record appears next to it.
    const sites = cpoSites(40, 2000);
    await t.write('swlb', 'ocpi', sites);
    await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z' });
    const target = sites[17]!;
    const register = location('R1', {
      ...offset(target.lat, target.lon, 8, 0),
      partyId: 'BNA',
      address: target.address,
      operator: { name: 'Stadtwerke Ludwigsburg-Kornwestheim GmbH', website: null },
    });
    await t.write('bnetza', 'bnetza-json', [register]);
    await t.write('swlb', 'ocpi', [
      { ...target, name: 'Site 17 (renamed)', lastUpdated: '2026-02-05T00:00:00Z' },
    ]);

    const changed = await changedLocationPks(t.db);
    expect(changed.sort()).toEqual([pk('swlb', target), pk('bnetza', register)].sort());
    const result = await dedupeSites(t.db, { now: '2026-02-06T00:00:00Z', changedNear: changed });
    expect(result.mode).toBe('incremental');
    expect(result.sitesConsidered).toBe(1);
    expect(result.records).toBeLessThan(5);
    expect(await siteIdOf(pk('bnetza', register))).toBe(await siteIdOf(pk('swlb', target)));
    const rewritten = await t.db.all("SELECT id FROM sites WHERE updated_at = '2026-02-06T00:00:00Z'");
    expect(rewritten).toHaveLength(1);

    expect(await changedLocationPks(t.db)).toEqual([]);
    const full = await dedupeSites(t.db, { now: '2026-02-07T00:00:00Z' });
    expect(full.sitesWritten).toBe(0);
  });

  it('takes a change larger than a part in parts, one batch each, and ends where one full run does', async () => {
    // Parts of one record: every site with two members has them in different parts.
    const { lakd, ocm } = await writeLakdAndOcm(t);
    const changed = await changedLocationPks(t.db);
    expect(changed).toHaveLength(lakd.length + ocm.length);
    let batches = 0;
    const counted = new Proxy(t.db, {
      get: (db, key) =>
        key === 'batch'
          ? (...args: Parameters<typeof db.batch>) => {
              batches++;
              return db.batch(...args);
            }
          : Reflect.get(db, key),
    });
    const options = { sourceKinds: { 'lt-lakd': 'nap' as const }, now: '2026-02-01T00:00:00Z' };
    const parts = await dedupeSites(counted, { ...options, changedNear: changed, partSize: 1 });
    expect(parts.mode).toBe('incremental');
    expect(batches).toBeGreaterThanOrEqual(changed.length);
    expect(await changedLocationPks(t.db)).toEqual([]);

    const whole = await openTestDb();
    try {
      await writeLakdAndOcm(whole);
      const full = await dedupeSites(whole.db, options);
      expect(full.mode).toBe('full');
      expect(await grouping(t.db)).toEqual(await grouping(whole.db));
      expect(parts.merges + parts.splits).toBe(full.merges + full.splits);
    } finally {
      await whole.close();
    }
  });

  it('marks a site removed when its last member goes, and takes a member out of its site', async () => {
    const [a, b] = cpoSites(2, 3000);
    await t.write('swlb', 'ocpi', [a!, b!]);
    await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z' });
    const id = (await siteIdOf(pk('swlb', a!)))!;
    await t.remove('swlb', [pk('swlb', a!)]);
    const changed = await changedLocationPks(t.db);
    expect(changed).toEqual([pk('swlb', a!)]);
    const result = await dedupeSites(t.db, { now: '2026-02-02T00:00:00Z', changedNear: changed });
    expect(result.removed).toBe(1);
    expect(await siteIdOf(pk('swlb', a!))).toBeNull();
    expect((await siteRow(id))!.doc.removed_at).toBe('2026-02-02T00:00:00Z');
    expect((await siteRow((await siteIdOf(pk('swlb', b!)))!))!.doc.removed_at).toBeUndefined();
  });

  it('keeps a site alive for its other member when one member goes, however far apart they were', async () => {
    // Linked by an EVSE id 400 m apart (beyond the search radius): one site, until one record goes.
    const a = location('A', { ...BASE, evses: [evse('1', 'DE*ABC*E77')] });
    const b = location('B', { ...offset(BASE.lat, BASE.lon, 400, 0), evses: [evse('2', 'DE*ABC*E77')] });
    await t.write('one', 'ocpi', [a]);
    await t.write('two', 'ocpi', [b]);
    await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z' });
    const id = await siteIdOf(pk('one', a));
    expect(await siteIdOf(pk('two', b))).toBe(id);
    await t.remove('one', [pk('one', a)]);
    const result = await dedupeSites(t.db, {
      now: '2026-02-02T00:00:00Z',
      changedNear: await changedLocationPks(t.db),
    });
    expect(result.removed).toBe(0);
    expect(await siteIdOf(pk('two', b))).toBe(id);
    const doc = (await siteRow(id!))!.doc;
    expect(doc.removed_at).toBeUndefined();
    expect(doc.members.map((m) => m.record)).toEqual(['B']);
  });

  it("keeps each bulk statement within D1's 100 bound parameters", async () => {
    await t.write('swlb', 'ocpi', cpoSites(600, 300));
    const result = await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z' });
    expect(result.sitesWritten).toBe(600);
    expect(
      (await t.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM locations WHERE site_id IS NOT NULL'))!.n,
    ).toBe(600);
  });
});
