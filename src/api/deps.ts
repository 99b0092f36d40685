// What the core app needs from its host (Node or Workers). Nothing here knows which one.
import type { Db } from '../db/types.js';
import type { SourceConfig } from '../ingest/sources-file.js';
import type { StreamOptions } from '../live/availability-stream.js';
import type { StatusNotifier } from '../live/status-notifier.js';
import type { Logger } from '../log.js';
import type { OcpiClient } from '../ocpi/client/http.js';
import type { HttpOptions } from './http/options.js';

export interface AppDeps {
  getDb: () => Db | Promise<Db>;
  clock?: () => Date;
  log?: Logger;
  /** The sources file: push tokens and parties of CPOs pushing to our OCPI receiver. */
  sources?: SourceConfig[];
  /** Seconds after which an EVSE status is reported stale (ATLAS_STALE_AFTER_S, default 900). */
  staleAfterS?: number;
  /** Woken after status events commit (receiver, sync), so the SSE stream need not wait for a poll. */
  statusNotifier?: StatusNotifier;
  /** Public base URL (ATLAS_PUBLIC_URL); our OCPI versions URL is `${publicUrl}/ocpi/versions`. */
  publicUrl?: string;
  /** Our own party in OCPI credentials (default: ingest/handshake.ts DEFAULT_OUR_PARTY, NL / OCA, role NSP). */
  ocpiParty?: { countryCode: string; partyId: string; name: string; website?: string; role?: string };
  /** Client for the credentials handshake callback (default: the global fetch, 10 s timeout). */
  ocpiClient?: OcpiClient;
  /** Availability stream tuning: poll interval, heartbeat, per-client queue bound. */
  stream?: Partial<StreamOptions>;
  /** Public API HTTP behaviour: rate limit, compression, response cache, docs assets, .sqlite dumps. */
  http?: HttpOptions;
}

export type AppEnv = {
  Variables: {
    db: Db;
    log: Logger;
    now: Date;
    requestId: string;
  };
};
