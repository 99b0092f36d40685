// A CPO test peer speaking OCPI 2.1.1 / 2.2 / 2.2.1 / 2.3.0 over plain Hono (no Node APIs, so it
// also runs in a Worker): versions, details, paginated locations and tariffs, single-location GET,
// the credentials handshake, and the faults real CPOs show (faults.ts). Used by the demo source,
// the tests and `npm run fake-cpo`.
import { type Context, Hono } from 'hono';
import type { OcpiVersion } from '../model/types.js';
import { authorizationHeader, defaultTokenEncoding, type TokenEncoding } from '../ocpi/client/auth.js';
import { parseOcpiDateTime } from '../ocpi/client/datetime.js';
import type { FetchLike } from '../ocpi/client/http.js';
import { createOcpiClient } from '../ocpi/client/index.js';
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

export function createFakeCpo(opts: FakeCpoOptions): FakeCpo {
  const versions = opts.versions ?? ['2.2.1'];
  const pageSize = opts.pageSize ?? 50;
  const party = opts.party ?? { countryCode: 'NL', partyId: 'DEM', name: 'Demo CPO' };
  const enveloped = opts.envelope ?? true;
  const now = opts.now ?? (() => new Date());
  const faultOptions = opts.faultOptions ?? {};
  const state: FakeState = {
    locations: opts.locations,
    tariffs: opts.tariffs ?? [],
    tokenC: opts.token ?? (opts.registration ? null : 'fake-cpo-token'),
    tokenA: opts.registration?.tokenA ?? null,
    peer: null,
    faultHits: new Map(),
  };
  const callbackClient = createOcpiClient({ fetch: opts.fetch, retries: 0, timeoutMs: 10_000 });
  const requests: RequestRecord[] = [];
  const app = new Hono<FakeCpoEnv>();

  const baseOf = (c: Context) => (opts.baseUrl ?? new URL(c.req.url).origin).replace(/\/$/, '');
  const send = (c: Context, reply: OcpiReply, headers: Record<string, string> = {}) =>
    c.body(bodyText(reply, now(), enveloped), reply.status as 200, {
      'Content-Type': 'application/json',
      ...headers,
    });
  const offered = (c: Context): OcpiVersion | null =>
    versions.find((v) => v === c.req.param('version')) ?? null;

  /** Digest §2: token A opens only versions, details and credentials; anything else wants C. */
  const authorize = (c: Context<FakeCpoEnv>, scope: 'versions' | 'module', version?: OcpiVersion) => {
    const header = c.req.header('authorization') ?? '';
    const encodings = acceptedEncodings(opts.tokenEncoding, version ? [version] : versions);
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
  };
  const unauthorized = (c: Context) => send(c, failure(401, 2000, 'Invalid or missing token'));
  const unknownVersion = (c: Context) => send(c, failure(404, 3002, 'Unsupported version'));

  app.use(async (c, next) => {
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
  });

  app.get('/ocpi/versions', (c) => {
    if (!authorize(c, 'versions')) return unauthorized(c);
    const list = versions.map((version) => ({ version, url: `${baseOf(c)}/ocpi/${version}/details` }));
    return send(c, success(opts.versionsShape === 'versions-object' ? { versions: list } : list));
  });

  app.get('/ocpi/:version/details', (c) => {
    const version = offered(c);
    if (!version) return unknownVersion(c);
    if (!authorize(c, 'versions', version)) return unauthorized(c);
    const base = `${baseOf(c)}/ocpi/${version}`;
    // Role per interface exists from 2.2 on; on credentials it means nothing, SENDER by convention.
    const role = version === '2.1.1' ? {} : { role: 'SENDER' };
    const endpoints = [
      ...(opts.extraEndpoints ?? []),
      ...['credentials', 'locations', 'tariffs'].map((identifier) => ({
        identifier,
        ...role,
        url: `${base}/${identifier}`,
      })),
    ];
    return send(c, success({ version, endpoints }));
  });

  app.on(['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], '/ocpi/:version/credentials', async (c) => {
    const version = offered(c);
    if (!version) return unknownVersion(c);
    const who = authorize(c, 'versions', version);
    if (!who) return unauthorized(c);
    let body: unknown;
    if (c.req.method === 'POST' || c.req.method === 'PUT') {
      try {
        body = await c.req.json();
      } catch {
        return send(c, failure(400, 2000, 'Body is not JSON'));
      }
    }
    const request = {
      method: c.req.method,
      version,
      who,
      body,
      versionsUrl: `${baseOf(c)}/ocpi/versions`,
      party,
      callbackClient,
    };
    return send(c, await handleCredentials(request, state));
  });

  const list = (module: ListModule) => async (c: Context<FakeCpoEnv>) => {
    const version = offered(c);
    if (!version) return unknownVersion(c);
    if (!authorize(c, 'module', version)) return unauthorized(c);
    const query = c.req.query();
    const paging = readPaging(query, pageSize, version);
    if (typeof paging === 'string') return send(c, failure(200, 2001, paging));

    const { offset, limit } = paging;
    const matching = state[module].filter((item) => paging.window(item));
    const pageNo = Math.floor(offset / limit) + 1;
    const fault = opts.fault && (faultOptions.module ?? 'locations') === module ? opts.fault : undefined;
    const hits = fault !== undefined && pageNo === (faultOptions.page ?? 2);
    const hitCount = hits ? countHit(state.faultHits, `${module}:${pageNo}`) : 0;

    const interrupted = hits ? await interruption(fault, hitCount, faultOptions, c.req.raw.signal) : null;
    if (interrupted?.status === 401) return unauthorized(c);
    if (interrupted)
      return c.text(
        interrupted.status === 500 ? 'Internal Server Error' : 'Service Unavailable',
        interrupted.status,
        interrupted.headers,
      );

    const urlAt = (at: number, extra: Record<string, string> = {}) =>
      pageLink(`${baseOf(c)}/ocpi/${version}/${module}`, query, {
        offset: String(at),
        limit: String(limit),
        ...extra,
      });
    let plan: PagePlan = {
      items: matching.slice(offset, offset + limit),
      total: matching.length,
      next: offset + limit < matching.length ? urlAt(offset + limit) : null,
      offset,
      limit,
      urlAt,
      matching,
      resumed: query[RESUME_PARAM] === '1',
    };
    if (fault) plan = shapePage(fault, plan, hits, faultOptions);

    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-Total-Count': String(plan.total),
      'X-Limit': String(pageSize),
    };
    if (plan.next && (opts.linkHeader ?? true)) headers.Link = `<${plan.next}>; rel="next"`;
    const reply =
      hits && fault === 'wrong-envelope' ? failure(200, 3000, 'Generic server error') : success(plan.items);
    const text = renderBody(fault, bodyText(reply, now(), enveloped), hits);
    if (hits && fault === 'slow-drip') {
      return c.body(
        drip(text, faultOptions.chunkBytes ?? 256, faultOptions.chunkDelayMs ?? 10),
        200,
        headers,
      );
    }
    return c.body(text, 200, headers);
  };
  app.get('/ocpi/:version/locations', list('locations'));
  app.get('/ocpi/:version/tariffs', list('tariffs'));

  // Digest §1: GET {locations}/{location_id}[/{evse_uid}[/{connector_id}]].
  app.get('/ocpi/:version/locations/:id/:evse?/:connector?', (c) => {
    const version = offered(c);
    if (!version) return unknownVersion(c);
    if (!authorize(c, 'module', version)) return unauthorized(c);
    const same = (a: unknown, b: string) =>
      typeof a === 'string' && (version === '2.1.1' ? a === b : a.toLowerCase() === b.toLowerCase());
    const { id, evse, connector } = c.req.param();
    const location = state.locations.find((l) => same((l as { id?: unknown }).id, id));
    const evseObject = evse
      ? listOf(location, 'evses').find((e) => same((e as { uid?: unknown }).uid, evse))
      : location;
    const found = connector
      ? listOf(evseObject, 'connectors').find((k) => same((k as { id?: unknown }).id, connector))
      : evseObject;
    if (!found) return send(c, failure(404, 2003, 'Unknown location'));
    return send(c, success(found));
  });

  app.notFound((c) => send(c, failure(404, 2000, 'Unknown resource')));

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
