// Statements that write one EVSE or one connector of a stored location: what an OCPI push at EVSE
// or connector depth changes. They reuse the location writer's statements (status event first,
// then the forward-only EVSE upsert), so a status seen in a push is recorded exactly as one seen in
// a pull, only with via = 'push'.
import { connectorKey } from '../model/ids.js';
import type { Connector, Evse } from '../model/types.js';
import type { Stmt } from './types.js';
import {
  connectorUpsertStmt,
  dayPrevOf,
  evseUpsertStmt,
  maxPowerOf,
  relinkLocationTariffsStmts,
  statusEventStmts,
  type WriteContext,
} from './write-location.js';
import { refreshSiteFeaturesStmts } from './write-site-features.js';

export type EvseWriteContext = Pick<WriteContext, 'now' | 'via'>;

/** Where an EVSE sits: its location's pk (fixed: an EVSE's pk is made from it). */
export interface EvsePlace {
  locationPk: string;
}

/** The EVSE row as we hold it is not newer than a status of time ? (bound twice). */
const NOT_NEWER = "COALESCE(status_updated_at, '') <= ? AND COALESCE(last_updated, '') <= ?";

/** A location's strongest live EVSE, for location pk ?. */
const LIVE_MAX_POWER = '(SELECT max(max_power_w) FROM evses WHERE location_pk = ? AND removed_at IS NULL)';

// A status moves only forward in time (like the location writer's upsert): the row is updated only
// when the change is not older than the EVSE as we hold it, so a late, older PATCH changes nothing
// and the statement's change count tells the caller whether it applied. Two statements with
// disjoint conditions: one for a status that leaves the EVSE live or removed as it was, one for a
// status that removes it or brings it back. Which of them changed the row tells a group commit
// whether the site's read model needs a full refresh or only its status columns
// (statusOnlyRefresh); the second costs one read of the EVSE by its key.
//
// The EVSE row also takes the head of its chain of events (schema.ts, evses.last_event_id): on the
// conditions of the event statement before it (a different status, not older), that event is the
// newest of the table. Read from the table, not last_insert_rowid(), which would rest on nothing
// running between two statements of a batch (D1 does not promise it).
const UPDATE_EVSE_STATUS = `UPDATE evses SET status = ?, status_via = ?,
  removed_at = CASE WHEN ? = 'REMOVED' THEN COALESCE(removed_at, ?) ELSE NULL END,
  status_updated_at = ?, last_updated = ?,
  last_event_id = CASE WHEN status IS NOT ? THEN (SELECT max(id) FROM evse_status_events) ELSE last_event_id END
WHERE pk = ? AND ${NOT_NEWER}`;
const SAME_LIVENESS = "(removed_at IS NULL) <> (? = 'REMOVED')";
const UPDATE_EVSE_STATUS_KEEPS_LIVENESS = `${UPDATE_EVSE_STATUS} AND ${SAME_LIVENESS}`;
const UPDATE_EVSE_STATUS_FLIPS_LIVENESS = `${UPDATE_EVSE_STATUS} AND NOT ${SAME_LIVENESS}`;

// The status change's event, on the conditions of UPDATE_EVSE_STATUS after it (a PATCH answered
// "not applied" leaves no event either, as in the general path), with one read of the EVSE row
// instead of the subqueries of the general event statement (write-location.ts), which also
// serves EVSEs not stored yet. It links the event to the EVSE's previous one (prev_id) and to its
// last one of an earlier day (day_prev_id: one more read, of the previous event by rowid).
const INSERT_STATUS_CHANGE = `INSERT INTO evse_status_events (evse_pk, location_pk, old_status, new_status,
  occurred_at, received_at, via, prev_id, day_prev_id)
SELECT pk, ?, status, ?, ?, ?, ?, last_event_id, ${dayPrevOf('evses.last_event_id')} FROM evses
WHERE pk = ? AND status IS NOT ? AND ${NOT_NEWER}`;

/**
 * OCPI 2.2+: a change below a Location also sets the parents' last_updated (SPEC-DIGEST §1). An
 * EVSE or connector write may change a count: the location's counts hash (counts-hash.ts) no
 * longer says what is stored, so the next pull of it moves the counts' version.
 */
const BUMP_LOCATION =
  'UPDATE locations SET last_updated = MAX(last_updated, ?), counts_hash = NULL WHERE pk = ?';
const BUMP_EVSE = "UPDATE evses SET last_updated = MAX(COALESCE(last_updated, ''), ?) WHERE pk = ?";

// The parent of an EVSE whose status was just taken (nothing when UPDATE_EVSE_STATUS refused an
// older status, as the general path writes nothing then): its last_updated, and its strongest live
// EVSE, which a status REMOVED, or a removed EVSE's return, changes as an EVSE write would
// (REFRESH_LOCATION_POWER). "Taken" is read off the EVSE row, not changes(): an applied update
// leaves both times equal to the PATCH's, a refused one has one of them later; and changes() would
// rest on nothing running between two statements of a batch, which D1 does not promise.
const STATUS_CHANGED_LOCATION = `UPDATE locations SET last_updated = MAX(last_updated, ?),
  max_power_w = ${LIVE_MAX_POWER}
WHERE pk = ? AND EXISTS (SELECT 1 FROM evses WHERE pk = ? AND status_updated_at = ? AND last_updated = ?)`;

const REFRESH_EVSE_POWER = `UPDATE evses SET max_power_w = (SELECT max(max_power_w) FROM connectors WHERE evse_pk = ?)
WHERE pk = ?`;
const REFRESH_LOCATION_POWER = `UPDATE locations SET max_power_w = ${LIVE_MAX_POWER} WHERE pk = ?`;

/**
 * A status change alone (the common PATCH {status, last_updated}): event, EVSE row, parent. Nothing
 * changes when it is older than the EVSE we hold; see statusApplied().
 */
export function evseStatusStmts(
  evsePk: string,
  place: EvsePlace,
  status: string,
  occurredAt: string,
  ctx: EvseWriteContext,
): Stmt[] {
  return [
    {
      sql: INSERT_STATUS_CHANGE,
      params: [
        place.locationPk,
        status,
        occurredAt,
        ctx.now,
        ctx.via,
        occurredAt,
        evsePk,
        status,
        occurredAt,
        occurredAt,
      ],
    },
    ...[UPDATE_EVSE_STATUS_KEEPS_LIVENESS, UPDATE_EVSE_STATUS_FLIPS_LIVENESS].map((sql) => ({
      sql,
      params: [
        status,
        ctx.via,
        status,
        ctx.now,
        occurredAt,
        occurredAt,
        status,
        evsePk,
        occurredAt,
        occurredAt,
        status,
      ],
    })),
    {
      sql: STATUS_CHANGED_LOCATION,
      params: [occurredAt, place.locationPk, place.locationPk, evsePk, occurredAt, occurredAt],
    },
    ...refreshSiteFeaturesStmts({ locationPks: [place.locationPk] }),
  ];
}

/** From the change counts of evseStatusStmts: whether the EVSE row took the status. */
export function statusApplied(changes: number[]): boolean {
  return changes[1]! + changes[2]! === 1;
}

/**
 * For a group commit that refreshes the read model once for all its pushes (write-queue.ts): the
 * location of a list of evseStatusStmts that, after it ran with these change counts, left its
 * site's EVSE set as it was (no removal, no return), so the site's status columns are all that
 * can have changed (refreshSiteStatusStmts). Null for any other list, or when it did remove or
 * bring back its EVSE.
 */
export function statusOnlyRefresh(list: readonly Stmt[], changes: readonly number[]): string | null {
  if (list[2]?.sql !== UPDATE_EVSE_STATUS_FLIPS_LIVENESS || changes[2] !== 0) return null;
  return list[0]!.params[0] as string;
}

/**
 * For a list of evseStatusStmts written alone (counts-changes.ts aloneCountsStmts): its location,
 * and the condition (SQL and parameters) on which it will remove or bring back its EVSE:
 * UPDATE_EVSE_STATUS_FLIPS_LIVENESS's, on the row as it stands before the list runs. Null for any
 * other list.
 */
export function livenessFlipOf(
  list: readonly Stmt[],
): { locationPk: string; condition: string; params: unknown[] } | null {
  const flip = list[2];
  if (flip?.sql !== UPDATE_EVSE_STATUS_FLIPS_LIVENESS) return null;
  return {
    locationPk: list[0]!.params[0] as string,
    condition: `EXISTS (SELECT 1 FROM evses WHERE pk = ? AND ${NOT_NEWER} AND NOT ${SAME_LIVENESS})`,
    // The flip's WHERE parameters: the EVSE's pk, NOT_NEWER's two times, SAME_LIVENESS's status.
    params: flip.params.slice(7),
  };
}

/**
 * For a group commit: the location of a list of evseStatusStmts that, run with these change
 * counts, removed or brought back its EVSE. Null for any other list, or when it did not.
 */
export function livenessFlipped(list: readonly Stmt[], changes: readonly number[]): string | null {
  if (list[2]?.sql !== UPDATE_EVSE_STATUS_FLIPS_LIVENESS || changes[2] !== 1) return null;
  return list[0]!.params[0] as string;
}

function connectorStmt(c: Connector, evsePk: string, locationPk: string): Stmt {
  return connectorUpsertStmt(connectorKey(evsePk, c.id), evsePk, locationPk, c);
}

/**
 * Makes the stored EVSE equal to `evse` (a PUT or a merged PATCH at EVSE depth): its connectors
 * not in it are deleted, the location's strongest power and last_updated follow.
 */
export function writeEvseStmts(evsePk: string, evse: Evse, place: EvsePlace, ctx: EvseWriteContext): Stmt[] {
  const updated = evse.lastUpdated ?? ctx.now;
  const cpks = evse.connectors.map((c) => connectorKey(evsePk, c.id));
  const stmts: Stmt[] = [
    ...statusEventStmts(evsePk, place.locationPk, evse.status, updated, ctx),
    evseUpsertStmt(
      evsePk,
      place.locationPk,
      evse,
      maxPowerOf(evse),
      { ...ctx, sourceId: '', runId: null, contentHash: '' },
      updated,
    ),
    {
      sql: 'DELETE FROM connectors WHERE evse_pk = ? AND pk NOT IN (SELECT value FROM json_each(?))',
      params: [evsePk, JSON.stringify(cpks)],
    },
  ];
  for (const c of evse.connectors) stmts.push(connectorStmt(c, evsePk, place.locationPk));
  stmts.push(...relinkLocationTariffsStmts(place.locationPk));
  stmts.push({ sql: REFRESH_LOCATION_POWER, params: [place.locationPk, place.locationPk] });
  stmts.push({ sql: BUMP_LOCATION, params: [updated, place.locationPk] });
  stmts.push(...refreshSiteFeaturesStmts({ locationPks: [place.locationPk] }));
  return stmts;
}

/** Makes one stored connector equal to `c`; the EVSE's and location's power and last_updated follow. */
export function writeConnectorStmts(
  c: Connector,
  evsePk: string,
  place: EvsePlace,
  ctx: EvseWriteContext,
): Stmt[] {
  const updated = c.lastUpdated ?? ctx.now;
  return [
    connectorStmt(c, evsePk, place.locationPk),
    ...relinkLocationTariffsStmts(place.locationPk),
    { sql: REFRESH_EVSE_POWER, params: [evsePk, evsePk] },
    { sql: REFRESH_LOCATION_POWER, params: [place.locationPk, place.locationPk] },
    { sql: BUMP_EVSE, params: [updated, evsePk] },
    { sql: BUMP_LOCATION, params: [updated, place.locationPk] },
    ...refreshSiteFeaturesStmts({ locationPks: [place.locationPk] }),
  ];
}
