// What can change a count of the statistics (sites, locations, EVSEs, connectors and installed kW:
// src/db/queries/stats.ts), the one rule their version follows (the counts' version:
// src/api/http/data-version.ts). The statistics count published locations, their live EVSEs, those
// EVSEs' connectors and power, and the sites they form. So:
// - a status change that leaves its EVSE live or removed as it was changes no count: a push CPO's
//   stream of status PATCHes (thousands a minute), the status events, their rollup and the
//   stamped-ahead repair (statuses only) leave the counts' version alone;
// - a tariff changes none (the statistics read no tariff);
// - everything else may: a location, EVSE or connector written (added, changed, removed,
//   republished), a status REMOVED or a removed EVSE's return, a site regrouped (dedupe), a
//   source's licence or its enabled flag (the publication rule).
// How each writer says so:
// - sync runs by their counters: a run that wrote or removed a record (`runs` of the version's
//   inputs). Coarser than the rule: a pulled record whose status alone changed is written, and
//   counted, as any other change;
// - sources by their names, licences and enabled flags (`licenses` of the inputs);
// - pushes (the write queue, api/ocpi/write-queue.ts) and the dedupe by the counts' version in
//   `meta`, bumped in the batch of the write that may change a count, and only then.
import { bumpCountsVersionStmt } from './queries/data-version.js';
import type { GroupResult, Stmt } from './types.js';
import { livenessFlipCountsStmt, statusOnlyRefresh } from './write-evse.js';

/** Whether a push's statements, as run with these change counts, may have changed a count. */
export function pushMayChangeCounts(list: readonly Stmt[], changes: readonly number[]): boolean {
  return statusOnlyRefresh(list, changes) === null;
}

/** The counts' bump a group of pushes needs once its lists ran: one when a committed list may have changed a count. */
export function groupCountsStmts(
  lists: readonly Stmt[][],
  results: readonly GroupResult[],
  now: string,
): Stmt[] {
  const moved = results.some((r, k) => r.ok && pushMayChangeCounts(lists[k]!, r.changes));
  return moved ? [bumpCountsVersionStmt(now)] : [];
}

/**
 * A push written alone, with its counts' bump decided in SQL, as its change counts come only after
 * the commit (D1): a status change's bump runs first, on the condition that the change will remove
 * or bring back its EVSE; any other push bumps unconditionally.
 */
export function aloneCountsStmts(list: readonly Stmt[], now: string): { before: Stmt[]; after: Stmt[] } {
  const flip = livenessFlipCountsStmt(list, now);
  return flip ? { before: [flip], after: [] } : { before: [], after: [bumpCountsVersionStmt(now)] };
}
