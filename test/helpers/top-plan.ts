// The top level of the query plan of a statement some code runs: for tests that pin the shape of a
// plan (a LIMIT materialized before its sort) without copying the statement's SQL into the test.
import { vi } from 'vitest';
import type { Db } from '../../src/db/types.js';

/**
 * Runs `work`, takes the first statement it sent through `db.all` that matches `statement`, and
 * returns the details of that statement's top-level plan lines, with the parameters it ran with.
 */
export async function topPlanOf(db: Db, work: () => Promise<unknown>, statement: RegExp): Promise<string[]> {
  const all = vi.spyOn(db, 'all');
  try {
    await work();
    const call = all.mock.calls.find(([sql]) => statement.test(sql));
    if (!call) throw new Error(`no statement matching ${statement} ran`);
    const plan = await db.all<{ parent: number; detail: string }>(`EXPLAIN QUERY PLAN ${call[0]}`, call[1]);
    return plan.filter((p) => p.parent === 0).map((p) => p.detail);
  } finally {
    all.mockRestore();
  }
}
