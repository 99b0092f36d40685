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
// - sources by their names, licences and enabled flags (`licenses` of the version's inputs);
// - everything else by the counts' version in `meta`, bumped in the batch of the write that may
//   change a count, and only then:
//   - a sync page (ingest/apply-page.ts) when one of the records it writes is new, comes back, or
//     has a counts hash (counts-hash.ts) other than the one stored with it: a pull whose records
//     changed only in their statuses moves nothing, though it rewrites them (pullCountsStmts). A
//     full pull's removal of what the feed no longer lists bumps it (ingest/sync-source.ts);
//   - pushes (the write queue, api/ocpi/write-queue.ts), decided by their change counts or in SQL;
//     a push below a location also clears the location's stored counts hash (its EVSEs and
//     connectors: write-evse.ts BUMP_LOCATION; a status that removes or brings back an EVSE: here),
//     so a pull that puts back what the push changed is seen to change a count;
//   - the dedupe when it moves a location to another site, merges or removes one (run-dedupe.ts),
//     not when it only rewrites a site's document (a member's new status or content hash).
import { bumpCountsVersionStmt, bumpCountsVersionWhereStmt } from './queries/data-version.js';
import type { GroupResult, Stmt } from './types.js';
import { livenessFlipOf, livenessFlipped, statusOnlyRefresh } from './write-evse.js';

/** Clears the counts hash of location `pk`, where `condition` (SQL, parameters `params`) holds. */
const unhashStmt = (pk: string, condition = 'true', params: unknown[] = []): Stmt => ({
  sql: `UPDATE locations SET counts_hash = NULL WHERE pk = ? AND counts_hash IS NOT NULL AND ${condition}`,
  params: [pk, ...params],
});

/**
 * The counts' bump of a sync page, run before its writes: when a location it writes is not held,
 * was removed, or holds another counts hash than its new one (null after a push below it), as the
 * rows stand when the batch runs (a push may land between a page's reads and its batch: D1). One
 * statement for the page, a lookup by key per written location. `written`: the countsHashOf each
 * written location, by pk; `arriving`: one of them was not held, or held removed, when the page was
 * read: the bump is then made without the lookups (a first sync's pages).
 */
export function pullCountsStmts(
  written: ReadonlyMap<string, string>,
  arriving: boolean,
  now: string,
): Stmt[] {
  if (written.size === 0) return [];
  if (arriving) return [bumpCountsVersionStmt(now)];
  const hashes = JSON.stringify(Object.fromEntries(written));
  return [
    bumpCountsVersionWhereStmt(
      now,
      `EXISTS (SELECT 1 FROM json_each(?) j LEFT JOIN locations l ON l.pk = j.key
        WHERE l.pk IS NULL OR l.removed_at IS NOT NULL OR l.counts_hash IS NOT j.value)`,
      [hashes],
    ),
  ];
}

/** Whether a push's statements, as run with these change counts, may have changed a count. */
export function pushMayChangeCounts(list: readonly Stmt[], changes: readonly number[]): boolean {
  return statusOnlyRefresh(list, changes) === null;
}

/**
 * The counts' bump a group of pushes needs once its lists ran: one when a committed list may have
 * changed a count; and the counts hash cleared of each location whose EVSE a status removed or
 * brought back.
 */
export function groupCountsStmts(
  lists: readonly Stmt[][],
  results: readonly GroupResult[],
  now: string,
): Stmt[] {
  const moved = results.some((r, k) => r.ok && pushMayChangeCounts(lists[k]!, r.changes));
  if (!moved) return [];
  const flipped = new Set<string>();
  results.forEach((r, k) => {
    const pk = r.ok ? livenessFlipped(lists[k]!, r.changes) : null;
    if (pk !== null) flipped.add(pk);
  });
  return [bumpCountsVersionStmt(now), ...[...flipped].map((pk) => unhashStmt(pk))];
}

/**
 * A push written alone, with its counts' bump decided in SQL, as its change counts come only after
 * the commit (D1): a status change's bump and the clearing of its location's counts hash run
 * first, on the condition that the change will remove or bring back its EVSE; any other push
 * bumps unconditionally.
 */
export function aloneCountsStmts(list: readonly Stmt[], now: string): { before: Stmt[]; after: Stmt[] } {
  const flip = livenessFlipOf(list);
  if (!flip) return { before: [], after: [bumpCountsVersionStmt(now)] };
  return {
    before: [
      bumpCountsVersionWhereStmt(now, flip.condition, flip.params),
      unhashStmt(flip.locationPk, flip.condition, flip.params),
    ],
    after: [],
  };
}
