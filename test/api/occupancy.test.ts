// The load view against a scripted timeline with a controlled clock; every expected share and kW is
// worked out by hand in the comments.
import { check } from '@placemarkio/check-geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Atlas, ocpiLocation, startAtlas } from '../ocpi/receiver/push-harness.js';

interface Figures {
  start: string;
  end: string;
  available: number;
  charging: number;
  occupied: number;
  out_of_order: number;
  unknown: number;
  charging_evses: number;
  power_in_use_kw: number;
}

interface Occupancy {
  evses: number;
  installed_kw: number;
  evses_without_power: number;
  from: string;
  to: string;
  intervals: Figures[];
}

let atlas: Atlas;
const BOX = '5.0,52.0,5.2,52.2';

/*
 * Site A (52.09, 5.12): E1 22 kW, E2 50 kW, E3 11 kW. Site B (52.15, 5.05): B1 7.4 kW.
 *   E1  AVAILABLE 10:00, CHARGING 10:15, AVAILABLE 10:45
 *   E2  AVAILABLE 10:00, CHARGING 10:30, BLOCKED 11:30
 *   E3  OUTOFORDER 10:00
 *   B1  first seen CHARGING at 10:30 (unknown before)
 * Now: 12:00.
 */
beforeAll(async () => {
  atlas = await startAtlas({ now: '2025-03-01T12:00:00Z' });
  // Each push arrives when it happens: history starts when the atlas first held an EVSE.
  atlas.clock.set('2025-03-01T10:00:00Z');
  const put = await atlas.push(
    'PUT',
    '2.2.1',
    '/NL/TNM/A',
    ocpiLocation('2.2.1', {
      id: 'A',
      lat: 52.09,
      lon: 5.12,
      lastUpdated: '2025-03-01T10:00:00Z',
      evses: [
        { uid: 'E1', status: 'AVAILABLE', powerW: 22_000 },
        { uid: 'E2', status: 'AVAILABLE', powerW: 50_000 },
        { uid: 'E3', status: 'OUTOFORDER', powerW: 11_000 },
      ],
    }),
  );
  expect(put.status).toBe(201);
  atlas.clock.set('2025-03-01T10:30:00Z');
  const b = await atlas.push(
    'PUT',
    '2.2.1',
    '/NL/TNM/B',
    ocpiLocation('2.2.1', {
      id: 'B',
      lat: 52.15,
      lon: 5.05,
      lastUpdated: '2025-03-01T10:30:00Z',
      evses: [{ uid: 'B1', status: 'CHARGING', powerW: 7_400 }],
    }),
  );
  expect(b.status).toBe(201);
  for (const [uid, status, at] of [
    ['E1', 'CHARGING', '10:15'],
    ['E2', 'CHARGING', '10:30'],
    ['E1', 'AVAILABLE', '10:45'],
    ['E2', 'BLOCKED', '11:30'],
  ]) {
    atlas.clock.set(`2025-03-01T${at}:00Z`);
    const res = await atlas.push('PATCH', '2.2.1', `/NL/TNM/A/${uid}`, {
      status,
      last_updated: `2025-03-01T${at}:00Z`,
    });
    expect(res.body.status_code).toBe(1000);
  }
  atlas.clock.set('2025-03-01T12:00:00Z');
});
afterAll(async () => {
  await atlas.close();
});

describe('GET /v1/stats/occupancy', () => {
  it('hourly shares and power in use of the scripted timeline', async () => {
    const res = await atlas.get<Occupancy>(
      `/v1/stats/occupancy?bbox=${BOX}&from=2025-03-01T10:00:00Z&to=2025-03-01T12:00:00Z&interval=1h`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ evses: 4, installed_kw: 90.4, evses_without_power: 0 });
    const [h10, h11] = res.body.intervals;
    // 10-11 h, 4 EVSEs x 3600 s = 14400 EVSE-seconds:
    //   available: E1 900 + 900, E2 1800             = 3600 -> 0.25
    //   charging:  E1 1800, E2 1800, B1 1800          = 5400 -> 0.375
    //   out of order: E3 3600                          = 3600 -> 0.25
    //   unknown: B1 before 10:30 1800                  = 1800 -> 0.125
    //   power: (22 x 1800 + 50 x 1800 + 7.4 x 1800) / 3600 = 39.7 kW; charging EVSEs 5400/3600 = 1.5
    expect(h10).toEqual({
      start: '2025-03-01T10:00:00Z',
      end: '2025-03-01T11:00:00Z',
      available: 0.25,
      charging: 0.375,
      occupied: 0,
      out_of_order: 0.25,
      unknown: 0.125,
      charging_evses: 1.5,
      power_in_use_kw: 39.7,
    });
    // 11-12 h: available E1 3600 -> 0.25; charging E2 1800 + B1 3600 = 5400 -> 0.375;
    //   occupied (BLOCKED) E2 1800 -> 0.125; out of order E3 -> 0.25;
    //   power: (50 x 1800 + 7.4 x 3600) / 3600 = 32.4 kW
    expect(h11).toEqual({
      start: '2025-03-01T11:00:00Z',
      end: '2025-03-01T12:00:00Z',
      available: 0.25,
      charging: 0.375,
      occupied: 0.125,
      out_of_order: 0.25,
      unknown: 0,
      charging_evses: 1.5,
      power_in_use_kw: 32.4,
    });
  });

  it('15-minute intervals resolve each change', async () => {
    const res = await atlas.get<Occupancy>(
      `/v1/stats/occupancy?bbox=${BOX}&from=2025-03-01T10:00:00Z&to=2025-03-01T11:00:00Z&interval=15m`,
    );
    expect(res.body.intervals.map((i) => [i.start.slice(11, 16), i.charging, i.power_in_use_kw])).toEqual([
      // 10:00 nobody charges; 10:15 E1 (22); 10:30 E1 + E2 + B1 (79.4); 10:45 E2 + B1 (57.4).
      ['10:00', 0, 0],
      ['10:15', 0.25, 22],
      ['10:30', 0.75, 79.4],
      ['10:45', 0.5, 57.4],
    ]);
  });

  it('one day interval, clipped at now: the figures cover 00:00-12:00 only', async () => {
    const res = await atlas.get<Occupancy>(
      `/v1/stats/occupancy?bbox=${BOX}&from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z&interval=1d`,
    );
    expect(res.body.to).toBe('2025-03-01T12:00:00Z');
    const [day] = res.body.intervals;
    // 12 h x 4 = 172800 EVSE-seconds. Charging: E1 1800, E2 3600, B1 5400 = 10800 -> 0.0625.
    // Unknown: E1, E2, E3 before 10:00 (3 x 36000) + B1 before 10:30 (37800) = 145800 -> 0.84375.
    // Power: (22 x 1800 + 50 x 3600 + 7.4 x 5400) / 43200 = 6.0 kW.
    expect(day).toMatchObject({
      end: '2025-03-01T12:00:00Z',
      charging: 0.0625,
      unknown: 0.8438,
      power_in_use_kw: 6,
    });
  });

  it('grouped by grid cell: one GeoJSON polygon per cell with its own figures', async () => {
    const res = await fetch(
      `${atlas.url}/v1/stats/occupancy?bbox=${BOX}&from=2025-03-01T11:00:00Z&to=2025-03-01T12:00:00Z&grid=0.05`,
    );
    expect(res.headers.get('content-type')).toMatch(/application\/geo\+json/);
    const text = await res.text();
    const fc = check(text) as unknown as {
      features: {
        geometry: { coordinates: number[][][] };
        properties: { evses: number; installed_kw: number; intervals: Figures[] };
      }[];
    };
    expect(fc.features).toHaveLength(2);
    const byEvses = fc.features.sort((a, b) => b.properties.evses - a.properties.evses);
    const [a, b] = byEvses;
    // Cell of A: lon 5.10-5.15, lat 52.05-52.10 (0.05-degree cells counted from -180 / -90).
    const ring = a!.geometry.coordinates[0]!;
    expect(ring[0]![0]).toBeCloseTo(5.1, 6);
    expect(ring[0]![1]).toBeCloseTo(52.05, 6);
    expect(ring[2]![0]).toBeCloseTo(5.15, 6);
    expect(ring[2]![1]).toBeCloseTo(52.1, 6);
    // A, 11-12 h: 3 EVSEs; charging E2 1800 of 10800 -> 0.1667, 50 x 0.5 = 25 kW.
    expect(a!.properties).toMatchObject({ evses: 3, installed_kw: 83 });
    expect(a!.properties.intervals[0]).toMatchObject({
      charging: 0.1667,
      occupied: 0.1667,
      available: 0.3333,
      power_in_use_kw: 25,
    });
    // B: B1 charges the whole hour at 7.4 kW.
    expect(b!.properties.intervals[0]).toMatchObject({ charging: 1, power_in_use_kw: 7.4 });
  });

  it('refuses a missing box, an unknown interval and too many intervals', async () => {
    expect((await atlas.get('/v1/stats/occupancy')).status).toBe(400);
    expect((await atlas.get(`/v1/stats/occupancy?bbox=${BOX}&interval=5m`)).status).toBe(400);
    const many = await atlas.get<{ error: { message: string } }>(
      `/v1/stats/occupancy?bbox=${BOX}&from=2024-03-01T00:00:00Z&to=2025-03-01T00:00:00Z&interval=15m`,
    );
    expect(many.status).toBe(400);
    expect(many.body.error.message).toMatch(/^interval/);
  });
});
