// Pushes can arrive out of order (retries, several workers at the CPO): an update older than what we
// hold is acknowledged, so the CPO does not retry it, and not applied.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evseKey, locationKey } from '../../../src/model/ids.js';
import { type Atlas, dumpStore, ocpiConnector, putOneEvseLocation, startAtlas } from './push-harness.js';

let atlas: Atlas;
const lpk = locationKey('cpo-nl', 'NL', 'TNM', 'L1');
const epk = evseKey(lpk, 'E1');

beforeEach(async () => {
  atlas = await startAtlas({ now: '2025-03-01T12:00:00Z' });
  const put = await putOneEvseLocation(atlas, '2025-03-01T09:00:00Z');
  expect(put.status).toBe(201);
});
afterEach(async () => {
  await atlas.close();
});

const status = async () =>
  atlas.db.get<{ status: string; status_updated_at: string }>(
    'SELECT status, status_updated_at FROM evses WHERE pk = ?',
    [epk],
  );

describe('out-of-order delivery', () => {
  it('a status pushed at t2 and then one from t1 leaves the t2 status', async () => {
    const t2 = await atlas.push('PATCH', '2.2.1', '/NL/TNM/L1/E1', {
      status: 'CHARGING',
      last_updated: '2025-03-01T11:00:00Z',
    });
    expect(t2).toMatchObject({ status: 200, body: { status_code: 1000 } });
    const before = await dumpStore(atlas.db);
    const t1 = await atlas.push('PATCH', '2.2.1', '/NL/TNM/L1/E1', {
      status: 'OUTOFORDER',
      last_updated: '2025-03-01T10:00:00Z',
    });
    expect(t1.status).toBe(200);
    expect(t1.body.status_code).toBe(1000);
    expect(t1.body.status_message).toMatch(/not applied/);
    expect(await status()).toEqual({ status: 'CHARGING', status_updated_at: '2025-03-01T11:00:00Z' });
    expect(await dumpStore(atlas.db)).toEqual(before);
    const avail = await atlas.get<{ evses: unknown[][] }>(`/v1/availability?locations=${lpk}`);
    expect(avail.body.evses.map((r) => r[3])).toEqual(['CHARGING']);
  });

  it('an older PUT of the whole EVSE or Location does not roll the status back either', async () => {
    await atlas.push('PATCH', '2.2.1', '/NL/TNM/L1/E1', {
      status: 'CHARGING',
      last_updated: '2025-03-01T11:00:00Z',
    });
    const before = await dumpStore(atlas.db);
    const evse = await atlas.push('PUT', '2.2.1', '/NL/TNM/L1/E1', {
      uid: 'E1',
      status: 'AVAILABLE',
      connectors: [ocpiConnector('2.2.1', '1', 11_000, '2025-03-01T10:30:00Z')],
      last_updated: '2025-03-01T10:30:00Z',
    });
    const loc = await putOneEvseLocation(atlas, '2025-03-01T10:45:00Z');
    expect([evse.body.status_code, loc.body.status_code]).toEqual([1000, 1000]);
    expect(await dumpStore(atlas.db)).toEqual(before);
    expect((await status())?.status).toBe('CHARGING');
  });

  it('a newer update after the older one is applied again', async () => {
    await atlas.push('PATCH', '2.2.1', '/NL/TNM/L1/E1', {
      status: 'CHARGING',
      last_updated: '2025-03-01T11:00:00Z',
    });
    await atlas.push('PATCH', '2.2.1', '/NL/TNM/L1/E1', {
      status: 'OUTOFORDER',
      last_updated: '2025-03-01T10:00:00Z',
    });
    await atlas.push('PATCH', '2.2.1', '/NL/TNM/L1/E1', {
      status: 'AVAILABLE',
      last_updated: '2025-03-01T11:30:00Z',
    });
    expect(await status()).toEqual({ status: 'AVAILABLE', status_updated_at: '2025-03-01T11:30:00Z' });
    const events = await atlas.db.all<{ new_status: string }>(
      'SELECT new_status FROM evse_status_events WHERE evse_pk = ? ORDER BY id',
      [epk],
    );
    expect(events.map((e) => e.new_status)).toEqual(['AVAILABLE', 'CHARGING', 'AVAILABLE']);
  });

  it('a 2.1.1 PATCH without last_updated counts as of its arrival', async () => {
    atlas.clock.set('2025-03-01T12:05:00Z');
    const res = await atlas.push('PATCH', '2.1.1', '/NL/TNM/L1/E1', { status: 'BLOCKED' });
    expect(res.body.status_code).toBe(1000);
    expect(await status()).toEqual({ status: 'BLOCKED', status_updated_at: '2025-03-01T12:05:00Z' });
  });

  it('a Location PATCH replaces the given fields whole and keeps the rest', async () => {
    const res = await atlas.push('PATCH', '2.2.1', '/NL/TNM/L1', {
      name: 'Jaarbeurs P1',
      facilities: ['MALL'],
      last_updated: '2025-03-01T11:00:00Z',
    });
    expect(res.body.status_code).toBe(1000);
    const row = await atlas.db.get<{ name: string; facilities: string; city: string; last_updated: string }>(
      'SELECT name, facilities, city, last_updated FROM locations WHERE pk = ?',
      [lpk],
    );
    expect(row).toEqual({
      name: 'Jaarbeurs P1',
      facilities: '["MALL"]',
      city: 'Utrecht',
      last_updated: '2025-03-01T11:00:00Z',
    });
    expect((await status())?.status).toBe('AVAILABLE');
  });
});
