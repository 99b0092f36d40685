// The OCPI client: createOcpiClient() bundles the transport settings every call shares; the
// functions below take it as their last argument.
import { type Logger, silentLogger } from '../../log.js';
import type { FetchLike, OcpiClient } from './http.js';
import { createSemaphore } from './semaphore.js';

export interface OcpiClientOptions {
  /** Default: the global fetch. */
  fetch?: FetchLike;
  /** Per attempt, body included. Default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt on network errors, timeouts, 5xx and 429. Default 3. */
  retries?: number;
  /** Default 500 ms, doubled per retry, with full jitter. */
  backoffBaseMs?: number;
  /** Default 30 s. */
  backoffMaxMs?: number;
  /** Cap on a Retry-After we honour. Default 120 s. */
  retryAfterMaxMs?: number;
  /** Requests in flight at once through this client. Default 4. */
  concurrency?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  log?: Logger;
}

export function createOcpiClient(opts: OcpiClientOptions = {}): OcpiClient {
  return {
    fetch: opts.fetch ?? ((input, init) => fetch(input, init)),
    sleep: opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: opts.random ?? Math.random,
    timeoutMs: opts.timeoutMs ?? 30_000,
    retries: opts.retries ?? 3,
    backoffBaseMs: opts.backoffBaseMs ?? 500,
    backoffMaxMs: opts.backoffMaxMs ?? 30_000,
    retryAfterMaxMs: opts.retryAfterMaxMs ?? 120_000,
    limiter: createSemaphore(opts.concurrency ?? 4),
    stats: { requests: 0, retries: 0, failures: 0, inFlight: 0, maxInFlight: 0 },
    log: opts.log ?? silentLogger,
  };
}

export { authorizationHeader, base64Token, defaultTokenEncoding, type TokenEncoding } from './auth.js';
export {
  credentialsObject,
  isOcpiToken,
  type OurParty,
  type OurRole,
  type Party,
  type RegisterInput,
  type Registration,
  type RotateInput,
  registerWithCpo,
  rotateCredentials,
} from './credentials.js';
export { formatOcpiDateTime, parseOcpiDateTime } from './datetime.js';
export {
  type DiscoverInput,
  type Discovery,
  discover,
  SUPPORTED_VERSIONS,
  type VersionEndpoints,
} from './discovery.js';
export * from './errors.js';
export {
  type FetchLike,
  type HttpStats,
  type OcpiClient,
  type OcpiRequestInit,
  type OcpiResponse,
  ocpiFetch,
} from './http.js';
export { nextLinkTarget, parseLinkHeader, type WebLink } from './link-header.js';
export {
  DEFAULT_MAX_PAGES,
  type FetchedPage,
  fetchPage,
  firstPageUrl,
  nextPageUrl,
  type OcpiPage,
  type PageRequest,
  type PullPagesOptions,
  pullPages,
  visitKey,
} from './pages.js';
