// A CPO's status PATCH answered before the app: PATCH /ocpi/{version}/receiver/locations/{cc}/{pid}/
// {location}/{evse} with a status-only body (isStatusOnlyPatch) by a known token for one of its
// parties is checked, written and answered here, with the answer, headers and log line the app
// gives it; any other request, or one that fails a check before anything is written, goes through
// the app (rebuilt with the same body text when it was read), which answers it in its words.
// The checks are the app's own functions, in the app's order (app.ts authenticate, locations.ts).
//
// Why (push bench, 2026-12-07): through the app a status PATCH paid Hono's dispatch and routing,
// eleven middlewares (request id, pass-through params, the request's context and log, the public
// HTTP behaviour, correlation and routing headers, authentication, the receiver guard, the body
// limit), a Context and its Headers, and their garbage. Measured (push bench, 10 s runs interleaved
// with the app path, load 2-4): 10,156 / 7,093 / 10,929 -> 12,480 / 12,924 / 13,650 PATCHes/s; the
// server's CPU per PATCH (--cpu-prof) ~100 -> ~80 us, of which the group commit's SQL is now ~47.
import { Context } from 'hono';
import type { Db } from '../../db/types.js';
import type { Logger } from '../../log.js';
import { envelope, OcpiStatus } from '../../ocpi/receiver/envelope.js';
import {
  checkBodyId,
  checkBodyOwner,
  ownsParty,
  readJsonObject,
  refuseFutureTimestamps,
} from '../../ocpi/receiver/push-rules.js';
import { isReceiverVersion, type ReceiverVersion } from '../../ocpi/receiver/versions.js';
import { requestIdFor } from '../http/request-id.js';
import type { AuthGate } from './app.js';
import type { OcpiDeps } from './context.js';
import { isStatusOnlyPatch, patchEvse } from './location-pushes.js';
import { newPushTarget, pushAnswer } from './locations.js';
import { answerRoutingHeaders } from './routing-headers.js';
import { serverFailure } from './server-failure.js';

/** What the app around the OCPI routes gives each request (createApp). */
export interface RequestHost {
  log: Logger;
  clock: () => Date;
  getDb: () => Db | Promise<Db>;
  /** The app itself (its fetch): answers whatever this does not. */
  app: (req: Request, env: unknown, ctx: never) => Response | Promise<Response>;
}

/** The answer to `req` when it is a status PATCH answered here; null when the app answers it. */
export type StatusPatchRequests = (
  req: Request,
  env: unknown,
  ctx: unknown,
  host: RequestHost,
) => Promise<Response> | null;

/**
 * The EVSE route's path, segments without escapes (Hono decodes a segment only when it has a `%`,
 * so these read alike here and there) and no query.
 */
const EVSE_PATH = /^\/ocpi\/([^/?%#]+)\/receiver\/locations\/([^/?%#]+)\/([^/?%#]+)\/([^/?%#]+)\/([^/?%#]+)$/;

interface PatchPath {
  path: string;
  version: ReceiverVersion;
  cc: string;
  pid: string;
  locationId: string;
  evseUid: string;
  auth: string;
}

export function createStatusPatchRequests(
  ocpi: OcpiDeps,
  gate: AuthGate,
  clientAddress: (c: Context) => string,
  maxBodyBytes: number,
): StatusPatchRequests {
  return (req, env, ctx, host) => {
    if (req.method !== 'PATCH' || !ocpi.statusFastPath) return null;
    const url = req.url;
    const start = url.indexOf('/', url.indexOf('//') + 2);
    const m = start < 0 ? null : EVSE_PATH.exec(url.slice(start));
    if (!m || !isReceiverVersion(m[1]!)) return null;
    // The app's body limit reads a declared length; a chunked upload is counted there.
    const length = req.headers.get('content-length');
    const auth = req.headers.get('authorization');
    if (length === null || !(Number(length) <= maxBodyBytes) || auth === null) return null;
    const [, version, cc, pid, locationId, evseUid] = m as unknown as [string, ReceiverVersion, ...string[]];
    return answer(req, env, ctx, host, {
      path: url.slice(start),
      version,
      cc: cc!,
      pid: pid!,
      locationId: locationId!,
      evseUid: evseUid!,
      auth,
    });
  };

  async function answer(
    req: Request,
    env: unknown,
    ctx: unknown,
    host: RequestHost,
    r: PatchPath,
  ): Promise<Response> {
    const started = Date.now();
    const now = host.clock();
    let db: Db;
    let caller: Awaited<ReturnType<OcpiDeps['callers']['identify']>>;
    let text: string;
    try {
      db = await host.getDb();
      // An address that failed too often is the app's to refuse (429); one is known only after a failure.
      if (gate.throttle.tracking()) {
        const address = clientAddress(new Context(req, { env }));
        if (gate.throttle.waitS(address, now.getTime()) > 0) return host.app(req, env, ctx as never);
      }
      caller = await ocpi.callers.identify(db, gate.candidates(r.auth, r.version));
      if (!caller || !ownsParty(caller.parties, r.cc, r.pid)) return host.app(req, env, ctx as never);
      // The text as the app reads it (c.req.text(): UTF-8, a BOM dropped), straight from the socket's
      // buffer: an ArrayBuffer copy of the body first cost ~1 us a PATCH and its garbage.
      text = await req.text();
    } catch {
      // A store that fails before the write (or a body that broke off): the app meets the same
      // failure and answers it in its words (an OCPI envelope, a request id, its log line), not
      // with the server's bare 500 or, under app.request(), a rejected promise.
      return host.app(req, env, ctx as never);
    }
    let body: Record<string, unknown>;
    try {
      body = readJsonObject(text);
      refuseFutureTimestamps(body, now);
      checkBodyOwner(r.version, body, { country_code: r.cc, party_id: r.pid }, caller.parties);
      checkBodyId(r.version, body, 'uid', r.evseUid, false);
    } catch {
      return again(req, text, env, ctx, host);
    }
    if (!isStatusOnlyPatch(body)) return again(req, text, env, ctx, host);
    let wrote = false;
    const t = newPushTarget(ocpi, db, caller.source.id, r.version, r, now);
    const write = t.write;
    t.write = (stmts) => {
      wrote = true;
      return write(stmts);
    };
    const requestId = requestIdFor(req.headers.get('x-request-id'));
    const log = host.log.child({ request_id: requestId }).child({ source: caller.source.id });
    let status: number;
    let answerText: string;
    let retryAfter: string | undefined;
    try {
      const a = pushAnswer(ocpi, await patchEvse(t, r.evseUid, body));
      status = a.status;
      answerText = JSON.stringify(envelope(OcpiStatus.success, now, undefined, a.message));
    } catch (err) {
      // Refused before anything was written (an unknown EVSE, say): the app answers it, alike.
      if (!wrote) return again(req, text, env, ctx, host);
      const f = serverFailure(err as Error, log);
      status = f.httpStatus;
      if (f.retryAfterS !== undefined) retryAfter = String(f.retryAfterS);
      answerText = JSON.stringify(envelope(f.statusCode, now, undefined, f.message));
    }
    log.info({ method: 'PATCH', path: r.path, status, ms: Date.now() - started }, 'request');
    return new Response(answerText, {
      status,
      headers: answerHeaders(req, r.version, requestId, retryAfter),
    });
  }

  /**
   * The answer's headers, in the order a Headers object gives them (by name), as the app's answer
   * is written: built in that order, not sorted per request.
   */
  function answerHeaders(
    req: Request,
    version: ReceiverVersion,
    requestId: string,
    retryAfter: string | undefined,
  ): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const routing = answerRoutingHeaders(version, (n) => req.headers.get(n), ocpi.party);
    if (routing.length > 0) {
      for (const [name, value] of routing.map(([n, v]) => [n.toLowerCase(), v] as const).sort(byName))
        headers[name] = value;
    }
    if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
    const correlation = req.headers.get('x-correlation-id');
    if (correlation) headers['x-correlation-id'] = correlation;
    headers['x-request-id'] = requestId;
    return headers;
  }
}

/** The app's answer to `req` whose body was read as `text`: the same request, with that body. */
function again(req: Request, text: string, env: unknown, ctx: unknown, host: RequestHost) {
  return host.app(
    new Request(req.url, { method: 'PATCH', headers: req.headers, body: text }),
    env,
    ctx as never,
  );
}

const byName = (a: readonly [string, string], b: readonly [string, string]) => (a[0] < b[0] ? -1 : 1);
