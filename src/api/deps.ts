// What the core app needs from its host (Node or Workers). Nothing here knows which one.
import type { Db } from '../db/types.js';
import type { SourceConfig } from '../ingest/sources-file.js';
import type { EventsReader, StreamOptions } from '../live/availability-stream.js';
import type { StatusNotifier } from '../live/status-notifier.js';
import type { Logger } from '../log.js';
import type { OcpiClient } from '../ocpi/client/http.js';
import type { ResolveHost } from '../ocpi/client/target-guard.js';
import type { HttpOptions } from './http/options.js';
import type { FailureThrottleOptions } from './ocpi/auth-throttle.js';

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
  /** Published sites a filtered cluster tile may fold per request (default FILTERED_TILE_MAX_SITES, docs/tiles.md). */
  filteredTileMaxSites?: number;
  /** Public base URL (ATLAS_PUBLIC_URL); our OCPI versions URL is `${publicUrl}/ocpi/versions`. */
  publicUrl?: string;
  /** Our own party in OCPI credentials (default: ingest/handshake.ts DEFAULT_OUR_PARTY, NL / OCA, role NSP). */
  ocpiParty?: { countryCode: string; partyId: string; name: string; website?: string; role?: string };
  /** Our OCPI sender towards eMSP clients: role in credentials, token-less reads (docs/ocpi-out.md). */
  ocpiSender?: { role?: 'NAP' | 'HUB'; publicReads?: boolean };
  /** Client for the credentials handshake callback (default: the global fetch, 10 s timeout). */
  ocpiClient?: OcpiClient;
  /**
   * Let the credentials callback reach loopback, private and link-local addresses
   * (ATLAS_OCPI_ALLOW_PRIVATE_TARGETS). Off by default: a registering CPO names the URL we fetch.
   * Tests and the demo, whose CPOs run on loopback, turn it on.
   */
  ocpiAllowPrivateTargets?: boolean;
  /**
   * false: a status-only EVSE PATCH takes the general read-merge-normalize path like any other PATCH
   * (the tests that compare the short path's stored result and answers with it). Default true.
   */
  ocpiStatusFastPath?: boolean;
  /** Failed OCPI authentications tolerated per client address (default: a burst of 20, then 1/s). */
  ocpiAuthThrottle?: FailureThrottleOptions;
  /** Name resolution for that check (Node: dns.lookup); without it only literal addresses are checked. */
  resolveHost?: ResolveHost;
  /** Availability stream tuning: poll interval, heartbeat, per-client queue bound. */
  stream?: Partial<StreamOptions>;
  /** Reads SSE replay pages off the event loop (Node: the read workers); default: in process. */
  streamReplay?: EventsReader;
  /** Free and total bytes where the database lives (Node: statfs), shown in source health. */
  storageSpace?: () => Promise<StorageSpace | null>;
  /**
   * Aborted when the host shuts down: open event streams end their body cleanly (a terminated
   * chunked response, so clients see the end rather than a cut connection) and new ones get a 503.
   */
  shutdown?: AbortSignal;
  /** Public API HTTP behaviour: rate limit, compression, response cache, docs assets, .sqlite dumps. */
  http?: HttpOptions;
}

export interface StorageSpace {
  free_bytes: number;
  total_bytes: number;
}

export type AppEnv = {
  Variables: {
    db: Db;
    log: Logger;
    now: Date;
    requestId: string;
    /** AppDeps.storageSpace, for source health. */
    storageSpace?: () => Promise<StorageSpace | null>;
    /** Extra fields for the request's one log line (an OCPI refusal's reason, say). */
    logFields?: Record<string, unknown>;
    /** The request's log line is left out (a sampled refusal: see ocpi/auth-throttle.ts). */
    quiet?: boolean;
    /**
     * The body a handler built as bytes (feature-pages.ts), or a read worker's answer: the HTTP
     * layer hashes, caches and sends these instead of reading the Response back (a copy of every
     * body, and a streamed write instead of a direct one on @hono/node-server).
     */
    renderedBody?: Uint8Array<ArrayBuffer>;
    /** Frees renderedBody's memory once it is sent or compressed (OffloadedAnswer.release). */
    releaseRendered?: () => void;
  };
};
