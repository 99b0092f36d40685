// The OCPI platform endpoints we host, mounted at /ocpi: versions, version details, credentials and
// the Locations and Tariffs receivers for 2.1.1, 2.2.1 and 2.3.0. Every answer is an OCPI envelope
// (SPEC-DIGEST §2), errors included; no token appears in any log line.
import { type Context, type ErrorHandler, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { DEFAULT_OUR_PARTY } from '../../ingest/handshake.js';
import type { OcpiClient } from '../../ocpi/client/http.js';
import { createOcpiClient } from '../../ocpi/client/index.js';
import { guardedClient } from '../../ocpi/client/target-guard.js';
import { tokenCandidates } from '../../ocpi/receiver/auth.js';
import { envelope, OcpiError, OcpiStatus, unauthorized } from '../../ocpi/receiver/envelope.js';
import { isReceiverVersion, versionDetails, versionList } from '../../ocpi/receiver/versions.js';
import type { AppDeps } from '../deps.js';
import { DEFAULT_RATE_LIMIT } from '../http/options.js';
import { createRateLimiter } from '../http/rate-limit.js';
import {
  createFailureThrottle,
  createLogSampler,
  DEFAULT_FAILURE_THROTTLE,
  type FailureThrottle,
} from './auth-throttle.js';
import { createCallerRegistry } from './callers.js';
import { clientCredentials, identifyClient } from './clients.js';
import { type OcpiContext, type OcpiDeps, type OcpiEnv, ocpiBase, reply } from './context.js';
import { createCredentialsApp } from './credentials.js';
import { EvsePlaces } from './location-pushes.js';
import { createLocationsReceiver } from './locations.js';
import { answerRoutingHeaders } from './routing-headers.js';
import { createLocationsSender, createTariffsSender } from './sender.js';
import { serverFailure } from './server-failure.js';
import { createStatusPatchRequests } from './status-patch-requests.js';
import { createTariffsReceiver } from './tariffs.js';
import { createWriteQueue } from './write-queue.js';

/** A Location with a few hundred EVSEs is well under this; anything bigger is not a push. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

class ThrottledError extends OcpiError {
  constructor(readonly retryAfterS: number) {
    super(429, OcpiStatus.clientError, `too many failed authentications; retry after ${retryAfterS} s`);
  }
}

function tooLarge(): never {
  throw new OcpiError(413, OcpiStatus.clientError, `request body larger than ${MAX_BODY_BYTES} bytes`);
}

/** The public API's per-client limit, answered in the OCPI envelope (429, status 2000). */
function publicLimiter(deps: AppDeps) {
  const opts = deps.http?.rateLimit === false ? null : (deps.http?.rateLimit ?? DEFAULT_RATE_LIMIT);
  const take = opts ? createRateLimiter(opts, deps.http?.nowMs ?? Date.now) : null;
  const clientIp = deps.http?.clientIp ?? ((c: Context) => c.req.header('cf-connecting-ip'));
  return (c: Context) => {
    if (!take) return;
    const d = take(clientIp(c) ?? 'shared');
    if (d.allowed) return;
    c.header('Retry-After', String(d.retryAfterS));
    throw new OcpiError(429, OcpiStatus.clientError, `too many requests; retry after ${d.retryAfterS} s`);
  };
}

/** What authenticates a request: shared by the app and the status PATCHes answered before it. */
export interface AuthGate {
  throttle: FailureThrottle;
  candidates: (header: string | undefined, version: string) => string[];
}

/**
 * The OCPI app, mounted at /ocpi, and the status PATCHes answered before any app
 * (status-patch-requests.ts), which share its callers, write queue and failure throttle.
 */
export function createOcpiApp(deps: AppDeps) {
  const ocpi = ocpiDepsOf(deps);
  const gate: AuthGate = {
    throttle: createFailureThrottle(deps.ocpiAuthThrottle ?? DEFAULT_FAILURE_THROTTLE),
    candidates: tokenDecoder(),
  };
  // The same address the public API's limiter uses (the socket's on Node).
  const clientAddress = (c: Context) =>
    deps.http?.clientIp?.(c) ?? c.req.header('cf-connecting-ip') ?? 'shared';

  const app = new Hono<OcpiEnv>();
  app.onError(errorHandler(clientAddress));
  // Correlation ids travel back unchanged (2.2+ transport chapter); the request id middleware of
  // createApp already echoes X-Request-ID.
  app.use(async (c, next) => {
    await next();
    const correlation = c.req.header('X-Correlation-ID');
    if (correlation) c.header('X-Correlation-ID', correlation);
  });
  app.use('/:version/receiver/*', swapRouting(ocpi));
  app.use('/:version/sender/*', swapRouting(ocpi));
  app.use('/:version/*', authenticate(deps, ocpi, gate, clientAddress));
  // Receivers take pushes from CPOs only; senders answer registered clients (token C) and, when
  // switched on, token-less readers. Token A opens versions and credentials only (2.2+ rule).
  app.use('/:version/receiver/*', async (c, next) => {
    if (!c.get('caller')) throw unauthorized();
    await next();
  });
  app.use('/:version/sender/*', async (c, next) => {
    const client = c.get('client');
    if (c.get('caller') || (client && client.via !== 'registered')) throw unauthorized();
    await next();
  });
  app.use('/:version/credentials', async (c, next) => {
    const client = c.get('client');
    if (client) return clientCredentials(c, ocpi, client);
    if (!c.get('caller')) throw unauthorized();
    await next();
  });
  app.use('*', limitBody());

  app.get('/versions', (c) => reply(c, versionList(ocpiBase(c, ocpi.publicUrl))));
  app.get('/:version/details', (c) =>
    reply(c, versionDetails(ocpiBase(c, ocpi.publicUrl), c.get('version'), c.get('caller') ? 'cpo' : 'emsp')),
  );
  app.route('/:version/credentials', createCredentialsApp(ocpi));
  app.route('/:version/receiver/locations', createLocationsReceiver(ocpi));
  app.route('/:version/receiver/tariffs', createTariffsReceiver());
  app.route('/:version/sender/locations', createLocationsSender(ocpi));
  app.route('/:version/sender/tariffs', createTariffsSender(ocpi));

  app.all('*', (c) => {
    throw new OcpiError(404, OcpiStatus.clientError, `no OCPI endpoint ${c.req.method} ${c.req.path}`);
  });
  return { app, statusPatches: createStatusPatchRequests(ocpi, gate, clientAddress, MAX_BODY_BYTES) };
}

function ocpiDepsOf(deps: AppDeps): OcpiDeps {
  let client: OcpiClient | undefined;
  return {
    callers: createCallerRegistry(deps.sources ?? []),
    writes: createWriteQueue(),
    places: new EvsePlaces(),
    statusFastPath: deps.ocpiStatusFastPath ?? true,
    notifier: deps.statusNotifier,
    publicUrl: deps.publicUrl,
    // The same identity as in the handshakes we start ourselves (ingest/handshake.ts).
    party: deps.ocpiParty ?? DEFAULT_OUR_PARTY,
    callbackClient: () => {
      if (!client) {
        const base = deps.ocpiClient ?? createOcpiClient({ retries: 1, timeoutMs: 10_000, log: deps.log });
        client = deps.ocpiAllowPrivateTargets ? base : guardedClient(base, deps.resolveHost);
      }
      return client;
    },
    senderRole: deps.ocpiSender?.role ?? 'NAP',
    publicReads: deps.ocpiSender?.publicReads ?? false,
  };
}

/** Every refusal and failure in the OCPI envelope. */
function errorHandler(clientAddress: (c: Context) => string): ErrorHandler<OcpiEnv> {
  const sampleAuthLog = createLogSampler(10_000);
  return (err, c) => {
    if (err instanceof OcpiError) {
      // One line per refusal: the request line carries the reason. Failed authentication is
      // sampled per address (someone trying tokens would otherwise fill the disk with logs).
      c.set('logFields', { ocpi_status: err.statusCode, reason: err.message });
      if (err.httpStatus === 401 || err.httpStatus === 429) {
        const stands = sampleAuthLog(clientAddress(c), c.get('now').getTime());
        if (stands === 0) c.set('quiet', true);
        else c.set('logFields', { ...c.get('logFields'), refusals: stands });
      }
      if (err instanceof ThrottledError) c.header('Retry-After', String(err.retryAfterS));
      return c.json(envelope(err.statusCode, c.get('now'), undefined, err.message), err.httpStatus);
    }
    const f = serverFailure(err, c.get('log'));
    if (f.retryAfterS !== undefined) c.header('Retry-After', String(f.retryAfterS));
    return c.json(envelope(f.statusCode, c.get('now'), undefined, f.message), f.httpStatus);
  };
}

/** Functional modules answer with the routing headers swapped: to = the sender, from = us. */
function swapRouting(ocpi: OcpiDeps) {
  return async (c: OcpiContext, next: () => Promise<void>) => {
    await next();
    for (const [name, value] of answerRoutingHeaders(
      c.req.param('version') ?? '',
      (n) => c.req.header(n),
      ocpi.party,
    ))
      c.header(name, value);
  };
}

/**
 * Every request, versions included, carries a token: a CPO's (a source: it pushes to our
 * receivers) or an eMSP client's (it reads our senders); token-less reads only when public reads
 * are on, rate-limited like the public API. ('/:version/*' also matches /versions.) An address
 * with too many failures is refused before any lookup.
 */
function authenticate(deps: AppDeps, ocpi: OcpiDeps, gate: AuthGate, clientAddress: (c: Context) => string) {
  const { throttle, candidates } = gate;
  const publicLimit = publicLimiter(deps);
  return async (c: Context<OcpiEnv>, next: () => Promise<void>) => {
    const version = c.req.param('version') ?? '';
    if (version !== 'versions' && !isReceiverVersion(version)) {
      throw new OcpiError(404, OcpiStatus.unsupportedVersion, `unsupported OCPI version ${version}`);
    }
    if (version !== 'versions') c.set('version', version);
    const address = clientAddress(c);
    const waitS = throttle.waitS(address, c.get('now').getTime());
    if (waitS > 0) throw new ThrottledError(waitS);
    const header = c.req.header('Authorization');
    const tokens = candidates(header, version);
    const caller = await ocpi.callers.identify(c.get('db'), tokens);
    if (caller) {
      c.set('caller', caller);
      c.set('log', c.get('log').child({ source: caller.source.id }));
      return next();
    }
    const client = await identifyClient(c.get('db'), tokens);
    if (client) {
      c.set('client', client);
      c.set('log', c.get('log').child({ client: client.row.id }));
      return next();
    }
    if (header !== undefined || !ocpi.publicReads || c.req.method !== 'GET') {
      throttle.failed(address, c.get('now').getTime());
      throw unauthorized();
    }
    publicLimit(c);
    await next();
  };
}

/** A pushing CPO sends the same header thousands of times: decode it once. */
function tokenDecoder() {
  const decoded = new Map<string, string[]>();
  return (header: string | undefined, version: string): string[] => {
    if (header === undefined) return [];
    const key = `${version === '2.1.1' ? 'raw' : 'b64'} ${header}`;
    let list = decoded.get(key);
    if (!list) {
      list = tokenCandidates(header, version === '2.1.1' ? '2.1.1' : null);
      if (decoded.size >= 1_000) decoded.clear();
      decoded.set(key, list);
    }
    return list;
  };
}

/**
 * Declared sizes are checked from the header, which keeps the Node adapter's direct body read (a
 * body-counting stream costs a fifth of a status PATCH); only chunked uploads are counted. One
 * limit for every OCPI path: credentials bodies are read whole too.
 */
function limitBody(): MiddlewareHandler {
  const counted = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => tooLarge() });
  return async (c, next) => {
    const declared = c.req.header('Content-Length');
    if (declared === undefined) return counted(c, next);
    if (Number(declared) > MAX_BODY_BYTES) tooLarge();
    await next();
  };
}
