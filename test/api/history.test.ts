// Status history of one EVSE against a scripted timeline with a controlled clock, before and after
// the rollup of raw events into hourly aggregates.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rollupStatusEvents } from '../../src/db/queries/status.js';
import { evseKey, locationKey } from '../../src/model/ids.js';
import { type Atlas, ocpiLocation, putOneEvseLocation, startAtlas } from '../ocpi/receiver/push-harness.js';

interface History {
  evse: { id: string; evse_id: string; uid: string; location: string; known_since: string | null };
  from: string;
  to: string;
  intervals: { status: string; from: string; to: string }[];
  hourly: { hour: string; seconds: Record<string, number> }[];
  seconds: Record<string, number>;
}

let atlas: Atlas;
const lpk = locationKey('cpo-nl', 'NL', 'TNM', 'L1');
const e1 = evseKey(lpk, 'E1');

/**
 * The script: E1 appears AVAILABLE at 10:10, charges 10:40-12:15, then is AVAILABLE again; each
 * push arrives when it happens (history starts when the atlas first held the EVSE).
 */
async function script() {
  atlas.clock.set('2025-03-01T10:10:00Z');
  const put = await putOneEvseLocation(atlas, '2025-03-01T10:10:00Z');
  expect(put.status).toBe(201);
  for (const [status, at] of [
    ['CHARGING', '2025-03-01T10:40:00Z'],
    ['AVAILABLE', '2025-03-01T12:15:00Z'],
  ] as const) {
    atlas.clock.set(at);
    expect(
      (await atlas.push('PATCH', '2.2.1', '/NL/TNM/L1/E1', { status, last_updated: at })).body.status_code,
    ).toBe(1000);
  }
  atlas.clock.set('2025-03-01T13:00:00Z');
}

beforeEach(async () => {
  atlas = await startAtlas({ now: '2025-03-01T13:00:00Z' });
  await script();
});
afterEach(async () => {
  await atlas.close();
});

describe('GET /v1/evses/{id}/history', () => {
  it('gives the intervals of the scripted timeline and the seconds per status', async () => {
    const res = await atlas.get<History>(
      `/v1/evses/${e1}/history?from=2025-03-01T10:00:00Z&to=2025-03-01T13:00:00Z`,
    );
    expect(res.status).toBe(200);
    expect(res.body.evse).toEqual({
      id: e1,
      evse_id: 'NL*TNM*EE1',
      uid: 'E1',
      location: lpk,
      known_since: '2025-03-01T10:10:00Z',
    });
    expect(res.body.intervals).toEqual([
      { status: 'AVAILABLE', from: '2025-03-01T10:10:00Z', to: '2025-03-01T10:40:00Z' },
      { status: 'CHARGING', from: '2025-03-01T10:40:00Z', to: '2025-03-01T12:15:00Z' },
      { status: 'AVAILABLE', from: '2025-03-01T12:15:00Z', to: '2025-03-01T13:00:00Z' },
    ]);
    expect(res.body.hourly).toEqual([]);
    // By hand: AVAILABLE 30 + 45 min, CHARGING 95 min, nothing known before 10:10.
    expect(res.body.seconds).toEqual({ AVAILABLE: 4500, CHARGING: 5700, unknown: 600 });
  });

  it('clips to the range and to now, and finds the EVSE by its eMI3 evse_id too', async () => {
    atlas.clock.set('2025-03-01T12:30:00Z');
    const res = await atlas.get<History>(
      `/v1/evses/NL*TNM*EE1/history?from=2025-03-01T11:00:00Z&to=2025-03-02T00:00:00Z`,
    );
    expect(res.status).toBe(200);
    expect(res.body.to).toBe('2025-03-01T12:30:00Z');
    expect(res.body.intervals).toEqual([
      { status: 'CHARGING', from: '2025-03-01T11:00:00Z', to: '2025-03-01T12:15:00Z' },
      { status: 'AVAILABLE', from: '2025-03-01T12:15:00Z', to: '2025-03-01T12:30:00Z' },
    ]);
  });

  it('answers 404 for an unknown EVSE and 400 for a reversed range', async () => {
    expect((await atlas.get('/v1/evses/nope/history')).status).toBe(404);
    const bad = await atlas.get<{ error: { code: string } }>(
      `/v1/evses/${e1}/history?from=2025-03-01T12:00:00Z&to=2025-03-01T11:00:00Z`,
    );
    expect(bad.status).toBe(400);
    expect((await atlas.get(`/v1/evses/${e1}/history?from=noon`)).status).toBe(400);
  });
});

describe('history starts when the atlas first held the EVSE', () => {
  const l2 = locationKey('cpo-nl', 'NL', 'TNM', 'L2');
  const e2 = evseKey(l2, 'E1');

  /** L2's E1 as a CPO lists it on first sight: AVAILABLE, last updated in 2019. */
  async function putOld(clock: string) {
    atlas.clock.set(clock);
    const loc = ocpiLocation('2.2.1', {
      id: 'L2',
      lat: 52.1,
      lon: 5.13,
      lastUpdated: '2019-06-01T08:00:00Z',
      evses: [{ uid: 'E1', status: 'AVAILABLE', lastUpdated: '2019-06-01T08:00:00Z' }],
    });
    expect((await atlas.push('PUT', '2.2.1', '/NL/TNM/L2', loc)).status).toBe(201);
  }

  it('a first status dated years back counts from when it was received', async () => {
    await putOld('2025-03-01T13:00:00Z');
    atlas.clock.set('2025-03-01T14:00:00Z');
    const res = await atlas.get<History>(
      `/v1/evses/${e2}/history?from=2025-03-01T12:00:00Z&to=2025-03-01T14:00:00Z`,
    );
    expect(res.body.evse.known_since).toBe('2025-03-01T13:00:00Z');
    expect(res.body.intervals).toEqual([
      { status: 'AVAILABLE', from: '2025-03-01T13:00:00Z', to: '2025-03-01T14:00:00Z' },
    ]);
    expect(res.body.seconds).toEqual({ AVAILABLE: 3600, unknown: 3600 });
    // The event keeps the CPO's date (what the outbox and the stream report).
    expect(await atlas.db.all('SELECT occurred_at FROM evse_status_events WHERE evse_pk = ?', [e2])).toEqual([
      { occurred_at: '2019-06-01T08:00:00Z' },
    ]);
    // Nothing before: the 2019 day is all unknown.
    const old = await atlas.get<History>(
      `/v1/evses/${e2}/history?from=2019-06-01T00:00:00Z&to=2019-06-02T00:00:00Z`,
    );
    expect(old.body.intervals).toEqual([]);
    expect(old.body.seconds).toEqual({ unknown: 86_400 });
  });

  it('rolled-up hours dated before it are unknown too (a database that rolled such events up)', async () => {
    await putOld('2025-03-01T13:00:00Z');
    atlas.clock.set('2025-03-01T13:20:00Z');
    await atlas.push('PATCH', '2.2.1', '/NL/TNM/L2/E1', {
      status: 'CHARGING',
      last_updated: '2025-03-01T13:20:00Z',
    });
    await rollupStatusEvents(atlas.db, { now: new Date('2025-04-10T00:00:00Z'), retentionDays: 30 });
    // The rollup dated the 2019 status at its hour, as it dates every event.
    expect(
      await atlas.db.get<{ n: number }>(
        'SELECT count(*) AS n FROM evse_status_hourly WHERE evse_pk = ? AND hour < ?',
        [e2, '2025-01-01'],
      ),
    ).toEqual({ n: 1 });
    atlas.clock.set('2025-04-10T00:00:00Z');
    const old = await atlas.get<History>(
      `/v1/evses/${e2}/history?from=2019-06-01T00:00:00Z&to=2019-06-02T00:00:00Z`,
    );
    expect(old.body.hourly).toEqual([]);
    expect(old.body.seconds).toEqual({ unknown: 86_400 });
    // The day before it was held is unknown; from 13:00 the hour holds AVAILABLE 20 min, CHARGING 40.
    const day = await atlas.get<History>(
      `/v1/evses/${e2}/history?from=2025-02-28T00:00:00Z&to=2025-03-01T14:00:00Z`,
    );
    expect(day.body.hourly).toEqual([
      { hour: '2025-03-01T13:00:00Z', seconds: { AVAILABLE: 1200, CHARGING: 2400 } },
    ]);
    expect(day.body.intervals).toEqual([]);
    expect(day.body.seconds).toEqual({ AVAILABLE: 1200, CHARGING: 2400, unknown: 86_400 + 13 * 3600 });
  });
});

describe('rollup of raw events older than the window', () => {
  it('turns them into hourly seconds per status, deletes them, and history reads the same totals', async () => {
    // A change inside the window stays raw.
    atlas.clock.set('2025-04-05T09:00:00Z');
    await atlas.push('PATCH', '2.2.1', '/NL/TNM/L1/E1', {
      status: 'OUTOFORDER',
      last_updated: '2025-03-20T08:00:00Z',
    });

    const result = await rollupStatusEvents(atlas.db, {
      now: new Date('2025-04-05T09:30:00Z'),
      retentionDays: 30,
    });
    // Window of 30 days back from 09:30, floored to the hour.
    expect(result.cutoff).toBe('2025-03-06T09:00:00Z');
    expect(result.eventsDeleted).toBe(3);

    const rows = await atlas.db.all(
      'SELECT hour, status, seconds, end_status FROM evse_status_hourly WHERE evse_pk = ? ORDER BY hour, status',
      [e1],
    );
    // By hand: 10h: AVAILABLE 10:10-10:40, CHARGING 10:40-11:00; 11h: quiet (no rows, carries CHARGING);
    // 12h: CHARGING 12:00-12:15, AVAILABLE 12:15-13:00.
    expect(rows).toEqual([
      { hour: '2025-03-01T10:00:00Z', status: 'AVAILABLE', seconds: 1800, end_status: 'CHARGING' },
      { hour: '2025-03-01T10:00:00Z', status: 'CHARGING', seconds: 1200, end_status: 'CHARGING' },
      { hour: '2025-03-01T12:00:00Z', status: 'AVAILABLE', seconds: 2700, end_status: 'AVAILABLE' },
      { hour: '2025-03-01T12:00:00Z', status: 'CHARGING', seconds: 900, end_status: 'AVAILABLE' },
    ]);
    const raw = await atlas.db.all<{ occurred_at: string }>(
      'SELECT occurred_at FROM evse_status_events WHERE evse_pk = ?',
      [e1],
    );
    expect(raw).toEqual([{ occurred_at: '2025-03-20T08:00:00Z' }]);

    const res = await atlas.get<History>(
      `/v1/evses/${e1}/history?from=2025-03-01T10:00:00Z&to=2025-03-01T13:00:00Z`,
    );
    expect(res.body.seconds).toEqual({ AVAILABLE: 4500, CHARGING: 5700, unknown: 600 });
    expect(res.body.hourly.map((h) => h.hour)).toEqual(['2025-03-01T10:00:00Z', '2025-03-01T12:00:00Z']);
    expect(res.body.intervals).toEqual([
      { status: 'CHARGING', from: '2025-03-01T11:00:00Z', to: '2025-03-01T12:00:00Z' },
    ]);

    // Across the seam: AVAILABLE carried from the rolled-up hours until the raw OUTOFORDER change.
    const seam = await atlas.get<History>(
      `/v1/evses/${e1}/history?from=2025-03-06T00:00:00Z&to=2025-03-21T00:00:00Z`,
    );
    expect(seam.body.intervals).toEqual([
      { status: 'AVAILABLE', from: '2025-03-06T00:00:00Z', to: '2025-03-20T08:00:00Z' },
      { status: 'OUTOFORDER', from: '2025-03-20T08:00:00Z', to: '2025-03-21T00:00:00Z' },
    ]);

    // Running it again changes nothing.
    const again = await rollupStatusEvents(atlas.db, {
      now: new Date('2025-04-05T09:45:00Z'),
      retentionDays: 30,
    });
    expect(again.eventsDeleted).toBe(0);
    expect(
      await atlas.db.all(
        'SELECT hour, status, seconds FROM evse_status_hourly WHERE evse_pk = ? ORDER BY hour, status',
        [e1],
      ),
    ).toHaveLength(4);
  });

  it('a later rollup continues from the carried status without counting an hour twice', async () => {
    // A change after the first cutoff (2025-03-02T00:00), which only the second rollup takes.
    atlas.clock.set('2025-03-03T06:31:00Z');
    await atlas.push('PATCH', '2.2.1', '/NL/TNM/L1/E1', {
      status: 'CHARGING',
      last_updated: '2025-03-03T06:30:00Z',
    });
    const first = await rollupStatusEvents(atlas.db, {
      now: new Date('2025-04-01T00:00:00Z'),
      retentionDays: 30,
    });
    expect(first).toMatchObject({ cutoff: '2025-03-02T00:00:00Z', eventsDeleted: 3 });
    const second = await rollupStatusEvents(atlas.db, {
      now: new Date('2025-04-10T00:00:00Z'),
      retentionDays: 30,
    });
    expect(second).toMatchObject({ cutoff: '2025-03-11T00:00:00Z', eventsDeleted: 1 });
    const rows = await atlas.db.all(
      'SELECT hour, status, seconds, end_status FROM evse_status_hourly WHERE evse_pk = ? AND hour >= ? ORDER BY hour, status',
      [e1, '2025-03-02T00:00:00Z'],
    );
    expect(rows).toEqual([
      { hour: '2025-03-03T06:00:00Z', status: 'AVAILABLE', seconds: 1800, end_status: 'CHARGING' },
      { hour: '2025-03-03T06:00:00Z', status: 'CHARGING', seconds: 1800, end_status: 'CHARGING' },
    ]);
    atlas.clock.set('2025-04-10T00:00:00Z');
    const res = await atlas.get<History>(
      `/v1/evses/${e1}/history?from=2025-03-03T00:00:00Z&to=2025-03-04T00:00:00Z`,
    );
    // AVAILABLE 00:00-06:30 = 23400 s, CHARGING 06:30-24:00 = 63000 s.
    expect(res.body.seconds).toEqual({ AVAILABLE: 23400, CHARGING: 63000, unknown: 0 });
  });
});
