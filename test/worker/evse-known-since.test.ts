// On D1: an EVSE's status history starts when the atlas first held that EVSE, not its location (as
// on Node, test/api/evse-known-since.test.ts). A location held since January gets a new EVSE, listed
// with its CPO's older date; the Worker's history answer counts it from the push that brought it.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { demoLocations } from '../../src/fake-cpo/demo-data.js';
import worker from '../../src/worker.js';
import { fireCron } from './cron.js';
import { pushingSourceBindings, pushTo } from './push.js';

const PUSH_TOKEN = 'worker-known-since-token-5a1f';
const bindings = pushingSourceBindings('since-cpo', 'Since CPO', PUSH_TOKEN);
const push = pushTo(bindings, PUSH_TOKEN);

const JANUARY = '2026-01-05T08:00:00Z';
const CPO_DATE = '2026-02-01T00:00:00Z';

interface History {
  evse: { known_since: string | null };
  intervals: { status: string; from: string; to: string }[];
}

/** The EVSE's history over the last day (the range may span at most 92 days). */
async function history(pk: string): Promise<History> {
  const from = new Date(Date.now() - 86_400_000).toISOString().slice(0, 19);
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://atlas.test/v1/evses/${pk}/history?from=${from}Z`),
    bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const body = await res.text();
  expect(res.status, body).toBe(200);
  return JSON.parse(body) as History;
}

const firstSeen = async (uid: string) =>
  (await env.DB.prepare(
    `SELECT e.pk, e.first_seen_at FROM evses e JOIN locations l ON l.pk = e.location_pk
     WHERE l.ocpi_id = 'SINCE-1' AND e.uid = ?`,
  )
    .bind(uid)
    .first<{ pk: string; first_seen_at: string | null }>())!;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('known_since on D1', () => {
  it('an EVSE added to a location held since January counts from the push that brought it', async () => {
    // Its pulls go nowhere; a scheduled run stores the source (its licence: published).
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('busy', { status: 503 }));
    await fireCron(bindings);
    const base = demoLocations().locations.find((l) => l.publish && l.evses.length > 0)!;
    const evse = (uid: string, status: string, lastUpdated: string) => ({
      ...base.evses[0]!,
      uid,
      status,
      last_updated: lastUpdated,
    });
    const a = evse('A', 'AVAILABLE', JANUARY);
    const location = { ...base, id: 'SINCE-1', evses: [a], last_updated: JANUARY };
    expect((await push('PUT', location.id, location)).status).toBe(201);
    // Held since January: the location and its EVSE A as first written then.
    await env.DB.batch([
      env.DB.prepare(`UPDATE locations SET first_seen_at = ? WHERE ocpi_id = 'SINCE-1'`).bind(JANUARY),
      env.DB.prepare(
        `UPDATE evses SET first_seen_at = ? WHERE location_pk IN (SELECT pk FROM locations WHERE ocpi_id = 'SINCE-1')`,
      ).bind(JANUARY),
    ]);

    const pushedAt = new Date().toISOString();
    const b = evse('B', 'CHARGING', CPO_DATE);
    const later = { ...location, evses: [a, b], last_updated: CPO_DATE };
    expect((await push('PUT', location.id, later)).status).toBe(200);

    // A second on, so that B's time since the push is an interval (times are held to the second).
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const heldB = await firstSeen('B');
    expect(heldB.first_seen_at! >= pushedAt.slice(0, 19)).toBe(true);
    const hb = await history(heldB.pk);
    expect(hb.evse.known_since).toBe(heldB.first_seen_at);
    expect(hb.intervals[0]).toMatchObject({ status: 'CHARGING', from: heldB.first_seen_at });
    // A keeps its January start through the second write of the location.
    const heldA = await firstSeen('A');
    expect(heldA.first_seen_at).toBe(JANUARY);
    expect((await history(heldA.pk)).evse.known_since).toBe(JANUARY);
  });
});
