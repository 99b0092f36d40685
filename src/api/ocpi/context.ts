// What every handler of the OCPI sub-app shares: the request's version and caller, the envelope
// reply, and the dependencies resolved once per app.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { OcpiClientRow } from '../../db/queries/ocpi-clients.js';
import type { StatusNotifier } from '../../live/status-notifier.js';
import type { OcpiClient } from '../../ocpi/client/http.js';
import { envelope, OcpiStatus } from '../../ocpi/receiver/envelope.js';
import { foreignParty, ownsParty } from '../../ocpi/receiver/push-rules.js';
import type { ReceiverVersion } from '../../ocpi/receiver/versions.js';
import type { AppEnv } from '../deps.js';
import type { Caller, CallerRegistry } from './callers.js';
import type { EvsePlaces } from './location-pushes.js';
import type { WriteQueue } from './write-queue.js';

/** An eMSP client of our sender (docs/ocpi-out.md), as identified by its token. */
export interface ClientCaller {
  row: OcpiClientRow;
  /** token_a: may only read versions and register; registered: token C. */
  via: 'token_a' | 'registered';
  /** The token the request carried (GET credentials answers with it); never logged or stored. */
  token: string;
}

export type OcpiEnv = {
  Variables: AppEnv['Variables'] & {
    version: ReceiverVersion;
    caller: Caller;
    /** Set instead of `caller` when an eMSP client (docs/ocpi-out.md) is calling. */
    client: ClientCaller | undefined;
  };
};

export type OcpiContext = Context<OcpiEnv>;

export interface OcpiDeps {
  callers: CallerRegistry;
  writes: WriteQueue;
  places: EvsePlaces;
  /** Status-only EVSE PATCHes take the short path (AppDeps.ocpiStatusFastPath). */
  statusFastPath: boolean;
  notifier: StatusNotifier | undefined;
  publicUrl: string | undefined;
  party: { countryCode: string; partyId: string; name: string; website?: string; role?: string };
  /** The client of the credentials callback: refuses non-public targets unless allowed (target-guard.ts). */
  callbackClient: () => OcpiClient;
  /** Our role towards eMSP clients in credentials (docs/ocpi-out.md). */
  senderRole: 'NAP' | 'HUB';
  /** Token-less GETs of versions, details and the sender are answered (open data). */
  publicReads: boolean;
}

export function reply(c: OcpiContext, data?: unknown, status: ContentfulStatusCode = 200, message?: string) {
  return c.json(envelope(OcpiStatus.success, c.get('now'), data, message), status);
}

/** Our OCPI root URL: the configured public URL, else the origin this request came in on. */
export function ocpiBase(c: Context, publicUrl: string | undefined): string {
  const origin = publicUrl ? publicUrl.replace(/\/+$/, '') : new URL(c.req.url).origin;
  return `${origin}/ocpi`;
}

/** 404 unless the path's owner ids are among the caller's parties (nothing is read or written). */
export function requireOwnParty(c: OcpiContext, countryCode: string, partyId: string): void {
  if (!ownsParty(c.get('caller').parties, countryCode, partyId)) {
    throw foreignParty({ country_code: countryCode, party_id: partyId });
  }
}
