// The statistics follow the counts' version (src/db/counts-changes.ts), not the data version: a
// stream of status PATCHes changes no count and recomputes none of them, however long it runs; a
// push that may change a count moves the version, is counted at the next refresh, and every
// answer then equals a count from scratch.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StatsRow } from '../../src/db/queries/stats.js';
import { statsFromScratch } from '../helpers/stats-reference.js';
import {
  type Atlas,
  pushesOfEveryKind,
  putTwoEvseLocation,
  startAtlas,
} from '../ocpi/receiver/push-harness.js';

let atlas: Atlas;
afterEach(() => atlas.close());

const DIMENSIONS = [
  ['country', 'by_country', 'country'],
  ['operator', 'by_operator', 'operator'],
  ['connector', 'by_connector', 'standard'],
  ['power_class', 'by_power_class', 'power_class_kw'],
] as const;
const PATHS = [
  '/v1/stats',
  ...DIMENSIONS.map(([, key]) => `/v1/stats/${key.replaceAll('_', '-')}`),
  '/v1/operators',
];

interface Answer {
  body: unknown;
  etag: string | null;
  lastModified: string | null;
}

async function answers(): Promise<Record<string, Answer>> {
  const out: Record<string, Answer> = {};
  for (const path of PATHS) {
    const res = await fetch(`${atlas.url}${path}`);
    expect(res.status, path).toBe(200);
    out[path] = {
      body: await res.json(),
      etag: res.headers.get('etag'),
      lastModified: res.headers.get('last-modified'),
    };
  }
  return out;
}

const bodies = async () => Object.fromEntries(Object.entries(await answers()).map(([p, a]) => [p, a.body]));

/** A background recomputation (fresh-for.ts) starts on a later turn and runs to its end. */
const settle = () => new Promise((r) => setTimeout(r, 50));

const kw = (w: number | null) => (w == null ? 0 : Math.round(w / 100) / 10);
const counts = (r: Omit<StatsRow, 'key'>) => ({
  sites: r.sites,
  locations: r.locations,
  evses: r.evses,
  connectors: r.connectors,
  installed_kw: kw(r.installed_w),
});
/** Rows in a fixed order: the API's order is by count, ties by key, which the reference does not give. */
const sorted = (rows: object[]) => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
const sortedIn = (body: unknown) =>
  Object.fromEntries(Object.entries(body as object).map(([k, v]) => [k, Array.isArray(v) ? sorted(v) : v]));

/** Every path's answer as counted from scratch over the raw tables (the locations are in NLD). */
async function fromScratch(): Promise<Record<string, unknown>> {
  const want = await statsFromScratch(atlas.db);
  const by = Object.fromEntries(
    DIMENSIONS.map(([dim, key, name]) => [
      key,
      sorted(want.statsBy(dim, {}).map((r) => ({ [name]: r.key ?? r.key2 ?? null, ...counts(r) }))),
    ]),
  );
  const [total] = want.statsBy('total', {});
  return sortedInAll({
    '/v1/stats': { totals: counts(total!), ...by },
    ...Object.fromEntries(
      DIMENSIONS.map(([, key]) => [`/v1/stats/${key.replaceAll('_', '-')}`, { [key]: by[key] }]),
    ),
    '/v1/operators': {
      operators: want
        .operators({})
        .map(({ key, countries, ...r }) => ({ name: key, ...counts(r), countries })),
      next: null,
    },
  });
}

const countsVersion = async () =>
  (await atlas.db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'counts_version'"))?.value ??
  null;

describe('the statistics and the counts they follow', () => {
  it('recompute nothing for a stream of status PATCHes, whatever the clock, and keep their validators', async () => {
    // The app's clock ahead of the wall's, which dates the versions (Last-Modified): a version stamped
    // after the clock's now would be dated by the clock.
    atlas = await startAtlas({ now: new Date(Date.now() + 60_000).toISOString() });
    await putTwoEvseLocation(atlas, 'A', 52.09, 5.12, '2025-03-01T11:00:00Z');
    await putTwoEvseLocation(atlas, 'B', 52.2, 5.3, '2025-03-01T11:00:00Z');
    const before = await answers();
    // 60 PATCHes over ten minutes of the clock: ten refresh windows (STATS_FRESH_MS).
    for (let i = 0; i < 60; i++) {
      atlas.clock.advance(10);
      const res = await atlas.push('PATCH', '2.2.1', `/NL/TNM/${i % 3 ? 'A' : 'B'}/E${(i % 2) + 1}`, {
        status: i % 4 < 2 ? 'CHARGING' : 'AVAILABLE',
        last_updated: atlas.clock.now().toISOString(),
      });
      expect(res.body.status_code).toBe(1000);
    }
    const queries = vi.spyOn(atlas.db, 'all');
    expect(await answers()).toEqual(before);
    await settle();
    expect(await answers()).toEqual(before);
    expect(queries).not.toHaveBeenCalled();
  });

  it('count each push that may change a count at the next refresh, as a count from scratch does', async () => {
    atlas = await startAtlas();
    await putTwoEvseLocation(atlas, 'A', 52.09, 5.12, '2025-03-01T11:00:00Z');
    await putTwoEvseLocation(atlas, 'B', 52.2, 5.3, '2025-03-01T11:00:00Z');
    expect(sortedInAll(await bodies())).toEqual(await fromScratch());
    const at = (m: number) => `2025-03-01T11:${String(m).padStart(2, '0')}:00Z`;
    // A status PATCH, an EVSE PUT (a new EVSE), a connector PUT and PATCH, a Location PATCH (operator),
    // a status PATCH to REMOVED.
    for (const [step, [method, path, body]] of pushesOfEveryKind(at).entries()) {
      const version = await countsVersion();
      const shown = await bodies();
      const res = await atlas.push(method, '2.2.1', path, body);
      expect(res.body.status_code, `${method} ${path}`).toBe(1000);
      const moved = (await countsVersion()) !== version;
      expect(moved, `${method} ${path} moves the counts' version`).toBe(step > 0);
      // A minute on (the answers are then due, STATS_FRESH_MS), a request gets the last answer and
      // one recomputation runs after it.
      atlas.clock.advance(61);
      expect(await bodies()).toEqual(shown);
      await settle();
      const now = sortedInAll(await bodies());
      expect(now, `${method} ${path}`).toEqual(await fromScratch());
      if (moved) expect(now).not.toEqual(sortedInAll(shown));
    }
  });
});

describe('the validators of a statistics answer served stale', () => {
  it('date it by the counts it was computed from, so If-Modified-Since alone gets the fresh one', async () => {
    atlas = await startAtlas();
    await putTwoEvseLocation(atlas, 'A', 52.09, 5.12, '2025-03-01T11:00:00Z');
    const first = await answers();
    // A count moves (a new EVSE) in a later second of the app's clock than the first answers' date.
    atlas.clock.advance(5);
    const [method, path, body] = pushesOfEveryKind(
      (m) => `2025-03-01T11:${String(m).padStart(2, '0')}:00Z`,
    )[1]!;
    expect((await atlas.push(method, '2.2.1', path, body)).body.status_code).toBe(1000);
    atlas.clock.advance(61);
    const stale = await answers();
    await settle();
    expect((await bodies())['/v1/stats']).not.toEqual(stale['/v1/stats']!.body);
    for (const p of PATHS) {
      // The last answer while the recomputation runs, with the date it was given before.
      expect(stale[p]!.body, p).toEqual(first[p]!.body);
      expect(stale[p]!.lastModified, p).toBe(first[p]!.lastModified);
      // A client that holds it and revalidates by date alone gets the new counts, not a 304.
      const res = await fetch(`${atlas.url}${p}`, {
        headers: { 'If-Modified-Since': stale[p]!.lastModified! },
      });
      expect(res.status, p).toBe(200);
      expect(await res.json(), p).toEqual(await (await fetch(`${atlas.url}${p}`)).json());
      expect(Date.parse(res.headers.get('last-modified')!)).toBeGreaterThan(
        Date.parse(stale[p]!.lastModified!),
      );
    }
  });
});

function sortedInAll(all: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(all).map(([p, b]) => [p, sortedIn(b)]));
}
