// Our Locations receiver: PUT / PATCH / GET {country_code}/{party_id}/{location_id}[/{evse_uid}[/{connector_id}]]
// (SPEC-DIGEST §1 "Push"). Order of checks: token (401, in the app), party of the path (404), body
// is JSON (400), ids and owner in the body (2001 / 404), then the write.
import { Hono } from 'hono';
import { storedConnector, storedEvse, storedLocation } from '../../db/queries/stored-objects.js';
import type { Db } from '../../db/types.js';
import { connectorKey, evseKey, locationKey } from '../../model/ids.js';
import { iso } from '../../model/iso-time.js';
import { notFoundOcpi } from '../../ocpi/receiver/envelope.js';
import {
  checkBodyId,
  checkBodyOwner,
  readJsonObject,
  refuseFutureTimestamps,
} from '../../ocpi/receiver/push-rules.js';
import { connectorToOcpi, evseToOcpi, locationToOcpi } from '../../ocpi/receiver/to-ocpi.js';
import type { ReceiverVersion } from '../../ocpi/receiver/versions.js';
import { type OcpiContext, type OcpiDeps, type OcpiEnv, reply, requireOwnParty } from './context.js';
import {
  type PushOutcome,
  type PushTarget,
  patchConnector,
  patchEvse,
  patchLocation,
  putConnector,
  putEvse,
  putLocation,
} from './location-pushes.js';

/** The target of a push to `locationId` of cc/pid, by the caller's source, received at `now`. */
export function newPushTarget(
  deps: OcpiDeps,
  db: Db,
  sourceId: string,
  version: ReceiverVersion,
  path: { cc: string; pid: string; locationId: string },
  now: Date,
): PushTarget {
  return {
    db,
    sourceId,
    version,
    countryCode: path.cc,
    partyId: path.pid,
    locationId: path.locationId,
    now: iso(now),
    // A method, not an arrow in a property: under tsx (the benches) that costs a __name call a push.
    write(stmts) {
      return deps.writes.write(db, stmts);
    },
    places: deps.places,
    statusFastPath: deps.statusFastPath,
  };
}

/** Checks the path's party, reads the body and names the target of the push. */
async function pushTarget(
  c: OcpiContext,
  deps: OcpiDeps,
): Promise<{ t: PushTarget; body: Record<string, unknown> }> {
  const path = c.req.param() as { cc: string; pid: string; locationId: string };
  requireOwnParty(c, path.cc, path.pid);
  const body = readJsonObject(await c.req.text());
  refuseFutureTimestamps(body, c.get('now'));
  const version = c.get('version');
  checkBodyOwner(version, body, { country_code: path.cc, party_id: path.pid }, c.get('caller').parties);
  const t = newPushTarget(deps, c.get('db'), c.get('caller').source.id, version, path, c.get('now'));
  return { t, body };
}

export const NOT_APPLIED = 'older than the version we hold: acknowledged, not applied';

/** A written or acknowledged push's answer: HTTP status and envelope message; wakes the stream when written. */
export function pushAnswer(
  deps: OcpiDeps,
  outcome: PushOutcome,
): { status: 200 | 201; message: string | undefined } {
  if (outcome === 'stale') return { status: 200, message: NOT_APPLIED };
  deps.notifier?.notify();
  return { status: outcome === 'created' ? 201 : 200, message: undefined };
}

function answer(c: OcpiContext, deps: OcpiDeps, outcome: PushOutcome) {
  const a = pushAnswer(deps, outcome);
  return reply(c, undefined, a.status, a.message);
}

function locationPkOfPath(c: OcpiContext): string {
  const { cc, pid, locationId } = c.req.param() as { cc: string; pid: string; locationId: string };
  requireOwnParty(c, cc, pid);
  return locationKey(c.get('caller').source.id, cc, pid, locationId);
}

export function createLocationsReceiver(deps: OcpiDeps) {
  return (
    new Hono<OcpiEnv>()
      .put('/:cc/:pid/:locationId', async (c) => {
        const { t, body } = await pushTarget(c, deps);
        checkBodyId(t.version, body, 'id', t.locationId, true);
        return answer(c, deps, await putLocation(t, body));
      })
      .patch('/:cc/:pid/:locationId', async (c) => {
        const { t, body } = await pushTarget(c, deps);
        checkBodyId(t.version, body, 'id', t.locationId, false);
        return answer(c, deps, await patchLocation(t, body));
      })
      .put('/:cc/:pid/:locationId/:evseUid', async (c) => {
        const { t, body } = await pushTarget(c, deps);
        const evseUid = c.req.param('evseUid');
        checkBodyId(t.version, body, 'uid', evseUid, true);
        return answer(c, deps, await putEvse(t, evseUid, body));
      })
      .patch('/:cc/:pid/:locationId/:evseUid', async (c) => {
        const { t, body } = await pushTarget(c, deps);
        const evseUid = c.req.param('evseUid');
        checkBodyId(t.version, body, 'uid', evseUid, false);
        return answer(c, deps, await patchEvse(t, evseUid, body));
      })
      .put('/:cc/:pid/:locationId/:evseUid/:connectorId', async (c) => {
        const { t, body } = await pushTarget(c, deps);
        const { evseUid, connectorId } = c.req.param();
        checkBodyId(t.version, body, 'id', connectorId, true);
        return answer(c, deps, await putConnector(t, evseUid, connectorId, body));
      })
      .patch('/:cc/:pid/:locationId/:evseUid/:connectorId', async (c) => {
        const { t, body } = await pushTarget(c, deps);
        const { evseUid, connectorId } = c.req.param();
        checkBodyId(t.version, body, 'id', connectorId, false);
        return answer(c, deps, await patchConnector(t, evseUid, connectorId, body));
      })
      // GET lets the CPO check our copy of its object.
      .get('/:cc/:pid/:locationId', async (c) => {
        const held = await storedLocation(c.get('db'), locationPkOfPath(c));
        if (!held || held.removed) throw notFoundOcpi(`unknown location ${c.req.param('locationId')}`);
        return reply(c, locationToOcpi(held.location, c.get('version')));
      })
      .get('/:cc/:pid/:locationId/:evseUid', async (c) => {
        const held = await storedEvse(c.get('db'), evseKey(locationPkOfPath(c), c.req.param('evseUid')));
        if (!held || held.removed) throw notFoundOcpi(`unknown EVSE ${c.req.param('evseUid')}`);
        return reply(c, evseToOcpi(held.evse, c.get('version')));
      })
      .get('/:cc/:pid/:locationId/:evseUid/:connectorId', async (c) => {
        const epk = evseKey(locationPkOfPath(c), c.req.param('evseUid'));
        const held = await storedConnector(c.get('db'), connectorKey(epk, c.req.param('connectorId')));
        if (!held) throw notFoundOcpi(`unknown connector ${c.req.param('connectorId')}`);
        return reply(c, connectorToOcpi(held, c.get('version')));
      })
  );
}
