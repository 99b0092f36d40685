// Pulls and the counts' version (src/db/counts-changes.ts): a pull whose records changed only in
// their statuses rewrites them (their content hash covers statuses) and regroups their sites, yet
// moves no count, so the statistics are not computed again; a pull that changes what is counted
// moves the version, and the answers then equal a count from scratch, also where it puts back what
// a push changed below a location. A real feed (NDW, Delft: sites of several records) served by
// the fake CPO, pulled by the sync runner with its dedupe, the answers over HTTP.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeCpo, type FakeCpo } from '../../src/fake-cpo/app.js';
import { createSyncRunner, type SyncRunner } from '../../src/jobs/sync-runner.js';
import { silentLogger } from '../../src/log.js';
import { createOcpiClient } from '../../src/ocpi/client/index.js';
import { loadFeed } from '../helpers/feeds.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';
import {
  countsVersion,
  settle,
  sortedInAll,
  statsAnswers,
  statsBodies,
  statsBodiesFromScratch,
} from '../helpers/stats-answers.js';
import {
  type Atlas,
  cpoSource,
  ocpiConnector,
  ocpiLocation,
  startAtlas,
  TOKEN_NL,
} from '../ocpi/receiver/push-harness.js';

type Json = Record<string, unknown>;
const PULL_TOKEN = 'counts-pull-token-4e1b';
const T0 = '2025-03-01T10:00:00Z';
/** Minute `m` of the hour before the test ran: later than anything in the feed, not ahead of the clock. */
const HOUR_AGO = Math.floor(Date.now() / 3_600_000 - 1) * 3_600_000;
const at = (m: number) => new Date(HOUR_AGO + m * 60_000).toISOString().replace('.000Z', 'Z');

const feed = loadFeed('ndw-delft');
const source = cpoSource('cpo-nl', TOKEN_NL, [{ country_code: 'NL', party_id: 'TNM' }]);
/** Location P of the pushing party, in the same feed: E1 AVAILABLE at 11 kW, E2 CHARGING at 22 kW. */
const locationP = (e1: string, e2: string, lastUpdated: string) =>
  ocpiLocation('2.2.1', {
    id: 'P',
    lat: 52.0,
    lon: 4.36,
    lastUpdated,
    evses: [
      { uid: 'E1', status: e1, powerW: 11_000 },
      { uid: 'E2', status: 'CHARGING', powerW: 22_000, lastUpdated: e2 },
    ],
  });

let atlas: Atlas;
let cpo: FakeCpo;
let served: ServedApp;
let runner: SyncRunner;
/** What the fake CPO serves now. */
let locations: Json[];

beforeEach(async () => {
  locations = [...structuredClone(feed.locations as Json[]), locationP('AVAILABLE', T0, T0)];
  cpo = createFakeCpo({ locations, tariffs: feed.tariffs, token: PULL_TOKEN, pageSize: 200 });
  served = await serveApp(cpo.app);
  const pulled = { ...source, versions_url: `${served.url}/ocpi/versions`, token: PULL_TOKEN };
  // The app's clock an hour ahead of the wall's, which dates the pulls' versions.
  atlas = await startAtlas({ sources: [pulled], now: new Date(Date.now() + 3_600_000).toISOString() });
  runner = createSyncRunner({
    db: atlas.db,
    client: createOcpiClient({}),
    clock: () => new Date(),
    log: silentLogger,
    readText: async () => '',
    concurrency: 1,
  });
  await pull();
});

afterEach(async () => {
  await served.close();
  await atlas.close();
});

/** Serves `next` and pulls it whole, with the dedupe after it; the run's counters. */
async function pull(next: Json[] = locations) {
  locations = next;
  cpo.setData(locations, feed.tariffs);
  const r = await runner.run(
    { ...source, versions_url: `${served.url}/ocpi/versions`, token: PULL_TOKEN },
    'full',
  );
  await runner.settled();
  expect(r?.error ?? null).toBeNull();
  return r!.counters;
}

/** Location `id` of what is served, changed by `change` (which also dates it). */
const changed = (id: string, change: (l: Json) => void) =>
  locations.map((l) => {
    if (l.id !== id) return l;
    const c = structuredClone(l);
    change(c);
    return c;
  });

const evsesOf = (l: Json) => (l.evses ?? []) as Json[];
const NEXT_STATUS: Record<string, string> = { AVAILABLE: 'CHARGING', CHARGING: 'AVAILABLE' };

/** Every EVSE that is not REMOVED to another live status, dated `when` with its location. */
const statusesMoved = (when: string) =>
  locations.map((l0) => {
    const l = structuredClone(l0);
    for (const e of evsesOf(l)) {
      if (e.status === 'REMOVED') continue;
      e.status = NEXT_STATUS[e.status as string] ?? 'AVAILABLE';
      e.last_updated = when;
    }
    l.last_updated = when;
    return l;
  });

const answers = () => statsAnswers(atlas.url);
const bodies = () => statsBodies(atlas.url);

/** A pull of `next` moves the counts' version, and a minute on the answers are a count from scratch. */
async function expectCounted(next: Json[], what: string) {
  const version = await countsVersion(atlas.db);
  const shown = await bodies();
  await pull(next);
  expect(await countsVersion(atlas.db), `${what} moves the counts' version`).not.toBe(version);
  atlas.clock.advance(61);
  expect(await bodies(), `${what}: the last answers meanwhile`).toEqual(shown);
  await settle();
  const now = sortedInAll(await bodies());
  expect(now, what).toEqual(await statsBodiesFromScratch(atlas.db));
  expect(now, what).not.toEqual(sortedInAll(shown));
}

const firstWithEvses = () => locations.find((l) => evsesOf(l).length > 1 && l.id !== 'P')!;

describe('pulls and the counts the statistics follow', () => {
  it('a pull whose records changed only in their statuses moves no version and computes nothing', async () => {
    const before = await answers();
    const version = await countsVersion(atlas.db);
    const events = async () =>
      (await atlas.db.get<{ n: number }>('SELECT count(*) AS n FROM evse_status_events'))!.n;
    const eventsBefore = await events();
    const counters = await pull(statusesMoved(at(1)));
    // Every record was written again, its statuses with it.
    expect(counters.upserted).toBe(locations.length);
    expect(await events()).toBeGreaterThan(eventsBefore + 1000);
    expect(await countsVersion(atlas.db)).toBe(version);
    const queries = vi.spyOn(atlas.db, 'all');
    // Two refresh windows (STATS_FRESH_MS) on: nothing is due.
    for (let i = 0; i < 2; i++) {
      atlas.clock.advance(61);
      expect(await answers()).toEqual(before);
      await settle();
    }
    expect(queries).not.toHaveBeenCalled();
    expect(sortedInAll(await bodies())).toEqual(await statsBodiesFromScratch(atlas.db));
  });

  it('a pull that changes what is counted moves it, and the answers then equal a count from scratch', async () => {
    const some = firstWithEvses();
    const connectorOf = (l: Json) => (evsesOf(l)[0]!.connectors as Json[])[0]!;
    await expectCounted(
      changed(some.id as string, (l) => {
        connectorOf(l).max_electric_power = 350_000;
        l.last_updated = at(2);
      }),
      'a connector of 350 kW',
    );
    await expectCounted(
      changed(some.id as string, (l) => {
        evsesOf(l)[1]!.status = 'REMOVED';
        l.last_updated = at(3);
      }),
      'an EVSE REMOVED',
    );
    await expectCounted(
      changed(some.id as string, (l) => {
        l.operator = { name: 'Another operator' };
        l.last_updated = at(4);
      }),
      'another operator',
    );
    await expectCounted(
      locations.filter((l) => l.id !== some.id),
      'a location the feed no longer lists',
    );
  });

  it('a pull that puts back what a push below a location changed moves it', async () => {
    /** Pushes `body` and waits until the statistics count it. */
    const pushed = async (method: 'PUT' | 'PATCH', path: string, body: Json) => {
      expect((await atlas.push(method, '2.2.1', path, body)).body.status_code).toBe(1000);
      await bodies();
      atlas.clock.advance(61);
      await bodies();
      await settle();
      expect(sortedInAll(await bodies())).toEqual(await statsBodiesFromScratch(atlas.db));
    };
    const withP = (p: Json) => locations.map((l) => (l.id === 'P' ? p : l));
    // E1 REMOVED by a push, then live again by a pull (which also has E2 in another status since).
    await pushed('PATCH', '/NL/TNM/P/E1', { status: 'REMOVED', last_updated: at(5) });
    await expectCounted(withP(locationP('CHARGING', at(6), at(6))), 'E1 live again by the pull');
    // E2's connector at 50 kW by a push, then at its 22 kW again by a pull of a new status.
    await pushed('PUT', '/NL/TNM/P/E2/1', ocpiConnector('2.2.1', '1', 50_000, at(7)));
    const p = locationP('CHARGING', at(8), at(8));
    evsesOf(p)[1]!.status = 'AVAILABLE';
    await expectCounted(withP(p), 'E2 at 22 kW again by the pull');
  });
});
