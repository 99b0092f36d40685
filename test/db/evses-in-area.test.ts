// The occupancy population (evsesInArea: a box's cell ranges joined to locations_tile, then each
// location's EVSEs) against the brute-force model of the synthetic atlas: the published locations
// in the box, by their own position, and their EVSEs that are not removed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evsesInArea } from '../../src/db/queries/status.js';
import type { Bbox } from '../../src/model/geo.js';
import { type Atlas, buildAtlas, inBbox, loadTruth, model } from '../api/atlas-fixture.js';
import { topPlanOf } from '../helpers/top-plan.js';

let atlas: Atlas;

beforeAll(async () => {
  atlas = await buildAtlas({ locations: 400, seed: 23 });
});
afterAll(async () => {
  await atlas.close();
});

const BOXES: [string, Bbox][] = [
  ['a part of the region', { minLon: 4, minLat: 49, maxLon: 8.5, maxLat: 52 }],
  ['the whole region', { minLon: 2, minLat: 47, maxLon: 12, maxLat: 54 }],
  ['across the antimeridian', { minLon: 179.5, minLat: -20, maxLon: -179.5, maxLat: -10 }],
  ['the world', { minLon: -180, minLat: -90, maxLon: 180, maxLat: 90 }],
];

describe('the occupancy population of a box', () => {
  it.each(BOXES)('is every live EVSE of the published locations in %s, in pk order', async (_, box) => {
    const m = model(await loadTruth(atlas.db));
    const inBox = m.published.filter((l) => inBbox(l as never, box));
    const want = inBox.flatMap((l) => (m.evsesOf.get(l.pk) ?? []).map((e) => e.pk)).sort();
    expect(want.length).toBeGreaterThan(0);
    // Both sides of the antimeridian (and of the meridian) hold some.
    expect(new Set(inBox.map((l) => Math.sign(l.lon as number))).size).toBe(
      box.minLon < 0 || box.minLon > box.maxLon ? 2 : 1,
    );
    const got = await evsesInArea(atlas.db, box, 100_000);
    expect(got.map((e) => e.pk)).toEqual(want);
    // One more than asked for tells the caller the box holds too many.
    expect((await evsesInArea(atlas.db, box, want.length - 1)).map((e) => e.pk)).toEqual(want);
    expect(await evsesInArea(atlas.db, box, want.length - 2)).toHaveLength(want.length - 1);
  });
});

describe('the occupancy population of a box over its limit', () => {
  // A box over the limit is refused (too_many_evses): the LIMIT stops the read at limit + 1 EVSEs and
  // only those are sorted. Sorted on the union itself, a world box on 1M EVSEs read and sorted all of
  // them before the refusal (1.3-2.0 s on the statistics worker).
  it('is read up to the limit first, then sorted', async () => {
    const world = { minLon: -180, minLat: -90, maxLon: 180, maxLat: 90 };
    const plan = await topPlanOf(atlas.db, () => evsesInArea(atlas.db, world, 10), /CROSS JOIN evses/);
    expect(plan).toEqual(['MATERIALIZE area', 'SCAN area', 'USE TEMP B-TREE FOR ORDER BY']);
  });
});
