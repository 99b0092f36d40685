// Costly answers (statistics) are computed at most once per freshness window, and once there is an
// answer no request waits for a computation again: a stale answer is served while one refresh runs.
import { describe, expect, it } from 'vitest';
import { forgetFreshAnswers, freshFor } from '../../src/api/http/fresh-for.js';
import type { Db } from '../../src/db/types.js';

const at = (s: number) => new Date(s * 1000);
/** Versions of the data: the tests move it at 60 s. */
const [V1, V2] = ['v1', 'v2'];
/** Lets timers due now run (the refresh starts on a later turn than the stale answer). */
const turn = () => new Promise((r) => setTimeout(r, 0));

function gated() {
  const calls: ((v: number) => void)[] = [];
  return {
    calls,
    compute: () => new Promise<number>((resolve) => calls.push(resolve)),
  };
}

describe('freshFor', () => {
  it('serves the last answer while one refresh runs, and the refresh result after it', async () => {
    const fresh = freshFor<number>(60_000);
    const db = {} as Db;
    const g = gated();
    const first = fresh(db, 'k', at(0), V1, g.compute);
    expect(g.calls).toHaveLength(1);
    g.calls[0]!(1);
    expect(await first).toBe(1);
    expect(await fresh(db, 'k', at(30), V1, g.compute)).toBe(1);
    expect(g.calls).toHaveLength(1);
    // Expired: the stale answer at once, even though the refresh never finishes by itself.
    expect(await fresh(db, 'k', at(61), V2, g.compute)).toBe(1);
    expect(await fresh(db, 'k', at(62), V2, g.compute)).toBe(1);
    await turn();
    expect(g.calls).toHaveLength(2);
    g.calls[1]!(2);
    await turn();
    expect(await fresh(db, 'k', at(63), V2, g.compute)).toBe(2);
    expect(g.calls).toHaveLength(2);
  });

  it('computes nothing again while the version holds, however old the answer, and once a minute after it moved', async () => {
    const fresh = freshFor<number>(60_000);
    const db = {} as Db;
    let computed = 0;
    const compute = async () => ++computed;
    expect(await fresh(db, 'k', at(0), V1, compute)).toBe(1);
    expect(await fresh(db, 'k', at(3600), V1, compute)).toBe(1);
    await turn();
    expect(computed).toBe(1);
    // Moved within the minute of the first answer (at(0) + 1 h: due at once), then again 10 s later.
    expect(await fresh(db, 'k', at(3601), V2, compute)).toBe(1);
    await turn();
    expect(await fresh(db, 'k', at(3602), V2, compute)).toBe(2);
    expect(await fresh(db, 'k', at(3612), 'v3', compute)).toBe(2);
    await turn();
    expect(computed).toBe(2);
    expect(await fresh(db, 'k', at(3662), 'v3', compute)).toBe(2);
    await turn();
    expect(await fresh(db, 'k', at(3663), 'v3', compute)).toBe(3);
    expect(computed).toBe(3);
  });

  it('shares a first computation that outlasts the window instead of starting another', async () => {
    const fresh = freshFor<number>(60_000);
    const db = {} as Db;
    const g = gated();
    const a = fresh(db, 'k', at(0), V1, g.compute);
    const b = fresh(db, 'k', at(90), V2, g.compute);
    await turn();
    expect(g.calls).toHaveLength(1);
    g.calls[0]!(7);
    expect([await a, await b]).toEqual([7, 7]);
  });

  it('forgets a failed computation', async () => {
    const fresh = freshFor<number>(60_000);
    const db = {} as Db;
    await expect(fresh(db, 'k', at(0), V1, () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await fresh(db, 'k', at(1), V1, async () => 3)).toBe(3);
  });

  it('computes anew within the window once told to forget, for that database only', async () => {
    const fresh = freshFor<number>(60_000);
    const db = {} as Db;
    const other = {} as Db;
    expect(await fresh(db, 'k', at(0), V1, async () => 1)).toBe(1);
    expect(await fresh(other, 'k', at(0), V1, async () => 10)).toBe(10);
    // Expired, so a refresh starts and never finishes until told to.
    const g = gated();
    expect(await fresh(db, 'k', at(61), V2, g.compute)).toBe(1);
    await turn();
    expect(g.calls).toHaveLength(1);
    forgetFreshAnswers(db);
    // The next ask waits for a computation of its own, not the stale answer.
    expect(await fresh(db, 'k', at(62), V2, async () => 2)).toBe(2);
    expect(await fresh(other, 'k', at(62), V2, async () => 20)).toBe(10);
    // The refresh started before forgetting lands on the forgotten entries, not over the new answer.
    g.calls[0]!(99);
    await turn();
    expect(await fresh(db, 'k', at(63), V2, async () => 3)).toBe(2);
  });
});
