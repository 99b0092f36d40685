// The statistics follow the counts' version (src/db/counts-changes.ts), not the data version: a
// stream of status PATCHes changes no count and recomputes none of them, however long it runs; a
// push that may change a count moves the version, is counted at the next refresh, and every
// answer then equals a count from scratch.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  STATS_PATHS,
  settle,
  sortedInAll,
  statsAnswers,
  statsBodies,
  statsBodiesFromScratch,
  countsVersion as storedCountsVersion,
} from '../helpers/stats-answers.js';
import {
  type Atlas,
  pushesOfEveryKind,
  putTwoEvseLocation,
  startAtlas,
} from '../ocpi/receiver/push-harness.js';

let atlas: Atlas;
afterEach(() => atlas.close());

const answers = () => statsAnswers(atlas.url);
const bodies = () => statsBodies(atlas.url);
/** Every path's answer as counted from scratch over the raw tables (the locations are in NLD). */
const fromScratch = () => statsBodiesFromScratch(atlas.db);
const countsVersion = () => storedCountsVersion(atlas.db);

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
    for (const p of STATS_PATHS) {
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
