// Statistics have their own freshness rule: a push (which moves the data version) does not make
// /v1/stats recompute; a minute of the app's clock later the last answer is served once more while
// the new data is counted in the background, and then the new answer.
import { afterEach, describe, expect, it } from 'vitest';
import { type Atlas, ocpiLocation, startAtlas } from '../ocpi/receiver/push-harness.js';

let atlas: Atlas;
afterEach(() => atlas.close());

const put = (id: string) =>
  atlas.push(
    'PUT',
    '2.2.1',
    `/NL/TNM/${id}`,
    ocpiLocation('2.2.1', {
      id,
      lat: 52.1,
      lon: 5.1,
      lastUpdated: '2025-03-01T11:00:00Z',
      evses: [{ uid: `${id}-1`, status: 'AVAILABLE' }],
    }),
  );

type Stats = { totals: { locations: number; evses: number } | null };

describe('/v1/stats freshness', () => {
  it('is not recomputed for every push, but refreshed in the background after a minute of the clock', async () => {
    atlas = await startAtlas();
    await put('S1');
    const first = await atlas.get<Stats>('/v1/stats');
    expect(first.body.totals?.evses).toBe(1);
    await put('S2');
    expect((await atlas.get<Stats>('/v1/stats')).body.totals?.evses).toBe(1);
    atlas.clock.advance(61);
    // A minute later the last answer is still served, and one recomputation starts after it.
    expect((await atlas.get<Stats>('/v1/stats')).body.totals?.evses).toBe(1);
    let evses = 0;
    for (let i = 0; i < 50 && evses !== 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
      evses = (await atlas.get<Stats>('/v1/stats')).body.totals?.evses ?? 0;
    }
    expect(evses).toBe(2);
  });
});
