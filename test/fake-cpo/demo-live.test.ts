// The demo CPO's simulated statuses, pulled by our OCPI client from the fake CPO the way the
// built-in demo source builds it, at clocks the test sets: fresh at any time, moving a little
// between two pulls, and the moves found by an incremental pull (date_from).
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_STALE_AFTER_S } from '../../src/api/availability.js';
import { createFakeCpo } from '../../src/fake-cpo/app.js';
import { type DemoLocation, demoLocations } from '../../src/fake-cpo/demo-data.js';
import { CONFIRM_EVERY_S, demoLocationAt, liveDemoLocation } from '../../src/fake-cpo/demo-live.js';
import { createOcpiClient } from '../../src/ocpi/client/index.js';
import { pullPages } from '../../src/ocpi/client/pages.js';

const T = Date.parse('2026-12-07T20:00:00Z');
const TOKEN = 'demo-token';
const seeded = demoLocations().locations;

/**
 * The demo CPO with its clock at `clock.ms`, and a pull of its locations; `stepMs`: how far the
 * clock moves on after each request, so a pull's pages are served at different times.
 */
function demoCpo(stepMs = 0) {
  const clock = { ms: T };
  const cpo = createFakeCpo({
    locations: seeded,
    tariffs: demoLocations().tariffs,
    token: TOKEN,
    now: () => new Date(clock.ms),
    locationAt: demoLocationAt,
  });
  const fetch = async (url: string, init?: RequestInit) => {
    const res = await cpo.app.request(url, init);
    clock.ms += stepMs;
    return res;
  };
  const client = createOcpiClient({ fetch, retries: 0 });
  const pull = async (dateFrom?: string) => {
    const out: DemoLocation[] = [];
    const options = { token: TOKEN, tokenEncoding: 'base64', version: '2.2.1', dateFrom } as const;
    for await (const page of pullPages('http://demo.test/ocpi/2.2.1/locations', options, client)) {
      out.push(...(page.items as DemoLocation[]));
    }
    return out;
  };
  return { clock, pull, cpo };
}

/** An OCPI DateTime, as our client sends date_from. */
const stamp = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const ageS = (stamp: string, nowMs: number) => (nowMs - Date.parse(stamp)) / 1000;
const statusOf = (locations: DemoLocation[]) =>
  new Map(locations.flatMap((l) => l.evses.map((e) => [e.uid, e] as const)));
/** What the simulation must not touch: everything but the statuses and their stamps. */
const withoutStatus = (l: DemoLocation) => ({
  ...l,
  last_updated: undefined,
  evses: l.evses.map((e) => ({ ...e, status: undefined, last_updated: undefined })),
});

describe('the demo CPO with simulated statuses', () => {
  it('serves every status confirmed within the last 5 minutes, fresh under the stale threshold', async () => {
    const served = await demoCpo().pull();
    expect(served.map(withoutStatus)).toEqual(seeded.map(withoutStatus));
    const evses = served.flatMap((l) => l.evses);
    for (const e of evses) {
      expect(ageS(e.last_updated, T)).toBeGreaterThanOrEqual(0);
      expect(ageS(e.last_updated, T)).toBeLessThan(CONFIRM_EVERY_S);
      for (const c of e.connectors) expect(c.last_updated <= e.last_updated).toBe(true);
    }
    // Held by the atlas until its next pull, 5 minutes (and up to 20 s of jitter) later: still fresh.
    expect(CONFIRM_EVERY_S * 2 + 20).toBeLessThan(DEFAULT_STALE_AFTER_S);
    for (const l of served) {
      expect(l.last_updated).toBe(
        l.evses
          .map((e) => e.last_updated)
          .sort()
          .at(-1),
      );
    }
    // The seeded mix: mostly AVAILABLE or CHARGING, the broken ones stay broken.
    const count = (s: string) => evses.filter((e) => e.status === s).length;
    expect(count('AVAILABLE')).toBeGreaterThan(count('CHARGING'));
    expect(count('CHARGING')).toBeGreaterThan(evses.length / 5);
    const seededStatus = statusOf(seeded);
    for (const e of evses) {
      if (!['AVAILABLE', 'CHARGING'].includes(seededStatus.get(e.uid)!.status)) {
        expect(e.status).toBe(seededStatus.get(e.uid)!.status);
      }
    }
  });

  it('is the same at the same clock, without touching Math.random', async () => {
    const spy = vi.spyOn(Math, 'random');
    const { pull } = demoCpo();
    expect(await pull()).toEqual(await pull());
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('changes a few statuses two minutes later, each with a later last_updated, all in the pull with date_from', async () => {
    const { clock, pull } = demoCpo();
    const before = await pull();
    clock.ms = T + 120_000;
    const after = await pull();
    const was = statusOf(before);
    const changed = after.flatMap((l) => l.evses).filter((e) => e.status !== was.get(e.uid)!.status);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThan(after.flatMap((l) => l.evses).length / 20);
    for (const e of changed) expect(Date.parse(e.last_updated)).toBeGreaterThan(T);

    // The incremental pull from the first pull's time: what was stamped since, nothing older.
    const since = new Date(T).toISOString().replace('.000Z', 'Z');
    const incremental = await pull(since);
    expect(incremental.length).toBeGreaterThan(0);
    expect(incremental.length).toBeLessThan(after.length);
    expect(incremental.map((l) => l.id)).toEqual(
      after.filter((l) => l.last_updated >= since).map((l) => l.id),
    );
    const pulledIds = new Set(incremental.map((l) => l.id));
    const movedIds = after.filter((l, i) => JSON.stringify(l) !== JSON.stringify(before[i])).map((l) => l.id);
    expect(movedIds.length).toBeGreaterThan(0);
    expect(movedIds.filter((id) => !pulledIds.has(id))).toEqual([]);
  });

  it('serves an incremental pull as of its first page: every location once, across status changes between pages', async () => {
    const { clock, pull } = demoCpo(5_000);
    const since = stamp(T - 60_000);
    /** The date_from window as the demo CPO holds it at `ms`, in its served order. */
    const windowAt = (ms: number) =>
      seeded.map((l) => liveDemoLocation(l, new Date(ms))).filter((l) => l.last_updated >= since);
    const ids = (list: DemoLocation[]) => list.map((l) => l.id);
    // What makes a rebuilt list skip: at the second page's clock a location has entered the window
    // before that page's offset (50), shifting the rest by one.
    const atFirstPage = windowAt(T);
    const atSecondPage = windowAt(T + 5_000);
    const entered = atSecondPage.filter((l) => !ids(atFirstPage).includes(l.id));
    expect(entered.some((l) => atSecondPage.indexOf(l) < 50)).toBe(true);

    const pulled = await pull(since);
    expect(clock.ms - T).toBeGreaterThanOrEqual(3 * 5_000); // three pages or more, 5 s apart
    expect(ids(pulled)).toEqual(ids(atFirstPage));
    expect(pulled).toEqual(atFirstPage);
    // What entered after the first page is in the next pull, from this pull's start.
    const next = ids(await pull(stamp(T)));
    expect(ids(entered).filter((id) => !next.includes(id))).toEqual([]);
  });

  it('serves a single location with the same simulated statuses as the list', async () => {
    const { clock, cpo, pull } = demoCpo();
    clock.ms = T + 3_600_000;
    const listed = (await pull())[7]!;
    const res = await cpo.app.request(`http://demo.test/ocpi/2.2.1/locations/${listed.id}`, {
      headers: { Authorization: `Token ${Buffer.from(TOKEN).toString('base64')}` },
    });
    expect((await res.json()).data).toEqual(listed);
  });
});
