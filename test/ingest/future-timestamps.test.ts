// An object stamped in the future (a PATCH of year 9999 accepted before the receiver refused such
// times) kept every later update "not applied", a full pull included. A full pull repairs it.
import { afterEach, describe, expect, it } from 'vitest';
import { forgetFutureTimesStmts } from '../../src/db/queries/future-timestamps.js';
import { refreshSiteFeaturesStmts } from '../../src/db/write-site-features.js';
import { type Harness, startHarness } from '../helpers/sync-harness.js';
import { ocpiLocation } from '../ocpi/receiver/push-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const stamp = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const feed = (status: string, lastUpdated = stamp) => [
  ocpiLocation('2.2.1', {
    id: 'F1',
    cc: 'NL',
    pid: 'DEM',
    lat: 52.09,
    lon: 5.12,
    lastUpdated,
    evses: [{ uid: 'E1', status }],
  }),
];

describe('a full pull', () => {
  it('takes the status from the CPO again for an EVSE frozen by a far-future time', async () => {
    h = await startHarness({ locations: feed('AVAILABLE') });
    expect((await h.sync('full')).status).toBe('ok');
    await h.db.batch([
      {
        sql: `UPDATE evses SET status = 'OUTOFORDER', status_updated_at = '9999-12-31T23:59:59Z',
          last_updated = '9999-12-31T23:59:59Z'`,
        params: [],
      },
      { sql: `UPDATE locations SET last_updated = '9999-12-31T23:59:59Z'`, params: [] },
    ]);
    h.cpo.setData(feed('CHARGING'));
    expect((await h.sync('incremental')).status).toBe('ok');
    // An incremental pull does not repair (it may be a partial view): still frozen.
    const frozen = await h.db.get<{ status: string }>('SELECT status FROM evses');
    expect(frozen!.status).toBe('OUTOFORDER');

    expect((await h.sync('full')).status).toBe('ok');
    const evse = await h.db.get<{ status: string; status_updated_at: string }>(
      'SELECT status, status_updated_at FROM evses',
    );
    expect(evse!.status).toBe('CHARGING');
    expect(evse!.status_updated_at < '9999').toBe(true);
    const loc = await h.db.get<{ last_updated: string }>('SELECT last_updated FROM locations');
    expect(loc!.last_updated).toBe(stamp);
  });

  it('refreshes the read model of the sites it repairs, before the pull writes anything', async () => {
    h = await startHarness({ locations: feed('AVAILABLE') });
    expect((await h.sync('full')).status).toBe('ok');
    const future = '9999-12-31T23:59:59Z';
    await h.db.batch([
      { sql: 'UPDATE evses SET status_updated_at = ?', params: [future] },
      ...refreshSiteFeaturesStmts({ sourceId: h.source.id }),
    ]);
    const statuses = async () =>
      (await h!.db.get<{ statuses: string }>('SELECT statuses FROM site_features'))!.statuses;
    // A tile would count this AVAILABLE as fresh until the year 9999.
    expect(await statuses()).toBe(JSON.stringify([[0, future, 1]]));
    await h.db.batch(
      await forgetFutureTimesStmts(h.db, h.source.id, '2030-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
    );
    // Brought back to the time of its newest event, the pull's.
    expect(await statuses()).toBe(JSON.stringify([[0, stamp, 1]]));
  });

  // A CPO's clock a year ahead: its pull wrote the EVSE's events dated then, at the head of the
  // EVSE's chain of events. The next full pull forgets that time; the event it writes must not be
  // linked to a newer one (readers walk the chain as time order, the rollup by id would cut it).
  it.each([
    ['BLOCKED', 'a status of its own'],
    ['CHARGING', 'the status stamped ahead'],
    ['AVAILABLE', 'the status before'],
  ])(
    'keeps the chain of events in time order when it takes %s (%s) after an EVSE stamped ahead',
    async (status) => {
      const ahead = new Date(Date.now() + 365 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const later = new Date(Date.now() - 1800_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      h = await startHarness({ locations: feed('AVAILABLE') });
      expect((await h.sync('full')).status).toBe('ok');
      h.cpo.setData(feed('CHARGING', ahead));
      expect((await h.sync('full')).status).toBe('ok');
      const events = () =>
        h!.db.all<{
          id: number;
          prev_id: number | null;
          old_status: string | null;
          new_status: string;
          occurred_at: string;
        }>('SELECT id, prev_id, old_status, new_status, occurred_at FROM evse_status_events ORDER BY id');
      expect((await events()).map((e) => e.occurred_at)).toEqual([stamp, ahead]);

      h.cpo.setData(feed(status, later));
      expect((await h.sync('full')).status).toBe('ok');
      const held = await events();
      // The event dated ahead is gone. The status going back to the one before is an event of its
      // own (CHARGING went out to the live feeds and the outbox with its event), dated as that one;
      // the pull's, if its status differs, follows and is the head.
      expect(held.map((e) => [e.old_status, e.new_status, e.occurred_at])).toEqual([
        [null, 'AVAILABLE', stamp],
        ['CHARGING', 'AVAILABLE', stamp],
        ...(status === 'AVAILABLE' ? [] : [['AVAILABLE', status, later]]),
      ]);
      for (let i = 1; i < held.length; i++) expect(held[i]!.prev_id).toBe(held[i - 1]!.id);
      const evse = await h.db.get<{ status: string; status_updated_at: string; last_event_id: number }>(
        'SELECT status, status_updated_at, last_event_id FROM evses',
      );
      expect(evse).toEqual({
        status,
        status_updated_at: later,
        last_event_id: held.at(-1)!.id,
      });
    },
  );
});
