// Status PATCHes answered before the app (src/api/ocpi/status-patch-requests.ts) on Workers. The
// other Worker push tests send requests without a Content-Length, which always go to the app; here
// a CPO's request declares its length, as one arriving over the network does. The test checks, in
// workerd, that such a request takes the short way (through worker.fetch too: the app dispatches
// none of them), and that the Worker answers it and stores it exactly as the app does the same
// PATCH without a Content-Length (the app's way), EVSE for EVSE.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Context } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOcpiApp } from '../../src/api/ocpi/app.js';
import type { RequestHost } from '../../src/api/ocpi/status-patch-requests.js';
import { d1Db } from '../../src/db/d1.js';
import { demoLocations } from '../../src/fake-cpo/demo-data.js';
import { silentLogger } from '../../src/log.js';
import worker from '../../src/worker.js';
import { workerSources } from '../../src/workers/sources.js';
import { pushingSourceBindings, pushTo } from './push.js';

const PUSH_TOKEN = 'worker-before-app-token-7b3e';
const bindings = pushingSourceBindings('before-app-cpo', 'Before-app CPO', PUSH_TOKEN);
const BASE = 'http://atlas.test/ocpi/2.2.1/receiver/locations/NL/DEM';
const push = pushTo(bindings, PUSH_TOKEN);

/** A demo location with EVSEs A, B, C and D, all AVAILABLE since `since`. */
function fourEvseLocation(since: string) {
  const base = demoLocations().locations.find((l) => l.publish && l.evses.length > 0)!;
  const evses = ['A', 'B', 'C', 'D'].map((uid) => ({
    ...base.evses[0]!,
    uid,
    status: 'AVAILABLE',
    last_updated: since,
  }));
  return { ...base, evses, last_updated: since };
}

/** A CPO's status PATCH; with `length`, it declares its Content-Length. */
function statusPatch(path: string, body: unknown, length: boolean): Request {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = {
    Authorization: `Token ${btoa(PUSH_TOKEN)}`,
    'Content-Type': 'application/json',
    'X-Request-ID': 'req-before-app-1',
    'X-Correlation-ID': 'corr-1',
    'OCPI-from-country-code': 'NL',
    'OCPI-from-party-id': 'DEM',
  };
  if (length) headers['Content-Length'] = String(new TextEncoder().encode(text).length);
  return new Request(`${BASE}/${path}`, { method: 'PATCH', headers, body: text });
}

/** The Worker's answer: status, headers but the date, and the envelope but its timestamp. */
async function answerOf(req: Request) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(req, bindings, ctx);
  await waitOnExecutionContext(ctx);
  const { timestamp, ...envelope } = (await res.json()) as { timestamp: string };
  expect(timestamp).toMatch(/^\d{4}-/);
  return { status: res.status, headers: [...res.headers].filter(([k]) => k !== 'date'), envelope };
}

/** What D1 holds of one EVSE of the location: its row and its status events. */
async function storedEvse(locationId: string, uid: string) {
  const evse = await env.DB.prepare(
    // Whether removed, not when: removed_at is the clock at the write, and the two ways' writes of
    // one push may fall in different seconds (CI, 2026-12-08: 04:31:52 against 04:31:53).
    `SELECT e.status, e.status_via, e.status_updated_at, e.last_updated, e.removed_at IS NOT NULL AS removed,
       e.max_power_w
     FROM evses e JOIN locations l ON l.pk = e.location_pk WHERE l.ocpi_id = ? AND l.source_id = ? AND e.uid = ?`,
  )
    .bind(locationId, 'before-app-cpo', uid)
    .first();
  const events = await env.DB.prepare(
    `SELECT s.old_status, s.new_status, s.occurred_at, s.via FROM evse_status_events s
     JOIN evses e ON e.pk = s.evse_pk JOIN locations l ON l.pk = e.location_pk
     WHERE l.ocpi_id = ? AND l.source_id = ? AND e.uid = ? ORDER BY s.id`,
  )
    .bind(locationId, 'before-app-cpo', uid)
    .all();
  return { evse, events: events.results };
}

/**
 * Counts the requests a Hono app answers: its dispatch reads each request's Context's `res` once
 * the handlers ran; a request answered before the app never has one read (the short way builds a
 * Context only to read a throttled client's address). Without this count the comparison below
 * could compare the app with itself, should createApp stop sending requests the short way.
 */
function countAppDispatches(): { dispatched: () => number; restore: () => void } {
  const own = Object.getOwnPropertyDescriptor(Context.prototype, 'res')!;
  const seen = new WeakSet<Context>();
  let dispatched = 0;
  Object.defineProperty(Context.prototype, 'res', {
    ...own,
    get(this: Context) {
      if (!seen.has(this)) {
        seen.add(this);
        dispatched++;
      }
      return own.get!.call(this);
    },
  });
  return {
    dispatched: () => dispatched,
    restore: () => Object.defineProperty(Context.prototype, 'res', own),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('status PATCHes answered before the app, on Workers', () => {
  const since = '2026-01-01T10:00:00Z';
  const location = fourEvseLocation(since);

  it('takes the short way for a request with a Content-Length, and answers and stores as the app does', async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('busy', { status: 503 }));
    expect((await push('PUT', location.id, location)).status).toBe(201);

    // workerd keeps a declared Content-Length, so the short way answers it without the app.
    const toApp: Request[] = [];
    const host: RequestHost = {
      log: silentLogger,
      clock: () => new Date(),
      getDb: () => d1Db(env.DB),
      app: (req) => {
        toApp.push(req);
        return new Response('the app');
      },
    };
    const { statusPatches } = createOcpiApp({ getDb: host.getDb, sources: workerSources(bindings) });
    const probe = statusPatch(
      `${location.id}/D`,
      { status: 'BLOCKED', last_updated: '2026-01-01T10:30:00Z' },
      true,
    );
    expect(probe.headers.get('content-length')).not.toBeNull();
    const short = statusPatches(probe, bindings, createExecutionContext(), host);
    expect(short).not.toBeNull();
    expect((await short!).status).toBe(200);
    expect(toApp).toEqual([]);
    expect((await storedEvse(location.id, 'D')).evse).toMatchObject({ status: 'BLOCKED' });
    // Without one, the request is the app's.
    const noLength = statusPatch(
      `${location.id}/D`,
      { status: 'BLOCKED', last_updated: '2026-01-01T10:31:00Z' },
      false,
    );
    expect(statusPatches(noLength, bindings, createExecutionContext(), host)).toBeNull();

    // The same pushes to A through the short way and to B through the app: a change, a repeat, an
    // older one ("not applied"), a removal and a return.
    const pushes = [
      { status: 'CHARGING', last_updated: '2026-01-01T11:00:00Z' },
      { status: 'CHARGING', last_updated: '2026-01-01T11:05:00Z' },
      { status: 'AVAILABLE', last_updated: '2026-01-01T10:59:00Z' },
      { status: 'REMOVED', last_updated: '2026-01-01T11:10:00Z' },
      { status: 'AVAILABLE', last_updated: '2026-01-01T11:20:00Z' },
    ];
    const app = countAppDispatches();
    try {
      for (const body of pushes) {
        const before = app.dispatched();
        const viaShort = await answerOf(statusPatch(`${location.id}/A`, { ...body, uid: 'A' }, true));
        expect(app.dispatched()).toBe(before);
        const viaApp = await answerOf(statusPatch(`${location.id}/B`, { ...body, uid: 'B' }, false));
        expect(app.dispatched()).toBe(before + 1);
        expect(viaShort).toEqual(viaApp);
        const stored = await storedEvse(location.id, 'A');
        expect(stored).toEqual(await storedEvse(location.id, 'B'));
        expect(stored.evse).toMatchObject({ removed: body.status === 'REMOVED' ? 1 : 0 });
      }
      // An unknown EVSE: refused before anything is written, so the app answers it either way.
      const before = app.dispatched();
      const unknownShort = await answerOf(statusPatch(`${location.id}/Z`, pushes[0], true));
      expect(app.dispatched()).toBe(before + 1);
      const unknownApp = await answerOf(statusPatch(`${location.id}/Z`, pushes[0], false));
      expect(app.dispatched()).toBe(before + 2);
      expect(unknownShort).toEqual(unknownApp);
      expect(unknownShort.status).toBe(404);
      expect((await storedEvse(location.id, 'A')).events).toHaveLength(4);
    } finally {
      app.restore();
    }
  });
});
