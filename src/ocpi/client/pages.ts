// Paginated GET of a CPO's locations or tariffs (digest §3), one page at a time: the caller
// processes a page before the next is requested, so a feed is never held in memory whole.
import type { OcpiVersion } from '../../model/types.js';
import type { TokenEncoding } from './auth.js';
import { formatOcpiDateTime } from './datetime.js';
import { OcpiBodyError, OcpiPaginationError } from './errors.js';
import { type OcpiClient, ocpiFetch } from './http.js';
import { nextLinkTarget } from './link-header.js';
import { ocpiData } from './ocpi-data.js';
import { safeUrl } from './safe-url.js';

/** Enough for 1M objects at a cap of 100; past it a feed is broken, not big. */
export const DEFAULT_MAX_PAGES = 10_000;

export interface PullPagesOptions {
  token: string;
  tokenEncoding: TokenEncoding;
  version: OcpiVersion;
  /** Only objects with last_updated >= dateFrom (2.2+; "after" in 2.1.1). */
  dateFrom?: Date | string;
  /** Only objects with last_updated < dateTo. */
  dateTo?: Date | string;
  /** Page size we ask for; the server may cap it (X-Limit). */
  limit?: number;
  maxPages?: number;
  correlationId?: string;
  signal?: AbortSignal;
}

export interface OcpiPage {
  items: unknown[];
  /** The URL this page came from, with credentials removed. */
  url: string;
  /** X-Total-Count: matches for the filters, all pages together; null when not sent. */
  totalCount: number | null;
  /** X-Limit: the server's page cap; null when not sent. */
  xLimit: number | null;
}

/** One fetched page and the target of its Link rel="next" (absolute), for stepwise crawls. */
export interface FetchedPage extends OcpiPage {
  link: string | null;
}

export type PageRequest = Pick<
  PullPagesOptions,
  'token' | 'tokenEncoding' | 'version' | 'correlationId' | 'signal'
>;

export async function* pullPages(
  moduleUrl: string,
  options: PullPagesOptions,
  client: OcpiClient,
): AsyncGenerator<OcpiPage> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const request = { ...options, correlationId: options.correlationId ?? crypto.randomUUID() };
  let url: string | null = firstPageUrl(moduleUrl, options);
  let visited = new Set<string>();
  let lastTotal: number | null = null;

  for (let fetched = 0; url; fetched++) {
    const where = safeUrl(url, options.token);
    guardNextPage(where, visited.has(visitKey(url)), fetched, maxPages);
    visited.add(visitKey(url));
    const page = await fetchPage(url, request, client);
    const { link: _, ...yielded } = page;
    yield yielded;

    const step = nextPageUrl(url, page, lastTotal, options.limit);
    if (page.totalCount !== null) lastTotal = page.totalCount;
    // A rewind revisits offsets on purpose; loops are judged afresh from there on.
    if (step.rewound) visited = new Set();
    url = step.next;
  }
}

/**
 * The two guards of every crawl, pulled whole or step by step: a page requested twice (the CPO's
 * next links loop) and one page past the limit both stop it, naming the page that was next.
 */
export function guardNextPage(where: string, seenBefore: boolean, fetched: number, maxPages: number): void {
  if (seenBefore) {
    throw new OcpiPaginationError(
      `${where} was requested twice in one crawl: the CPO's next links loop`,
      'loop',
      {
        url: where,
        retryable: false,
      },
    );
  }
  if (fetched >= maxPages) {
    throw new OcpiPaginationError(`stopped after ${maxPages} pages; next was ${where}`, 'max-pages', {
      url: where,
      retryable: false,
    });
  }
}

export async function fetchPage(url: string, request: PageRequest, client: OcpiClient): Promise<FetchedPage> {
  const { token, tokenEncoding, version, correlationId, signal } = request;
  const reply = await ocpiFetch(url, { token, tokenEncoding, version, correlationId, signal }, client);
  const where = safeUrl(url, token);
  const items = ocpiData(reply.body, where, token);
  if (!Array.isArray(items)) {
    throw new OcpiBodyError(
      `${where} sent ${shapeOf(items)} where a list of objects was expected`,
      'unexpected-shape',
      {
        url: where,
        retryable: false,
      },
    );
  }
  const link = nextLinkTarget(reply.headers.get('link'));
  return {
    items,
    url: where,
    totalCount: countHeader(reply.headers, 'x-total-count'),
    xLimit: countHeader(reply.headers, 'x-limit'),
    link: link === null ? null : absoluteUrl(link, url, where),
  };
}

export function firstPageUrl(
  moduleUrl: string,
  options: { limit?: number; dateFrom?: Date | string | null; dateTo?: Date | string | null },
): string {
  const params: Record<string, string> = { offset: '0' };
  if (options.limit !== undefined) params.limit = String(options.limit);
  if (options.dateFrom) params.date_from = formatOcpiDateTime(options.dateFrom);
  if (options.dateTo) params.date_to = formatOcpiDateTime(options.dateTo);
  return withParams(moduleUrl, params);
}

/**
 * Where to go after `page` (fetched from `url`): a rewind when X-Total-Count shrank mid-crawl,
 * else the Link, else the offset stepped by what arrived when only X-Total-Count is sent. `rewound`
 * tells the caller to forget the URLs it visited.
 */
export function nextPageUrl(
  url: string,
  page: Pick<FetchedPage, 'items' | 'totalCount' | 'xLimit' | 'link'>,
  previousTotal: number | null,
  limit: number | undefined,
): { next: string | null; rewound: boolean } {
  const rewind = rewindAfterShrink(url, previousTotal, page.totalCount);
  if (rewind) return { next: rewind, rewound: true };
  return { next: page.link ?? offsetFallbackUrl(url, page, limit), rewound: false };
}

/**
 * For CPOs that send X-Total-Count but no Link (common in 2.1.1 feeds): step the offset by what
 * arrived, honouring the X-Limit cap, until the total is reached or a page comes back empty (which
 * also ends a crawl of a CPO whose total is larger than what it holds).
 */
function offsetFallbackUrl(
  url: string,
  page: Pick<FetchedPage, 'items' | 'totalCount' | 'xLimit'>,
  limit: number | undefined,
): string | null {
  if (page.totalCount === null || page.items.length === 0) return null;
  const nextOffset = (numberParam(url, 'offset') ?? 0) + page.items.length;
  if (nextOffset >= page.totalCount) return null;
  const params: Record<string, string> = { offset: String(nextOffset) };
  const asked = numberParam(url, 'limit') ?? limit;
  if (page.xLimit !== null && (asked === undefined || asked > page.xLimit))
    params.limit = String(page.xLimit);
  return withParams(url, params);
}

/**
 * Digest §3: when X-Total-Count drops mid-crawl, objects were removed, and if they sat before our
 * offset every later object moved forward by as many places, so the next page would start past
 * objects we have not seen. Asking again from `offset - drop` picks those up; objects seen twice are
 * harmless because ingest upserts. (The digest says "offset-1"; that is the one-removal case.)
 * Opaque next links without an offset cannot be rewound and need no rewind: they are cursors.
 */
function rewindAfterShrink(url: string, before: number | null, now: number | null): string | null {
  if (before === null || now === null || now >= before) return null;
  const offset = numberParam(url, 'offset');
  if (offset === null || offset === 0) return null;
  return withParams(url, { offset: String(Math.max(0, offset - (before - now))) });
}

function withParams(url: string, params: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [name, value] of Object.entries(params)) parsed.searchParams.set(name, value);
  return parsed.href;
}

function numberParam(url: string, name: string): number | null {
  const value = new URL(url).searchParams.get(name);
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
}

/** Same resource whatever the parameter order, so a loop cannot hide behind a reshuffled query. */
export function visitKey(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.sort();
  return parsed.href;
}

/** Follow the Link target verbatim; only a relative one is resolved against the page's URL. */
function absoluteUrl(target: string, base: string, where: string): string {
  let resolved: URL;
  try {
    resolved = new URL(target, base);
  } catch {
    throw new OcpiBodyError(`${where} sent an unusable next link`, 'unexpected-shape', {
      url: where,
      retryable: false,
    });
  }
  return /^[a-z][a-z0-9+.-]*:/i.test(target) ? target : resolved.href;
}

function countHeader(headers: Headers, name: string): number | null {
  const value = headers.get(name)?.trim();
  return value && /^\d+$/.test(value) ? Number(value) : null;
}

function shapeOf(value: unknown): string {
  if (value === null || value === undefined) return 'no data';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}
