// Applying a Locations push (PUT or PATCH at location, EVSE or connector depth) to the store, through
// the same statement builders as a pull (write-location.ts, write-evse.ts) with via = 'push'.
//
// Every function checks everything first and then writes one atomic batch, or nothing: a refused
// push leaves the store as it was. An update older than what we hold is acknowledged and skipped
// (out-of-order delivery must not roll a status back).
import {
  holdsLocation,
  storedConnector,
  storedEvse,
  storedEvseHead,
  storedLocation,
  storedLocationHead,
} from '../../db/queries/stored-objects.js';
import type { Db, Stmt } from '../../db/types.js';
import {
  type EvsePlace,
  evseStatusStmts,
  statusApplied,
  writeConnectorStmts,
  writeEvseStmts,
} from '../../db/write-evse.js';
import { locationPkOf, writeLocationStmts } from '../../db/write-location.js';
import { connectorKey, evseKey, hash64, locationKey } from '../../model/ids.js';
import { normalizeConnector, normalizeEvse, normalizeLocation } from '../../model/normalize-location.js';
import { readEnum } from '../../model/normalize-values.js';
import { STATUS } from '../../model/ocpi-enums.js';
import type { Location, OcpiVersion, QuarantineReason } from '../../model/types.js';
import { invalidParameters, notFoundOcpi } from '../../ocpi/receiver/envelope.js';
import {
  checkLocationPatch,
  mergePatch,
  readLastUpdated,
  requirePatchLastUpdated,
} from '../../ocpi/receiver/push-rules.js';
import { connectorToOcpi, evseToOcpi, locationToOcpi } from '../../ocpi/receiver/to-ocpi.js';

export interface PushTarget {
  db: Db;
  sourceId: string;
  version: OcpiVersion;
  countryCode: string;
  partyId: string;
  locationId: string;
  /** When we received it, canonical UTC. */
  now: string;
  /** Commits one push's statements atomically (grouped with concurrent pushes: write-queue.ts). */
  write: (stmts: Stmt[]) => Promise<number[]>;
  places: EvsePlaces;
  /** Status-only EVSE PATCHes take patchEvseStatus (off: the general path, for comparison). */
  statusFastPath: boolean;
}

/**
 * Where known EVSEs sit (their location's pk), remembered so a status PATCH needs no read. An
 * EVSE's pk is made from its location's, so the pair never changes, and EVSE rows are never
 * deleted (only flagged removed).
 */
export class EvsePlaces {
  private readonly evses = new Map<string, string>();

  get(evsePk: string): EvsePlace | undefined {
    const locationPk = this.evses.get(evsePk);
    return locationPk === undefined ? undefined : { locationPk };
  }

  set(evsePk: string, place: EvsePlace): void {
    if (this.evses.size >= 500_000) this.evses.clear();
    this.evses.set(evsePk, place.locationPk);
  }
}

/** created/updated: written (HTTP 201/200); stale: older than what we hold, acknowledged only. */
export type PushOutcome = 'created' | 'updated' | 'stale';

const refused = (what: string, r: QuarantineReason) =>
  invalidParameters(`${what} ${r.field}: ${r.message} (${r.rule})`);

function locationPk(t: PushTarget): string {
  return locationKey(t.sourceId, t.countryCode, t.partyId, t.locationId);
}

/** Strictly older: an update with the same last_updated is applied again (idempotent re-push). */
const older = (incoming: string | null, held: string | null) =>
  incoming !== null && held !== null && incoming < held;

async function writeLocation(t: PushTarget, loc: Location, runId: number | null): Promise<void> {
  // The owner comes from the path (already checked against the body); ids keep the CPO's spelling.
  const value: Location = {
    ...loc,
    countryCode: t.countryCode.toUpperCase(),
    partyId: t.partyId.toUpperCase(),
  };
  // Same content hash as a pull of this record (apply-page.ts), so an identical pull is "unchanged".
  const contentHash = hash64(JSON.stringify([value, null]));
  await t.write(
    writeLocationStmts(value, { sourceId: t.sourceId, now: t.now, via: 'push', runId, contentHash }),
  );
}

export async function putLocation(t: PushTarget, body: Record<string, unknown>): Promise<PushOutcome> {
  const r = normalizeLocation(body, t.version, { countryCode: t.countryCode, partyId: t.partyId });
  if (!r.ok) throw refused('Location', r.reason);
  const pk = locationPkOf(t.sourceId, { ...r.value, countryCode: t.countryCode, partyId: t.partyId });
  const held = await storedLocationHead(t.db, pk);
  const live = held !== undefined && held.removed_at === null;
  if (live && older(r.value.lastUpdated, held.last_updated)) return 'stale';
  // A push keeps the pull run's mark: the location stays "seen" by the full pull in progress.
  await writeLocation(t, r.value, held?.last_seen_run ?? null);
  return live ? 'updated' : 'created';
}

export async function patchLocation(t: PushTarget, body: Record<string, unknown>): Promise<PushOutcome> {
  const lastUpdated = checkLocationPatch(t.version, 'location', body);
  const held = await storedLocation(t.db, locationPk(t));
  if (!held || held.removed) throw notFoundOcpi(`unknown location ${t.locationId}: PUT it first`);
  if (older(lastUpdated, held.location.lastUpdated)) return 'stale';
  const merged = mergePatch(locationToOcpi(held.location, t.version), body);
  // 2.1.1 PATCHes may omit last_updated: the change is then as of its arrival.
  if (lastUpdated === null) merged.last_updated = t.now;
  const r = normalizeLocation(merged, t.version, { countryCode: t.countryCode, partyId: t.partyId });
  if (!r.ok) throw refused('Location', r.reason);
  await writeLocation(t, { ...r.value, id: held.location.id }, held.lastSeenRun);
  return 'updated';
}

async function locationPlace(t: PushTarget): Promise<EvsePlace> {
  const pk = locationPk(t);
  if (!(await holdsLocation(t.db, pk)))
    throw notFoundOcpi(`unknown location ${t.locationId}: PUT the location first`);
  return { locationPk: pk };
}

const newest = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);

export async function putEvse(
  t: PushTarget,
  evseUid: string,
  body: Record<string, unknown>,
): Promise<PushOutcome> {
  const r = normalizeEvse(body, t.version);
  if (!r.ok) throw refused('EVSE', r.reason);
  const place = await locationPlace(t);
  const epk = evseKey(place.locationPk, evseUid);
  const head = await storedEvseHead(t.db, epk);
  const live = head !== undefined && head.removed_at === null;
  if (head && older(r.value.lastUpdated, newest(head.last_updated, head.status_updated_at))) return 'stale';
  await t.write(writeEvseStmts(epk, r.value, place, { now: t.now, via: 'push' }));
  return live ? 'updated' : 'created';
}

/** Fields a status PATCH may carry and still take the short path (no read-merge-normalize). */
const STATUS_ONLY = new Set(['status', 'last_updated', 'uid']);

/** An EVSE PATCH body that patchEvse sends down the short path (when it is switched on). */
export function isStatusOnlyPatch(body: Record<string, unknown>): boolean {
  return (
    typeof body.status === 'string' &&
    // A last_updated of the wrong type is refused by the general path's schema, in its words.
    (typeof body.last_updated === 'string' || body.last_updated == null) &&
    Object.keys(body).every((k) => STATUS_ONLY.has(k))
  );
}

export async function patchEvse(
  t: PushTarget,
  evseUid: string,
  body: Record<string, unknown>,
): Promise<PushOutcome> {
  const epk = evseKey(locationPk(t), evseUid);
  if (t.statusFastPath && isStatusOnlyPatch(body)) return patchEvseStatus(t, epk, evseUid, body);
  const lastUpdated = checkLocationPatch(t.version, 'evse', body) ?? t.now;
  const held = await storedEvse(t.db, epk);
  if (!held) throw notFoundOcpi(`unknown EVSE ${evseUid} of location ${t.locationId}`);
  if (older(lastUpdated, held.evse.lastUpdated)) return 'stale';
  const place = await locationPlace(t);
  const merged = mergePatch(evseToOcpi(held.evse, t.version), body);
  merged.last_updated = lastUpdated;
  const r = normalizeEvse(merged, t.version);
  if (!r.ok) throw refused('EVSE', r.reason);
  await t.write(writeEvseStmts(epk, { ...r.value, uid: held.evse.uid }, place, { now: t.now, via: 'push' }));
  return 'updated';
}

/**
 * The hot path, a status PATCH: no read of the EVSE (its place is remembered) and no merge; the
 * status statement itself refuses a change older than the EVSE we hold.
 */
async function patchEvseStatus(
  t: PushTarget,
  epk: string,
  evseUid: string,
  body: Record<string, unknown>,
): Promise<PushOutcome> {
  // checkLocationPatch's rules, spelled out for the only two fields of this path.
  requirePatchLastUpdated(t.version, body);
  const lastUpdated = readLastUpdated(body) ?? t.now;
  let place = t.places.get(epk);
  if (!place) {
    const head = await storedEvseHead(t.db, epk);
    if (!head) throw notFoundOcpi(`unknown EVSE ${evseUid} of location ${t.locationId}`);
    place = { locationPk: head.location_pk };
    t.places.set(epk, place);
  }
  // The normalizer's own enum reader, so a pushed status is spelled as a pulled one.
  const status = readEnum(body.status, STATUS, [], '', 'status', true) ?? 'UNKNOWN';
  const changes = await t.write(
    evseStatusStmts(epk, place, status, lastUpdated, { now: t.now, via: 'push' }),
  );
  return statusApplied(changes) ? 'updated' : 'stale';
}

async function evsePlace(t: PushTarget, evseUid: string) {
  const epk = evseKey(locationPk(t), evseUid);
  const head = await storedEvseHead(t.db, epk);
  if (!head || head.removed_at !== null)
    throw notFoundOcpi(`unknown EVSE ${evseUid} of location ${t.locationId}`);
  return { epk, place: { locationPk: head.location_pk } };
}

export async function putConnector(
  t: PushTarget,
  evseUid: string,
  connectorId: string,
  body: Record<string, unknown>,
): Promise<PushOutcome> {
  const r = normalizeConnector(body, t.version);
  if (!r.ok) throw refused('Connector', r.reason);
  const { epk, place } = await evsePlace(t, evseUid);
  const held = await storedConnector(t.db, connectorKey(epk, connectorId));
  if (held && older(r.value.lastUpdated, held.lastUpdated)) return 'stale';
  await t.write(writeConnectorStmts(r.value, epk, place, { now: t.now, via: 'push' }));
  return held ? 'updated' : 'created';
}

export async function patchConnector(
  t: PushTarget,
  evseUid: string,
  connectorId: string,
  body: Record<string, unknown>,
): Promise<PushOutcome> {
  const lastUpdated = checkLocationPatch(t.version, 'connector', body) ?? t.now;
  const { epk, place } = await evsePlace(t, evseUid);
  const held = await storedConnector(t.db, connectorKey(epk, connectorId));
  if (!held) throw notFoundOcpi(`unknown connector ${connectorId} of EVSE ${evseUid}`);
  if (older(lastUpdated, held.lastUpdated)) return 'stale';
  const merged = mergePatch(connectorToOcpi(held, t.version), body);
  merged.last_updated = lastUpdated;
  const r = normalizeConnector(merged, t.version);
  if (!r.ok) throw refused('Connector', r.reason);
  await t.write(writeConnectorStmts({ ...r.value, id: held.id }, epk, place, { now: t.now, via: 'push' }));
  return 'updated';
}
