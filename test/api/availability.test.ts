// /v1/availability: current status per EVSE in a box or at some locations, a cursor, changes since
// it, staleness against a controlled clock, and only published data.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evseKey, locationKey } from '../../src/model/ids.js';
import { type Atlas, ocpiLocation, startAtlas, TOKEN_DE } from '../ocpi/receiver/push-harness.js';

interface Availability {
  cursor: string;
  full: boolean;
  more: boolean;
  stale_after_s: number;
  fields: string[];
  evses: [string, string, string | null, string, string | null, boolean][];
}

let atlas: Atlas;
const UTRECHT = '5.0,52.0,5.2,52.2';
const lpk = (id: string, cc = 'NL', pid = 'TNM', source = 'cpo-nl') => locationKey(source, cc, pid, id);

beforeEach(async () => {
  atlas = await startAtlas({ now: '2025-03-01T12:00:00Z', deps: { staleAfterS: 600 } });
  const put = (
    id: string,
    lat: number,
    lon: number,
    evses: { uid: string; status: string; lastUpdated?: string }[],
    publish = true,
  ) =>
    atlas.push('PUT', '2.2.1', `/NL/TNM/${id}`, {
      ...ocpiLocation('2.2.1', { id, lat, lon, lastUpdated: '2025-03-01T11:55:00Z', evses }),
      publish,
    });
  await put('A', 52.09, 5.12, [
    { uid: 'A1', status: 'AVAILABLE', lastUpdated: '2025-03-01T11:55:00Z' },
    { uid: 'A2', status: 'CHARGING', lastUpdated: '2025-03-01T11:00:00Z' },
  ]);
  await put('B', 52.1, 5.1, [{ uid: 'B1', status: 'OUTOFORDER', lastUpdated: '2025-03-01T11:58:00Z' }]);
  await put('HIDDEN', 52.1, 5.11, [{ uid: 'H1', status: 'AVAILABLE' }], false);
  await put('FAR', 40.4, -3.7, [{ uid: 'F1', status: 'AVAILABLE' }]);
});
afterEach(async () => {
  await atlas.close();
});

describe('GET /v1/availability', () => {
  it('lists the published EVSEs in the box with status, since and staleness', async () => {
    const res = await atlas.get<Availability>(`/v1/availability?bbox=${UTRECHT}`);
    expect(res.status).toBe(200);
    expect(res.body.full).toBe(true);
    expect(res.body.stale_after_s).toBe(600);
    const rows = new Map(res.body.evses.map((r) => [r[0], r]));
    expect(rows.size).toBe(3);
    // Now is 12:00 and the threshold 10 min: A2 (11:00) is stale, A1 (11:55) and B1 (11:58) are live.
    expect(rows.get(evseKey(lpk('A'), 'A1'))).toEqual([
      evseKey(lpk('A'), 'A1'),
      lpk('A'),
      'NL*TNM*EA1',
      'AVAILABLE',
      '2025-03-01T11:55:00Z',
      false,
    ]);
    expect(rows.get(evseKey(lpk('A'), 'A2'))?.slice(3)).toEqual(['CHARGING', '2025-03-01T11:00:00Z', true]);
    expect(rows.get(evseKey(lpk('B'), 'B1'))?.slice(3)).toEqual([
      'OUTOFORDER',
      '2025-03-01T11:58:00Z',
      false,
    ]);
    // publish=false and outside the box: absent.
    expect(rows.has(evseKey(lpk('HIDDEN'), 'H1'))).toBe(false);
    expect(rows.has(evseKey(lpk('FAR'), 'F1'))).toBe(false);
  });

  it('answers for a list of location ids', async () => {
    const res = await atlas.get<Availability>(
      `/v1/availability?locations=${lpk('B')},${lpk('FAR')},${lpk('HIDDEN')}`,
    );
    expect(res.body.evses.map((r) => r[0]).sort()).toEqual(
      [evseKey(lpk('B'), 'B1'), evseKey(lpk('FAR'), 'F1')].sort(),
    );
  });

  it('returns only what changed after the cursor, and the next cursor', async () => {
    const first = await atlas.get<Availability>(`/v1/availability?bbox=${UTRECHT}`);
    const quiet = await atlas.get<Availability>(
      `/v1/availability?bbox=${UTRECHT}&since=${first.body.cursor}`,
    );
    expect(quiet.body).toMatchObject({ full: false, cursor: first.body.cursor, evses: [] });

    await atlas.push('PATCH', '2.2.1', '/NL/TNM/B/B1', {
      status: 'AVAILABLE',
      last_updated: '2025-03-01T11:59:00Z',
    });
    await atlas.push('PATCH', '2.2.1', '/NL/TNM/FAR/F1', {
      status: 'CHARGING',
      last_updated: '2025-03-01T11:59:00Z',
    });
    const changed = await atlas.get<Availability>(
      `/v1/availability?bbox=${UTRECHT}&since=${first.body.cursor}`,
    );
    expect(changed.body.full).toBe(false);
    expect(changed.body.evses.map((r) => [r[0], r[3]])).toEqual([[evseKey(lpk('B'), 'B1'), 'AVAILABLE']]);
    expect(Number(changed.body.cursor)).toBe(Number(first.body.cursor) + 2);
  });

  it('pages changes by limit, with more=true until the last page', async () => {
    const first = await atlas.get<Availability>(`/v1/availability?bbox=${UTRECHT}`);
    for (const [i, s] of ['CHARGING', 'AVAILABLE', 'BLOCKED'].entries()) {
      await atlas.push('PATCH', '2.2.1', '/NL/TNM/A/A1', {
        status: s,
        last_updated: `2025-03-01T11:5${6 + i}:00Z`,
      });
    }
    const page1 = await atlas.get<Availability>(
      `/v1/availability?bbox=${UTRECHT}&since=${first.body.cursor}&limit=2`,
    );
    expect(page1.body.more).toBe(true);
    const page2 = await atlas.get<Availability>(
      `/v1/availability?bbox=${UTRECHT}&since=${page1.body.cursor}&limit=2`,
    );
    expect(page2.body.more).toBe(false);
    expect(page2.body.evses.map((r) => r[3])).toEqual(['BLOCKED']);
  });

  it('marks a removed EVSE as REMOVED in the changes', async () => {
    const first = await atlas.get<Availability>(`/v1/availability?bbox=${UTRECHT}`);
    await atlas.push('PATCH', '2.2.1', '/NL/TNM/A/A2', {
      status: 'REMOVED',
      last_updated: '2025-03-01T11:59:00Z',
    });
    const changed = await atlas.get<Availability>(
      `/v1/availability?bbox=${UTRECHT}&since=${first.body.cursor}`,
    );
    expect(changed.body.evses.map((r) => r[3])).toEqual(['REMOVED']);
    const snapshot = await atlas.get<Availability>(`/v1/availability?bbox=${UTRECHT}`);
    expect(snapshot.body.evses.some((r) => r[0] === evseKey(lpk('A'), 'A2'))).toBe(false);
  });

  it('starts over with a full snapshot when the cursor is unknown to this database', async () => {
    const res = await atlas.get<Availability>(`/v1/availability?bbox=${UTRECHT}&since=999999`);
    expect(res.body.full).toBe(true);
    expect(res.body.evses).toHaveLength(3);
  });

  it('refuses a request without an area, a bad cursor and a typo', async () => {
    expect((await atlas.get('/v1/availability')).status).toBe(400);
    const bad = await atlas.get<{ error: { code: string; message: string } }>(
      `/v1/availability?bbox=${UTRECHT}&since=abc`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^since/);
    expect((await atlas.get(`/v1/availability?bbox=${UTRECHT}&sinse=3`)).status).toBe(400);
  });

  it("does not show another CPO's data under a token it does not own", async () => {
    // The DE token may not write NL data, so the NL view is unchanged.
    await atlas.push(
      'PATCH',
      '2.2.1',
      '/NL/TNM/A/A1',
      { status: 'CHARGING', last_updated: '2025-03-01T11:59:00Z' },
      { token: TOKEN_DE },
    );
    const res = await atlas.get<Availability>(`/v1/availability?locations=${lpk('A')}`);
    expect(res.body.evses.find((r) => r[0] === evseKey(lpk('A'), 'A1'))?.[3]).toBe('AVAILABLE');
  });
});
