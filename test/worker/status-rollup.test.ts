// The status rollup on Workers: the Cron handler turns raw status events past the retention window
// into hourly figures, as Node's hourly job does. A CPO pushes a location and two status changes to
// the Worker's receiver; a trigger fired 31 days later rolls them up. The timeline and the figures
// are those of the Node test (test/api/history.test.ts), moved to three days ago: a first rollup
// starts its window one retention period before its cutoff.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ROLLUP_WATERMARK_KEY } from '../../src/db/queries/status.js';
import { demoLocations } from '../../src/fake-cpo/demo-data.js';
import { count, fireCron } from './cron.js';
import { pushTo } from './push.js';

const PUSH_TOKEN = 'worker-rollup-push-token-9e1f';
const bindings = {
  ...env,
  ATLAS_STATUS_RETENTION_DAYS: '30',
  ATLAS_SOURCES_JSON: JSON.stringify([
    {
      id: 'rollup-cpo',
      name: 'Rollup CPO',
      versions_url: 'https://cpo.example/ocpi/versions',
      token: 'pull-token-unused',
      push_token: PUSH_TOKEN,
      parties: [{ country_code: 'NL', party_id: 'DEM' }],
      license: 'CC0-1.0',
    },
  ]),
};

const HOUR = 3_600_000;
/** The hour the timeline starts in: three days ago. */
const start = Math.floor((Date.now() - 72 * HOUR) / HOUR) * HOUR;
/** `start` plus some minutes, as OCPI and the rollup write it. */
const at = (minutes: number) => new Date(start + minutes * 60_000).toISOString().replace('.000Z', 'Z');

/** One demo location with a single EVSE, AVAILABLE since 0:10 into the first hour. */
function oneEvseLocation() {
  const base = demoLocations().locations.find((l) => l.publish && l.evses.length > 0)!;
  const evse = { ...base.evses[0]!, status: 'AVAILABLE', last_updated: at(10) };
  return { ...base, evses: [evse], last_updated: at(10) };
}

const push = pushTo(bindings, PUSH_TOKEN);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the status rollup on Workers', () => {
  it('rolls raw events past the retention window into hourly figures from the Cron handler', async () => {
    // The source's pulls go nowhere: this test is about the pushed events only.
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('busy', { status: 503 }));
    const location = oneEvseLocation();
    const uid = location.evses[0]!.uid;
    expect((await push('PUT', location.id, location)).status).toBe(201);
    for (const [status, when] of [
      ['CHARGING', at(40)],
      ['AVAILABLE', at(135)],
    ]) {
      const res = await push('PATCH', `${location.id}/${uid}`, { status, last_updated: when });
      expect(res.body.status_code).toBe(1000);
    }
    const evse = await env.DB.prepare(
      'SELECT pk FROM evses WHERE uid = ? AND location_pk IN (SELECT pk FROM locations WHERE source_id = ?)',
    )
      .bind(uid, 'rollup-cpo')
      .first<{ pk: string }>();
    expect(evse).not.toBeNull();
    const events = () => count('SELECT count(*) AS n FROM evse_status_events WHERE evse_pk = ?', evse!.pk);
    expect(await events()).toBe(3);
    // Written through D1, they form the EVSE's chain (prev_id, evses.last_event_id) as on Node.
    const chain = await env.DB.prepare(
      `SELECT s.id, s.prev_id, e.last_event_id FROM evse_status_events s JOIN evses e ON e.pk = s.evse_pk
       WHERE s.evse_pk = ? ORDER BY s.id`,
    )
      .bind(evse!.pk)
      .all<{ id: number; prev_id: number | null; last_event_id: number }>();
    const ids = chain.results.map((r) => r.id);
    expect(chain.results.map((r) => r.prev_id)).toEqual([null, ids[0], ids[1]]);
    expect(chain.results[0]!.last_event_id).toBe(ids[2]);

    // A trigger today leaves them alone: they were received now, inside the window.
    await fireCron(bindings);
    expect(await events()).toBe(3);

    // 31 days on, they were received before the cutoff, and their hours are rolled up.
    const later = new Date(Date.now() + 31 * 86_400_000);
    await fireCron(bindings, later);
    expect(await events()).toBe(0);
    const { results } = await env.DB.prepare(
      'SELECT hour, status, seconds, end_status FROM evse_status_hourly WHERE evse_pk = ? ORDER BY hour, status',
    )
      .bind(evse!.pk)
      .all();
    expect(results).toEqual([
      { hour: at(0), status: 'AVAILABLE', seconds: 1800, end_status: 'CHARGING' },
      { hour: at(0), status: 'CHARGING', seconds: 1200, end_status: 'CHARGING' },
      { hour: at(120), status: 'AVAILABLE', seconds: 2700, end_status: 'AVAILABLE' },
      { hour: at(120), status: 'CHARGING', seconds: 900, end_status: 'AVAILABLE' },
    ]);
    const watermark = await env.DB.prepare('SELECT value FROM meta WHERE key = ?')
      .bind(ROLLUP_WATERMARK_KEY)
      .first<{ value: string }>();
    expect(Date.parse(watermark!.value)).toBeGreaterThan(Date.now());

    // A second trigger in the same hour adds nothing.
    await fireCron(bindings, new Date(later.getTime() + 60_000));
    expect(await count('SELECT count(*) AS n FROM evse_status_hourly WHERE evse_pk = ?', evse!.pk)).toBe(4);
  });
});
