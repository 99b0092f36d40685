// A /v1/availability snapshot reads at most `limit` + 1 EVSEs of its area and sorts only those
// (currentStatuses): more than `limit` is a refusal, which had read and sorted every EVSE of the
// area first (a world box on 1M EVSEs: 1.1-1.9 s). Checked against the brute-force model of a
// synthetic atlas: at a limit of exactly the area's count, every live EVSE of its published
// locations in id order; one below it, the refusal; and the sort is planned after the limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bbox } from '../../src/model/geo.js';
import { topPlanOf } from '../helpers/top-plan.js';
import { type Atlas, buildAtlas, inBbox, type Json, loadTruth, model } from './atlas-fixture.js';

let atlas: Atlas;
let m: ReturnType<typeof model>;
beforeAll(async () => {
  atlas = await buildAtlas({ locations: 400, seed: 17 });
  m = model(await loadTruth(atlas.db));
});
afterAll(() => atlas.close());

/** The model's answer: the live EVSEs of the published locations in the box, by id (byte order). */
function expectedIds(box: Bbox): string[] {
  const ids = m.published
    .filter((l) => inBbox(l as never, box))
    .flatMap((l) => (m.evsesOf.get(l.pk) ?? []).map((e) => e.pk));
  return ids.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

async function snapshot(bbox: string, limit: number): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${atlas.server.url}/v1/availability?bbox=${bbox}&limit=${limit}`);
  return { status: res.status, body: await res.json() };
}

const BOXES: [string, Bbox][] = [
  ['-180,-90,180,90', { minLon: -180, minLat: -90, maxLon: 180, maxLat: 90 }],
  ['4,48,9,52', { minLon: 4, minLat: 48, maxLon: 9, maxLat: 52 }],
  // Across the antimeridian, where the synthetic atlas puts a few locations.
  ['170,-25,-170,-5', { minLon: 170, minLat: -25, maxLon: -170, maxLat: -5 }],
];

describe('a /v1/availability snapshot bounded by its limit', () => {
  it.each(BOXES)('answers %s whole at a limit of its count, and refuses it one below', async (bbox, box) => {
    const ids = expectedIds(box);
    expect(ids.length).toBeGreaterThan(1);
    const whole = await snapshot(bbox, ids.length);
    expect(whole.status).toBe(200);
    expect(whole.body.evses.map((r: Json[]) => r[0])).toEqual(ids);
    const refused = await snapshot(bbox, ids.length - 1);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('too_many_evses');
  });

  it('sorts only the rows the limit lets through', async () => {
    const plan = await topPlanOf(atlas.db, () => snapshot('-180,-90,180,90', 10), /CROSS JOIN evses/);
    // The limited read is materialized, and the sort reads it (a sort on the join read all of it).
    expect(plan).toEqual(['MATERIALIZE area', 'SCAN area', 'USE TEMP B-TREE FOR ORDER BY']);
  });
});
