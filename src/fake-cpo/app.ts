// A CPO test peer speaking OCPI 2.1.1 / 2.2 / 2.2.1 / 2.3.0 over plain Hono (no Node APIs, so it
// also runs in a Worker): versions, details, paginated locations and tariffs, single-location GET,
// the credentials handshake, and the faults real CPOs show (faults.ts). Used by the demo source,
// the tests and `npm run fake-cpo`.
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import type { OcpiVersion } from '../model/types.js';
import { authorizationHeader, defaultTokenEncoding, type TokenEncoding } from '../ocpi/client/auth.js';
import { parseOcpiDateTime } from '../ocpi/client/datetime.js';
import type { FetchLike } from '../ocpi/client/http.js';
import { createOcpiClient, type OcpiClient } from '../ocpi/client/index.js';
import {
  drip,
  type FaultMode,
  type FaultOptions,
  interruption,
  type PagePlan,
  RESUME_PARAM,
  renderBody,
  shapePage,
} from './faults.js';
import {
  type CpoParty,
  type CredentialsState,
  handleCredentials,
  type RegisteredPeer,
} from './peer-credentials.js';
import { bodyText, failure, type OcpiReply, success } from './reply.js';

export { FAULT_MODES, type FaultMode, type FaultOptions } from './faults.js';
export type { RegisteredPeer } from './peer-credentials.js';

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  /** ISO time the request arrived. */
  time: string;
  /** The token (by role) and encoding it authenticated with; null when refused or absent. */
  auth: { token: 'A' | 'C'; encoding: TokenEncoding } | null;
  requestId: string | null;
  correlationId: string | null;
  /** HTTP status of the reply; null until answered (a stalled page never is). */
  status: number | null;
}

export interface FakeCpoOptions {
  /** Raw OCPI Location objects, served as given, in this order. */
  locations: unknown[];
  tariffs?: unknown[];
  /** Versions offered. Default ['2.2.1']. */
  versions?: OcpiVersion[];
  /** Server page cap, reported in X-Limit. Default 50. */
  pageSize?: number;
  /** The accepted (token C) token. Default 'fake-cpo-token', or none when `registration` is set. */
  token?: string;
  /** Default: per version (raw for 2.1.1, base64 for 2.2+); 'either' accepts both everywhere. */
  tokenEncoding?: TokenEncoding | 'either';
  /** Public URL prefix of `/ocpi/...`. Default: the origin of each request. */
  baseUrl?: string;
  fault?: FaultMode;
  faultOptions?: FaultOptions;
  /** Accept this token A for versions, details and credentials until a client registers with it. */
  registration?: { tokenA: string };
  /** Our identity in credentials. Default NL / DEM / "Demo CPO". */
  party?: CpoParty;
  /** false: bodies without the OCPI envelope, as some CPOs send. Default true. */
  envelope?: boolean;
  /** 2.1.1's example (bare array, the default) or its table ({versions: [...]}), digest §4. */
  versionsShape?: 'array' | 'versions-object';
  /** false: no Link header, so clients must page by X-Total-Count. Default true. */
  linkHeader?: boolean;
  /** Endpoints listed before the standard ones in version details (e.g. a RECEIVER interface). */
  extraEndpoints?: { identifier: string; url: string; role?: 'SENDER' | 'RECEIVER' }[];
  now?: () => Date;
  /**
   * How a location reads at `now` (the demo's simulated statuses, demo-live.ts), applied to each
   * location as it is served, before date_from/date_to; all pages of one crawl as of its first
   * page's clock (crawlClock). Default: served as given.
   */
  locationAt?: (location: unknown, now: Date) => unknown;
  /** For the registration callback. Default: global fetch. */
  fetch?: FetchLike;
}

export interface FakeCpo {
  app: Hono<FakeCpoEnv>;
  requests: RequestRecord[];
  setData(locations: unknown[], tariffs?: unknown[]): void;
  /** The token a client must use now (C); null when none is valid. */
  currentToken(): string | null;
  /** Who registered: its token B, versions URL and credentials as sent; null when nobody. */
  peer(): RegisteredPeer | null;
}

export type FakeCpoEnv = { Variables: { record: RequestRecord } };

type ListModule = 'locations' | 'tariffs';

interface FakeState extends CredentialsState {
  locations: unknown[];
  tariffs: unknown[];
  faultHits: Map<string, number>;
}

/** Our own Link parameter: the clock a crawl of live locations is served as of (crawlClock). */
export const AS_OF_PARAM = 'as_of';

// Digest §1: GET {locations}/{location_id}[/{evse_uid}[/{connector_id}]].
const OBJECT_PATH = '/ocpi/:version/locations/:id/:evse?/:connector?';

/** What every route of one fake CPO shares: its settings, its state, and how it answers. */
interface Peer {
  opts: FakeCpoOptions;
  versions: OcpiVersion[];
  pageSize: number;
  party: CpoParty;
  now: () => Date;
  faultOptions: FaultOptions;
  state: FakeState;
  callbackClient: OcpiClient;
  baseOf(c: Context): string;
  send(c: Context, reply: OcpiReply, headers?: Record<string, string>): Response;
  /** The path's version when we offer it. */
  offered(c: Context): OcpiVersion | null;
  /** Which token (A or C) the request authenticated with, recorded on it; null when none. */
  authorize(c: Context<FakeCpoEnv>, scope: 'versions' | 'module', version?: OcpiVersion): 'A' | 'C' | null;
}

export function createFakeCpo(opts: FakeCpoOptions): FakeCpo {
  const peer = peerOf(opts);
  const requests: RequestRecord[] = [];
  const app = new Hono<FakeCpoEnv>();
  app.use(recordRequests(requests, peer.now));
  versionRoutes(app, peer);
  app.on(['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], '/ocpi/:version/credentials', credentialsHandler(peer));
  app.get('/ocpi/:version/locations', listHandler(peer, 'locations'));
  app.get('/ocpi/:version/tariffs', listHandler(peer, 'tariffs'));
  app.get(OBJECT_PATH, objectHandler(peer));
  app.notFound((c) => peer.send(c, failure(404, 2000, 'Unknown resource')));

  const { state } = peer;
  return {
    app,
    requests,
    setData(locations, tariffs) {
      state.locations = locations;
      if (tariffs) state.tariffs = tariffs;
    },
    currentToken: () => state.tokenC,
    peer: () => state.peer,
  };
}

function peerOf(opts: FakeCpoOptions): Peer {
  const versions = opts.versions ?? ['2.2.1'];
  const now = opts.now ?? (() => new Date());
  const enveloped = opts.envelope ?? true;
  const state: FakeState = {
    locations: opts.locations,
    tariffs: opts.tariffs ?? [],
    tokenC: opts.token ?? (opts.registration ? null : 'fake-cpo-token'),
    tokenA: opts.registration?.tokenA ?? null,
    peer: null,
    faultHits: new Map(),
  };
  return {
    opts,
    versions,
    pageSize: opts.pageSize ?? 50,
    party: opts.party ?? { countryCode: 'NL', partyId: 'DEM', name: 'Demo CPO' },
    now,
    faultOptions: opts.faultOptions ?? {},
    state,
    callbackClient: createOcpiClient({ fetch: opts.fetch, retries: 0, timeoutMs: 10_000 }),
    baseOf: (c) => (opts.baseUrl ?? new URL(c.req.url).origin).replace(/\/$/, ''),
    send: (c, reply, headers = {}) =>
      c.body(bodyText(reply, now(), enveloped), reply.status as 200, {
        'Content-Type': 'application/json',
        ...headers,
      }),
    offered: (c) => versions.find((v) => v === c.req.param('version')) ?? null,
    authorize: (c, scope, version) =>
      authorize(c, opts.tokenEncoding, state, scope, version ? [version] : versions),
  };
}

/** Digest §2: token A opens only versions, details and credentials; anything else wants C. */
function authorize(
  c: Context<FakeCpoEnv>,
  configured: FakeCpoOptions['tokenEncoding'],
  state: FakeState,
  scope: 'versions' | 'module',
  versions: OcpiVersion[],
): 'A' | 'C' | null {
  const header = c.req.header('authorization') ?? '';
  const encodings = acceptedEncodings(configured, versions);
  const candidates: ['A' | 'C', string | null][] = [['C', state.tokenC]];
  if (scope === 'versions') candidates.push(['A', state.tokenA]);
  for (const [role, token] of candidates) {
    const encoding = token
      ? encodings.find((e) => sameAuthorization(header, authorizationHeader(token, e)))
      : undefined;
    if (encoding) {
      c.get('record').auth = { token: role, encoding };
      return role;
    }
  }
  return null;
}

const unauthorized = (p: Peer, c: Context) => p.send(c, failure(401, 2000, 'Invalid or missing token'));
const unknownVersion = (p: Peer, c: Context) => p.send(c, failure(404, 3002, 'Unsupported version'));

function recordRequests(requests: RequestRecord[], now: () => Date): MiddlewareHandler<FakeCpoEnv> {
  return async (c, next) => {
    const record: RequestRecord = {
      method: c.req.method,
      path: c.req.path,
      query: c.req.query(),
      time: now().toISOString(),
      auth: null,
      requestId: c.req.header('x-request-id') ?? null,
      correlationId: c.req.header('x-correlation-id') ?? null,
      status: null,
    };
    requests.push(record);
    c.set('record', record);
    // 2.2+ servers echo both ids (digest §2); harmless for 2.1.1 clients.
    if (record.requestId) c.header('X-Request-ID', record.requestId);
    if (record.correlationId) c.header('X-Correlation-ID', record.correlationId);
    await next();
    record.status = c.res.status;
  };
}

function versionRoutes(app: Hono<FakeCpoEnv>, p: Peer): void {
  app.get('/ocpi/versions', (c) => {
    if (!p.authorize(c, 'versions')) return unauthorized(p, c);
    const list = p.versions.map((version) => ({ version, url: `${p.baseOf(c)}/ocpi/${version}/details` }));
    return p.send(c, success(p.opts.versionsShape === 'versions-object' ? { versions: list } : list));
  });

  app.get('/ocpi/:version/details', (c) => {
    const version = p.offered(c);
    if (!version) return unknownVersion(p, c);
    if (!p.authorize(c, 'versions', version)) return unauthorized(p, c);
    const base = `${p.baseOf(c)}/ocpi/${version}`;
    // Role per interface exists from 2.2 on; on credentials it means nothing, SENDER by convention.
    const role = version === '2.1.1' ? {} : { role: 'SENDER' };
    const endpoints = [
      ...(p.opts.extraEndpoints ?? []),
      ...['credentials', 'locations', 'tariffs'].map((identifier) => ({
        identifier,
        ...role,
        url: `${base}/${identifier}`,
      })),
    ];
    return p.send(c, success({ version, endpoints }));
  });
}

function credentialsHandler(p: Peer) {
  return async (c: Context<FakeCpoEnv>) => {
    const version = p.offered(c);
    if (!version) return unknownVersion(p, c);
    const who = p.authorize(c, 'versions', version);
    if (!who) return unauthorized(p, c);
    let body: unknown;
    if (c.req.method === 'POST' || c.req.method === 'PUT') {
      try {
        body = await c.req.json();
      } catch {
        return p.send(c, failure(400, 2000, 'Body is not JSON'));
      }
    }
    const request = {
      method: c.req.method,
      version,
      who,
      body,
      versionsUrl: `${p.baseOf(c)}/ocpi/versions`,
      party: p.party,
      callbackClient: p.callbackClient,
    };
    return p.send(c, await handleCredentials(request, p.state));
  };
}

function listHandler(p: Peer, module: ListModule) {
  return async (c: Context<FakeCpoEnv>) => {
    const version = p.offered(c);
    if (!version) return unknownVersion(p, c);
    if (!p.authorize(c, 'module', version)) return unauthorized(p, c);
    const query = c.req.query();
    const paging = readPaging(query, p.pageSize, version);
    if (typeof paging === 'string') return p.send(c, failure(200, 2001, paging));

    const pageNo = Math.floor(paging.offset / paging.limit) + 1;
    const { opts, faultOptions } = p;
    const fault = opts.fault && (faultOptions.module ?? 'locations') === module ? opts.fault : undefined;
    const hits = fault !== undefined && pageNo === (faultOptions.page ?? 2);
    const hitCount = hits ? countHit(p.state.faultHits, `${module}:${pageNo}`) : 0;
    const interrupted = hits ? await interruption(fault, hitCount, faultOptions, c.req.raw.signal) : null;
    if (interrupted?.status === 401) return unauthorized(p, c);
    if (interrupted)
      return c.text(
        interrupted.status === 500 ? 'Internal Server Error' : 'Service Unavailable',
        interrupted.status,
        interrupted.headers,
      );
    const base = `${p.baseOf(c)}/ocpi/${version}/${module}`;
    const live = module === 'locations' && p.opts.locationAt ? crawlClock(p, query) : null;
    if (typeof live === 'string') return p.send(c, failure(200, 2001, live));
    const list = live ? p.state.locations.map((l) => p.opts.locationAt!(l, live.at)) : p.state[module];
    return servePage(
      c,
      p,
      planPage(list, paging, base, live?.linkQuery ?? query),
      hits ? fault : undefined,
      fault,
    );
  };
}

/**
 * The time a crawl of live locations (`locationAt`) is served as of: the first page's clock, which
 * its Link carries to the next pages as AS_OF_PARAM. Rebuilt at each page's own clock, a location
 * entering the date_from window mid-crawl shifted every later offset by one: the location at the
 * page boundary came twice and the one that entered not at all until the next pull (review of
 * session 16, item 5). One clock per crawl makes every page a cut of one list, as the spec's paging
 * assumes (digest §3); what changes after it has a later last_updated, so the next pull's date_from
 * (the previous start, minus an overlap) takes it.
 */
function crawlClock(
  p: Peer,
  query: Record<string, string>,
): { at: Date; linkQuery: Record<string, string> } | string {
  const asOf = query[AS_OF_PARAM];
  if (asOf === undefined) {
    const at = p.now();
    return { at, linkQuery: { ...query, [AS_OF_PARAM]: at.toISOString() } };
  }
  const ms = parseOcpiDateTime(asOf);
  return ms === null ? `${AS_OF_PARAM}: an OCPI DateTime` : { at: new Date(ms), linkQuery: query };
}

/** The page as the CPO would serve it without faults. */
function planPage(all: unknown[], paging: Paging, base: string, query: Record<string, string>): PagePlan {
  const { offset, limit } = paging;
  const matching = all.filter((item) => paging.window(item));
  const urlAt = (at: number, extra: Record<string, string> = {}) =>
    pageLink(base, query, { offset: String(at), limit: String(limit), ...extra });
  return {
    items: matching.slice(offset, offset + limit),
    total: matching.length,
    next: offset + limit < matching.length ? urlAt(offset + limit) : null,
    offset,
    limit,
    urlAt,
    matching,
    resumed: query[RESUME_PARAM] === '1',
  };
}

/** `hit`: the fault acting on this very page; `fault`: the one configured for this module. */
function servePage(
  c: Context,
  p: Peer,
  planned: PagePlan,
  hit: FaultMode | undefined,
  fault: FaultMode | undefined,
) {
  const hits = hit !== undefined;
  const plan = fault ? shapePage(fault, planned, hits, p.faultOptions) : planned;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-Total-Count': String(plan.total),
    'X-Limit': String(p.pageSize),
  };
  if (plan.next && (p.opts.linkHeader ?? true)) headers.Link = `<${plan.next}>; rel="next"`;
  const reply = hit === 'wrong-envelope' ? failure(200, 3000, 'Generic server error') : success(plan.items);
  const text = renderBody(fault, bodyText(reply, p.now(), p.opts.envelope ?? true), hits);
  if (hit === 'slow-drip') {
    const { chunkBytes, chunkDelayMs } = p.faultOptions;
    return c.body(drip(text, chunkBytes ?? 256, chunkDelayMs ?? 10), 200, headers);
  }
  return c.body(text, 200, headers);
}

function objectHandler(p: Peer) {
  return (c: Context<FakeCpoEnv, typeof OBJECT_PATH>) => {
    const version = p.offered(c);
    if (!version) return unknownVersion(p, c);
    if (!p.authorize(c, 'module', version)) return unauthorized(p, c);
    const same = (a: unknown, b: string) =>
      typeof a === 'string' && (version === '2.1.1' ? a === b : a.toLowerCase() === b.toLowerCase());
    const { id, evse, connector } = c.req.param();
    const held = p.state.locations.find((l) => same((l as { id?: unknown }).id, id));
    const location = held && p.opts.locationAt ? p.opts.locationAt(held, p.now()) : held;
    const evseObject = evse
      ? listOf(location, 'evses').find((e) => same((e as { uid?: unknown }).uid, evse))
      : location;
    const found = connector
      ? listOf(evseObject, 'connectors').find((k) => same((k as { id?: unknown }).id, connector))
      : evseObject;
    if (!found) return p.send(c, failure(404, 2003, 'Unknown location'));
    return p.send(c, success(found));
  };
}

function acceptedEncodings(
  configured: FakeCpoOptions['tokenEncoding'],
  versions: OcpiVersion[],
): TokenEncoding[] {
  if (configured === 'either') return ['base64', 'raw'];
  if (configured) return [configured];
  return [...new Set(versions.map(defaultTokenEncoding))];
}

/** The scheme is case-insensitive (RFC 9110 §11.1); the credentials are not. */
function sameAuthorization(header: string, expected: string): boolean {
  const [scheme, ...rest] = header.trim().split(/\s+/);
  const [expectedScheme, expectedValue] = expected.split(' ');
  return scheme?.toLowerCase() === expectedScheme?.toLowerCase() && rest.join(' ') === expectedValue;
}

interface Paging {
  offset: number;
  limit: number;
  window: (item: unknown) => boolean;
}

/** offset/limit (limit capped at the page size, digest §3) and the last_updated window. */
function readPaging(query: Record<string, string>, pageSize: number, version: OcpiVersion): Paging | string {
  const offset = query.offset === undefined ? 0 : wholeNumber(query.offset);
  const asked = query.limit === undefined ? pageSize : wholeNumber(query.limit);
  if (offset === null) return 'offset: a whole number';
  if (asked === null || asked < 1) return 'limit: a positive whole number';
  const from = query.date_from === undefined ? null : parseOcpiDateTime(query.date_from);
  const to = query.date_to === undefined ? null : parseOcpiDateTime(query.date_to);
  if (query.date_from !== undefined && from === null) return 'date_from: an OCPI DateTime';
  if (query.date_to !== undefined && to === null) return 'date_to: an OCPI DateTime';
  // 2.2+: date_from inclusive, date_to exclusive; 2.1.1 only says "after" and "before".
  const fromInclusive = version !== '2.1.1';
  const window = (item: unknown) => {
    if (from === null && to === null) return true;
    const lastUpdated = (item as { last_updated?: unknown } | null)?.last_updated;
    const at = typeof lastUpdated === 'string' ? parseOcpiDateTime(lastUpdated) : null;
    if (at === null) return false;
    if (from !== null && (fromInclusive ? at < from : at <= from)) return false;
    return to === null || at < to;
  };
  return { offset, limit: Math.min(asked, pageSize), window };
}

function wholeNumber(text: string): number | null {
  return /^\d+$/.test(text) ? Number(text) : null;
}

/** The next link keeps the original filters (digest §3) and carries the capped limit. */
function pageLink(base: string, query: Record<string, string>, paging: Record<string, string>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (name !== 'offset' && name !== 'limit' && !(name in paging)) params.set(name, value);
  }
  for (const [name, value] of Object.entries(paging)) params.set(name, value);
  return `${base}?${params}`;
}

function countHit(hits: Map<string, number>, key: string): number {
  const count = (hits.get(key) ?? 0) + 1;
  hits.set(key, count);
  return count;
}

function listOf(parent: unknown, field: 'evses' | 'connectors'): unknown[] {
  const list = (parent as Record<string, unknown> | undefined)?.[field];
  return Array.isArray(list) ? list : [];
}
