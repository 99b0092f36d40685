// Delivers the push outbox (docs/ocpi-out.md) to each client that registered a Locations or Tariffs
// RECEIVER: rows in id order, one request at a time per client, so each object's changes arrive in
// the order they were applied. A row is deleted only after the client acknowledged it, so a crash
// (kill -9 included) loses nothing; at most the one request in flight is sent again, and every
// request is idempotent (PUT of a whole object, PATCH of a status with its last_updated, DELETE).
//
// A location row sends the location as it is when sent, and then stands for every other location
// row of that object committed before the read: the client cannot get an older body after it.
// Status rows are never folded into it: each status change the atlas acknowledged is sent as its
// own PATCH, and the PUT carries each EVSE's status as of its place in the queue (the status
// before the EVSE's next queued change), so the PATCHes after it do not go back in time.
import type { OcpiClientRow } from '../db/queries/ocpi-clients.js';
import { newestOutboxId, type OutboxRow, statusesQueuedAfter } from '../db/queries/ocpi-outbox.js';
import { senderEvseTarget, senderLocationByPk, senderTariffByPk } from '../db/queries/ocpi-sender.js';
import type { Db } from '../db/types.js';
import type { Logger } from '../log.js';
import type { OcpiVersion } from '../model/types.js';
import type { TokenEncoding } from '../ocpi/client/auth.js';
import { OcpiHttpError, OcpiNetworkError, OcpiTimeoutError } from '../ocpi/client/errors.js';
import { type OcpiClient, ocpiFetch } from '../ocpi/client/http.js';
import { unwrapOcpiBody } from '../ocpi/envelope.js';
import { locationToOcpi, tariffToOcpi } from '../ocpi/receiver/to-ocpi.js';

/**
 * What became of a row: sent and acknowledged, nothing to send, or to be tried again later. upTo:
 * the later rows of the same object and kind (location or tariff) up to this id went with it.
 */
type Outcome = { done: true; upTo?: number } | { done: false; error: string };

/** A refusal the client will repeat however often we ask: logged and dropped, not retried. */
class Refused extends Error {}

interface Target {
  row: OcpiClientRow;
  version: OcpiVersion;
  send: (method: 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown) => Promise<void>;
}

const seg = (s: string) => encodeURIComponent(s);

/** 2xx with an OCPI 1xxx (or no envelope) is an acknowledgement; anything else is an error. */
async function send(
  client: OcpiClient,
  row: OcpiClientRow,
  method: 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<void> {
  const token = row.their_token ?? '';
  const reply = await ocpiFetch(
    url,
    {
      method,
      token,
      tokenEncoding: (row.token_encoding as TokenEncoding | null) ?? 'base64',
      version: row.version as OcpiVersion,
      body,
    },
    client,
  );
  if (reply.body === null) return;
  const unwrapped = unwrapOcpiBody(reply.body);
  if (unwrapped.ok) return;
  if ((unwrapped.statusCode ?? 0) >= 2000 && (unwrapped.statusCode ?? 0) < 3000) {
    throw new Refused(`OCPI ${unwrapped.statusCode}: ${unwrapped.message}`);
  }
  throw new Error(`OCPI ${unwrapped.statusCode ?? '?'}: ${unwrapped.message}`);
}

async function putLocation(db: Db, t: Target, locationPk: string, rowId: number): Promise<Outcome> {
  const upTo = await newestOutboxId(db, t.row.id);
  const location = await senderLocationByPk(db, locationPk);
  // Not (or no longer) published: nothing of it goes out.
  if (!location) return { done: true, upTo };
  // Read after the location: every status change it shows has its queued row by now.
  const held = await statusesQueuedAfter(db, t.row.id, locationPk, rowId);
  const evses = location.evses.map((e) => {
    const queued = held.get(e.uid);
    if (queued === undefined) return e;
    // An EVSE's last_updated dates its status at the client: an older status must not carry a newer time.
    const { asOf } = queued;
    const lastUpdated =
      asOf === null || (e.lastUpdated !== null && e.lastUpdated < asOf) ? e.lastUpdated : asOf;
    return { ...e, status: queued.status, lastUpdated };
  });
  const url = `${t.row.locations_url}/${seg(location.countryCode)}/${seg(location.partyId)}/${seg(location.id)}`;
  await t.send('PUT', url, locationToOcpi({ ...location, evses }, t.version));
  return { done: true, upTo };
}

async function patchStatus(db: Db, t: Target, r: OutboxRow): Promise<Outcome> {
  const at = await senderEvseTarget(db, r.evse_pk ?? '');
  if (!at) return { done: true };
  const url = `${t.row.locations_url}/${seg(at.country_code)}/${seg(at.party_id)}/${seg(at.ocpi_id)}/${seg(at.uid)}`;
  try {
    await t.send('PATCH', url, { status: r.status, last_updated: r.occurred_at });
    return { done: true };
  } catch (err) {
    // The client lost (or never had) the location: send it whole instead, as of this row.
    if (isUnknownObject(err)) return putLocation(db, t, r.object_pk, r.id);
    throw err;
  }
}

function isUnknownObject(err: unknown): boolean {
  if (err instanceof OcpiHttpError) return err.status === 404 || err.ocpiStatusCode === 2003;
  return err instanceof Refused && err.message.startsWith('OCPI 2003');
}

async function sendTariff(db: Db, t: Target, tariffPk: string): Promise<Outcome> {
  const upTo = await newestOutboxId(db, t.row.id);
  const held = await senderTariffByPk(db, tariffPk);
  if (!held) return { done: true, upTo };
  const { tariff } = held;
  const url = `${t.row.tariffs_url}/${seg(tariff.countryCode)}/${seg(tariff.partyId)}/${seg(tariff.id)}`;
  if (held.removed) await t.send('DELETE', url);
  else await t.send('PUT', url, tariffToOcpi(tariff, t.version));
  return { done: true, upTo };
}

/** Errors worth another try later (the client is down, slow, overloaded or rejects our token). */
function isTransient(err: unknown): boolean {
  if (err instanceof Refused) return false;
  if (err instanceof OcpiTimeoutError || err instanceof OcpiNetworkError) return true;
  if (err instanceof OcpiHttpError)
    return err.status >= 500 || [401, 403, 408, 425, 429].includes(err.status);
  return true;
}

export async function deliverRow(db: Db, t: Target, r: OutboxRow, log: Logger): Promise<Outcome> {
  try {
    if (r.kind === 'location')
      return t.row.locations_url ? await putLocation(db, t, r.object_pk, r.id) : { done: true };
    if (r.kind === 'evse_status') return t.row.locations_url ? await patchStatus(db, t, r) : { done: true };
    return t.row.tariffs_url ? await sendTariff(db, t, r.object_pk) : { done: true };
  } catch (err) {
    const message = (err as Error).message;
    if (isTransient(err)) return { done: false, error: message };
    // The client refuses this object for good: retrying would block everything behind it.
    log.warn(
      { client: t.row.id, kind: r.kind, object: r.object_pk, reason: message },
      'push refused by client',
    );
    return { done: true };
  }
}

export function targetOf(row: OcpiClientRow, client: OcpiClient): Target {
  return {
    row,
    version: (row.version ?? '2.2.1') as OcpiVersion,
    send: (method, url, body) => send(client, row, method, url, body),
  };
}
