// Push delivery on Workers, from the Cron Trigger: one bounded drain per invocation. Invocations
// can overlap (a slow one and the next minute's) and each client must be served by one deliverer
// at a time to keep its order, so a lease in `meta` lets only one of them deliver.
import { claimLeaseStmt, releaseLeaseStmt } from '../db/queries/meta.js';
import type { RoundOptions } from './rounds.js';
import { drainOutbox } from './run-outbox.js';

const LEASE_KEY = 'outbox_lease';

export interface ScheduledPushes {
  /** False when another invocation held the lease and nothing was sent. */
  ran: boolean;
  delivered: number;
}

export async function runScheduledPushes(opts: RoundOptions, maxMs: number): Promise<ScheduledPushes> {
  const { db } = opts;
  const now = (opts.clock ?? (() => new Date()))();
  const id = crypto.randomUUID();
  // The lease outlives the budget by a margin: a request in flight at the deadline still ends.
  const until = new Date(now.getTime() + maxMs + 60_000).toISOString();
  const [taken] = await db.batch([claimLeaseStmt(db, LEASE_KEY, { id, until }, now.toISOString())]);
  if (taken !== 1) return { ran: false, delivered: 0 };
  try {
    return { ran: true, delivered: await drainOutbox(opts, maxMs) };
  } finally {
    await db.batch([releaseLeaseStmt(db, LEASE_KEY, id)]);
  }
}
