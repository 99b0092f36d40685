// The public API's HTTP behaviour, in the order a request meets it: CORS (open, GET only), the
// per-client rate limit, conditional requests (ETag / Last-Modified from the data version, 304),
// the response cache, Cache-Control, and gzip / brotli. Streams (dumps, SSE) pass through unbuffered.
import type { Context, MiddlewareHandler } from 'hono';
import type { Db } from '../../db/types.js';
import type { AppEnv } from '../deps.js';
import { errorBody } from '../errors.js';
import {
  compressBytes,
  compressStream,
  type Encoding,
  isCompressible,
  negotiateEncoding,
} from './compression.js';
import { type DataVersion, dataVersion, type Follows, STATISTICS_PATH } from './data-version.js';
import {
  DEFAULT_RATE_LIMIT,
  DEFAULT_RESPONSE_CACHE,
  type HttpOptions,
  type OffloadedAnswer,
  ownedCopy,
} from './options.js';
import { createRateLimiter } from './rate-limit.js';
import { createResponseCache } from './response-cache.js';

/** Separates deployments in ETags: new code may render the same data differently. */
const BUILD = Date.now().toString(36);

const EXPOSED = [
  'ETag',
  'Last-Modified',
  'Link',
  'Retry-After',
  'X-Request-Id',
  'RateLimit-Limit',
  'RateLimit-Remaining',
].join(', ');

/** A short shared freshness: live status changes by the minute, and revalidation is cheap (304). */
export const DEFAULT_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=60';

function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  // Weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored.
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === opaque);
}

function notModified(c: Context, etag: string, lastModified: Date): boolean {
  const inm = c.req.header('if-none-match');
  if (inm != null) return etagMatches(inm, etag);
  const ims = c.req.header('if-modified-since');
  if (ims == null) return false;
  const t = Date.parse(ims);
  return Number.isFinite(t) && lastModified.getTime() <= t;
}

/**
 * The validator of one answer: a hash of its bytes, so it changes exactly when the answer does
 * (a sync elsewhere, a new deployment or the clock leave it alone unless this body changed). Weak,
 * as one tag stands for the identity, gzip and brotli forms of the same body.
 */
async function bodyTag(bytes: Uint8Array<ArrayBuffer>, sha256?: HttpOptions['sha256']): Promise<string> {
  const digest = sha256 ? sha256(bytes) : new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const b of digest.subarray(0, 12)) hex += b.toString(16).padStart(2, '0');
  return `W/"${hex}"`;
}

/**
 * Answers whose body is the bytes a handler rendered, sent as they are: a read worker posts those
 * bytes to the main thread (src/node/read-worker.ts) instead of draining the Response into a copy.
 */
const renderedAnswers = new WeakMap<Response, Uint8Array<ArrayBuffer>>();

/** The rendered bytes that are this response's body, if it is such an answer. */
export function renderedBytesOf(res: Response): Uint8Array<ArrayBuffer> | undefined {
  return renderedAnswers.get(res);
}

/** What a 304 repeats of the 200 it stands for (RFC 9110 §15.4.5). */
const NOT_MODIFIED_HEADERS =
  /^(etag|last-modified|cache-control|vary|x-request-id|access-control-|ratelimit-)/i;

function notModifiedResponse(headers: Iterable<[string, string]>): Response {
  return new Response(null, {
    status: 304,
    headers: [...headers].filter(([k]) => NOT_MODIFIED_HEADERS.test(k)),
  });
}

/**
 * Dumps are streamed, possibly for minutes: never buffered to be hashed. A dump served from a built
 * file tags itself (a hash of the file); one streamed anew gets the data version as its tag.
 */
const STREAMED = /^\/v1\/dumps\/(?!(LICENSE\.txt|status\/index\.json)?$)/;

/**
 * Resources whose rendering depends on the data alone (not on the clock), so a rendered body may
 * be reused while the data version holds. Availability and history compute staleness from the
 * current time and are not cached here.
 */
// The statistics are left out: they have their own freshness rule (stats.ts STATS_FRESH_MS), an
// answer served stale while it is counted again, which a body cached per version would then keep.
const CACHEABLE = /^\/(v1\/(sites|locations|tariffs)(\/[^/]*)?|v1\/(tiles|style)\.json|openapi\.json)$/;

/** Live streams and health checks are never conditional or cached. */
function isLive(c: Context): boolean {
  return (
    c.req.path === '/v1/availability/stream' ||
    (c.req.header('accept') ?? '').includes('text/event-stream') ||
    c.req.path === '/healthz'
  );
}

/**
 * Answers that change with the clock as well as the data: staleness flags, and the default time
 * windows of history and occupancy, and tiles' available counts. Their validators also change every minute, so a 304 never
 * hands out a stale flag for long.
 */
const CLOCK_DEPENDENT = /^\/v1\/(availability(\/.*)?|evses\/.+|stats\/occupancy\/?|tiles\/.+)$/;

/** Answers that report sync runs themselves: every run changes them, even one that wrote nothing. */
const REPORTS_RUNS = /^\/v1\/sources(\/.*)?$/;

/** The version an answer at `path` follows (data-version.ts). */
const followedBy = (path: string): Follows =>
  STATISTICS_PATH.test(path) ? 'counts' : REPORTS_RUNS.test(path) ? 'runs' : 'data';

/** Tiles are revalidated on every use (a 304 when unchanged), so a status push shows in the next one. */
const cacheControlOf = (path: string) =>
  path.startsWith('/v1/tiles/') ? 'public, no-cache' : DEFAULT_CACHE_CONTROL;

/**
 * The headers httpBehaviour gives a 200 GET of `path` whose handler rendered it as bytes with its
 * own ETag, asked without validators, sent uncompressed and not cached: a read worker's request
 * (read-worker.ts asks for identity; its app has no response cache or rate limit). A page rendered
 * without the app carries these to be the same answer (map-pages.ts; test/api/map-pages.test.ts
 * compares them with the app's). Not for answers that follow the clock or report sync runs.
 */
export async function renderedOkHeaders(db: Db, now: Date, path: string): Promise<Record<string, string>> {
  if (CLOCK_DEPENDENT.test(path) || followedBy(path) !== 'data')
    throw new Error(`${path}: its version follows more or other than the data`);
  const v = await dataVersion(db, now, BUILD);
  return {
    'access-control-allow-origin': '*',
    'access-control-expose-headers': EXPOSED,
    'cache-control': cacheControlOf(path),
    'last-modified': v.lastModified.toUTCString(),
    vary: 'Accept-Encoding',
  };
}

function withClock(v: DataVersion, minute: number): DataVersion {
  const lastModified = new Date(Math.max(v.lastModified.getTime(), minute * 60_000));
  return { etag: v.etag.replace(/"$/, `-m${minute}"`), lastModified };
}

function replaceResponse(c: Context, res: Response) {
  // Assigning c.res merges the old headers into the new response; start from none.
  c.res = undefined as unknown as Response;
  c.res = res;
}

/**
 * CORS open to every origin for GET (no credentials). Written with c.header rather than hono/cors,
 * which touches c.res before the handler runs: Hono then rebuilds the final response from its body,
 * copying every cached body once more (measured: a third of the cached path's time).
 */
function openCors(c: Context): Response | undefined {
  c.header('Access-Control-Allow-Origin', '*');
  if (c.req.method !== 'OPTIONS') {
    c.header('Access-Control-Expose-Headers', EXPOSED);
    return undefined;
  }
  c.header('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
  const asked = c.req.header('access-control-request-headers');
  if (asked) c.header('Access-Control-Allow-Headers', asked);
  c.header('Access-Control-Max-Age', '86400');
  return c.body(null, 204);
}

export function httpBehaviour(opts: HttpOptions = {}): MiddlewareHandler<AppEnv> {
  const http = new PublicHttp(opts);
  return (c, next) => {
    // The OCPI receiver is not the public API: CPOs push bursts there, under their own auth.
    if (c.req.path === '/ocpi' || c.req.path.startsWith('/ocpi/')) return next();
    return http.handle(c, next);
  };
}

/** Every compressible answer varies by Accept-Encoding, also one too small to be compressed. */
function varyByEncoding(headers: Headers) {
  const vary = headers.get('vary');
  if (!vary?.toLowerCase().includes('accept-encoding'))
    headers.set('Vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
}

/** A handler's own Response (an event stream, a read worker's answer) lacks the headers set before it. */
function stampCommonHeaders(c: Context<AppEnv>, exposeHeaders: boolean) {
  const headers = c.res.headers;
  if (!headers.has('x-request-id')) headers.set('X-Request-Id', c.get('requestId'));
  if (headers.has('access-control-allow-origin')) return;
  headers.set('Access-Control-Allow-Origin', '*');
  if (exposeHeaders) headers.set('Access-Control-Expose-Headers', EXPOSED);
}

/**
 * Refusals and errors under this size are sent as they are, compressed or not: gzip saves a few
 * bytes at most on them (its frame alone is 18), and each compressor allocates ~260 KB of state.
 * Under load most answers are such refusals (429/503, ~900-1,600/s in the load bench), each of
 * which had a compressor of its own. Successful answers keep the encoding asked for, whatever
 * their size (a small map tile is still served gzip to a client that asked for it).
 */
export const MIN_COMPRESSED_BYTES = 1024;

/** Whether the answer is a refusal or error known to be under MIN_COMPRESSED_BYTES (its rendered bytes or Content-Length). */
function tooSmallToCompress(c: Context<AppEnv>): boolean {
  if (c.res.status < 300) return false;
  const size = c.get('renderedBody')?.byteLength ?? Number(c.res.headers.get('content-length') ?? Number.NaN);
  return size < MIN_COMPRESSED_BYTES;
}

/** The public API's middleware state: its rate limiter, response cache and settings. */
class PublicHttp {
  private readonly rate;
  private readonly take;
  private readonly cache;
  private readonly clientIp;
  /** The last clock-dependent version made, kept for its minute while the data version holds. */
  private clocked?: { from: DataVersion; minute: number; version: DataVersion };

  constructor(private readonly opts: HttpOptions) {
    this.rate = opts.rateLimit === false ? null : (opts.rateLimit ?? DEFAULT_RATE_LIMIT);
    this.take = this.rate ? createRateLimiter(this.rate, opts.nowMs ?? Date.now) : null;
    this.cache =
      opts.responseCache === false ? null : createResponseCache(opts.responseCache ?? DEFAULT_RESPONSE_CACHE);
    this.clientIp = opts.clientIp ?? ((c: Context) => c.req.header('cf-connecting-ip'));
  }

  async handle(c: Context<AppEnv>, next: () => Promise<void>): Promise<Response | undefined> {
    const early = openCors(c) ?? this.rateLimited(c);
    if (early) return early;
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || isLive(c)) {
      await next();
      stampCommonHeaders(c, false);
      return undefined;
    }
    const dataV = await dataVersion(c.get('db'), c.get('now'), BUILD, followedBy(c.req.path));
    const v = CLOCK_DEPENDENT.test(c.req.path) ? this.withClockOf(dataV, c.get('now')) : dataV;
    const enc = negotiateEncoding(c.req.header('accept-encoding'), this.opts.brotli != null);
    const key = `${c.req.url}|${enc}`;
    const hit = this.fromCache(c, key, v);
    if (hit) return hit;
    await this.render(c, next);
    stampCommonHeaders(c, true);
    let rendered: Uint8Array<ArrayBuffer> | null = null;
    if (c.res.status >= 200 && c.res.status < 300) {
      rendered = await this.tagBody(c, v);
      if (await this.answeredNotModified(c, v)) return undefined;
    } else if (c.res.status >= 400 && !c.res.headers.has('cache-control')) {
      c.res.headers.set('Cache-Control', 'no-store');
    }
    await this.compressAndCache(c, v, enc, key, rendered);
    return undefined;
  }

  /** withClock, made once per data version and minute rather than per request (a map asks dozens of tiles a view). */
  private withClockOf(v: DataVersion, now: Date): DataVersion {
    const minute = Math.floor(now.getTime() / 60_000);
    const kept = this.clocked;
    if (kept?.from === v && kept.minute === minute) return kept.version;
    const version = withClock(v, minute);
    this.clocked = { from: v, minute, version };
    return version;
  }

  /** The 429 of a client over its rate, else undefined. */
  private rateLimited(c: Context<AppEnv>): Response | undefined {
    // Health probes (load balancers, uptime monitors) poll often from one address; refusing them
    // would report a healthy server as down, and a probe costs nothing.
    if (!this.take || c.req.method === 'OPTIONS' || c.req.path === '/healthz') return undefined;
    const d = this.take(this.clientIp(c) ?? 'shared');
    c.header('RateLimit-Limit', String(this.rate!.capacity));
    c.header('RateLimit-Remaining', String(d.remaining));
    if (d.allowed) return undefined;
    c.header('Retry-After', String(d.retryAfterS));
    c.header('Cache-Control', 'no-store');
    return c.json(
      errorBody('rate_limited', `too many requests from this client; retry after ${d.retryAfterS} s`),
      429,
    );
  }

  /** A cached answer (or its 304) while the data version holds. */
  private fromCache(c: Context<AppEnv>, key: string, v: DataVersion): Response | undefined {
    const hit = CACHEABLE.test(c.req.path) ? this.cache?.get(key, v.etag) : undefined;
    if (!hit) return undefined;
    if (notModified(c, hit.etag, v.lastModified))
      return notModifiedResponse([...hit.headers, ...c.res.headers]);
    for (const [k, val] of hit.headers) c.header(k, val, { append: k.toLowerCase() === 'vary' });
    return c.body(hit.body, 200);
  }

  /** The handler's answer, or a read worker's for a heavy request (Node). */
  private async render(c: Context<AppEnv>, next: () => Promise<void>) {
    const offloaded = this.opts.offload?.(c.req.raw, this.clientIp(c) ?? 'shared');
    if (!offloaded) return next();
    const a = this.ownedUnlessSent(c, await offloaded);
    // c.body keeps the headers set so far (rate limit), as a handler's own answer would.
    c.res = a.body ? c.body(a.body, a.status, a.headers) : c.body(null, a.status, a.headers);
    if (a.body) c.set('renderedBody', a.body);
    if (a.release) c.set('releaseRendered', a.release);
  }

  /** A lent body (OffloadedAnswer.release) copied and released, unless the host sends it as it is. */
  private ownedUnlessSent(c: Context<AppEnv>, a: OffloadedAnswer): OffloadedAnswer {
    return this.opts.sendsLentBodies?.(c) ? a : ownedCopy(a);
  }

  /** Frees an offloaded body now: nothing reads it after this point. */
  private releaseNow(c: Context<AppEnv>) {
    c.get('releaseRendered')?.();
  }

  /** Frees an offloaded body once it is written to the client (as it is, not copied). */
  private releaseWhenSent(c: Context<AppEnv>) {
    const release = c.get('releaseRendered');
    if (release) this.opts.afterSent?.(c, release);
  }

  /** Sets the validators of a 2xx and, when the client holds this answer, replaces it by a 304. */
  private async answeredNotModified(c: Context<AppEnv>, v: DataVersion): Promise<boolean> {
    if (!c.res.headers.has('last-modified')) c.res.headers.set('Last-Modified', v.lastModified.toUTCString());
    if (!c.res.headers.has('cache-control')) c.res.headers.set('Cache-Control', cacheControlOf(c.req.path));
    const etag = c.res.headers.get('etag');
    // A handler may date its answer itself (statistics served from counts before the last change,
    // stats.ts): If-Modified-Since is compared with the date the client was given.
    const lastModified = new Date(c.res.headers.get('last-modified')!);
    if (!etag || !notModified(c, etag, lastModified)) return false;
    // Bytes a handler or worker rendered are not read as a stream (a read worker's may be lent).
    if (!c.get('renderedBody')) await c.res.body?.cancel();
    this.releaseNow(c);
    const headers = new Headers(c.res.headers);
    if (isCompressible(headers.get('content-type'))) varyByEncoding(headers);
    replaceResponse(c, notModifiedResponse(headers));
    return true;
  }

  /** Buffers a rendered body and tags it with its hash (unless the handler tagged it itself). */
  private async tagBody(c: Context<AppEnv>, v: DataVersion): Promise<Uint8Array<ArrayBuffer> | null> {
    const res = c.res;
    // Reading res.body would turn @hono/node-server's light Response (written to the socket as is)
    // into a streamed one: bytes the handler (or a read worker) rendered are taken as they are.
    const given = c.get('renderedBody');
    if (res.headers.has('etag')) return given ?? null;
    if (given) {
      res.headers.set('ETag', await bodyTag(given, this.opts.sha256));
      return given;
    }
    if (!res.body) return null;
    if (STREAMED.test(c.req.path)) {
      res.headers.set('ETag', v.etag);
      return null;
    }
    const bytes = new Uint8Array(await res.arrayBuffer()) as Uint8Array<ArrayBuffer>;
    const headers = new Headers(res.headers);
    headers.set('ETag', await bodyTag(bytes, this.opts.sha256));
    replaceResponse(c, new Response(bytes, { status: res.status, headers }));
    return bytes;
  }

  private async compressAndCache(
    c: Context<AppEnv>,
    v: DataVersion,
    asked: Encoding,
    key: string,
    rendered: Uint8Array<ArrayBuffer> | null,
  ) {
    const res = c.res;
    const type = res.headers.get('content-type');
    if (res.headers.has('content-encoding') || !isCompressible(type) || !(rendered ?? res.body)) return;
    const enc = tooSmallToCompress(c) ? 'identity' : asked;
    // A one-off answer (the first rendering of its key) is not copied for the cache: sent as it is.
    const cacheIt = this.cacheable(c, type, res.status) && this.cache!.admit(key);
    if (enc === 'identity' && rendered && !cacheIt) {
      // The rendered body is already the response's: only its headers change, in place.
      res.headers.delete('content-length');
      varyByEncoding(res.headers);
      renderedAnswers.set(res, rendered);
      this.releaseWhenSent(c);
      return;
    }
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    varyByEncoding(headers);
    if (cacheIt) return this.cacheAnswer(c, v, enc, key, rendered, headers);
    if (enc === 'identity') {
      replaceResponse(c, new Response(rendered ?? res.body, { status: res.status, headers }));
      this.releaseWhenSent(c);
      return;
    }
    headers.set('Content-Encoding', enc);
    // Bytes in memory are compressed whole; a handler's stream is compressed as it comes.
    const body = rendered
      ? await compressBytes(rendered, enc, this.opts)
      : compressStream(res.body!, enc, this.opts);
    if (rendered) this.releaseNow(c);
    replaceResponse(c, new Response(body, { status: res.status, headers }));
  }

  /** Stores the (compressed) answer under `key` and serves that copy. */
  private async cacheAnswer(
    c: Context<AppEnv>,
    v: DataVersion,
    enc: Encoding,
    key: string,
    rendered: Uint8Array<ArrayBuffer> | null,
    headers: Headers,
  ) {
    const res = c.res;
    const body0 = rendered ?? (new Uint8Array(await res.arrayBuffer()) as Uint8Array<ArrayBuffer>);
    const compress = enc !== 'identity' && body0.byteLength >= MIN_COMPRESSED_BYTES;
    let body = compress ? await compressBytes(body0, enc, this.opts) : body0;
    // The cache keeps the compressed copy; uncompressed, these very bytes, or a copy of them when
    // they are lent (a read worker's answer: OffloadedAnswer.release).
    if (compress) {
      headers.set('Content-Encoding', enc);
      this.releaseNow(c);
    } else if (rendered && c.get('releaseRendered')) {
      body = new Uint8Array(body0);
      this.releaseNow(c);
    }
    // Request-specific headers stay out of the shared entry.
    const stored = [...headers].filter(([k]) => !/^(x-request-id|ratelimit-)/i.test(k));
    this.cache!.store(key, { version: v.etag, etag: headers.get('etag') ?? '', body, headers: stored });
    replaceResponse(c, new Response(body, { status: res.status, headers }));
  }

  private cacheable(c: Context, type: string | null, status: number): boolean {
    return (
      this.cache != null && status === 200 && (type?.includes('json') ?? false) && CACHEABLE.test(c.req.path)
    );
  }
}
