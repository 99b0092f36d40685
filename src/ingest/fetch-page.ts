// One page of a CPO's paginated list, and where the next one is: what a stepwise (Workers) sync
// needs, since it stores the next URL between invocations instead of holding a generator open.
//
// NOTE: src/ocpi/client/pages.ts has the same page fetch and next-URL rules, but only behind the
// pullPages() generator. Once it exports a single-page function and its next-URL logic, this file
// should delegate to them; the behaviour here deliberately mirrors theirs (digest §3).
import type { OcpiVersion } from '../model/types.js';
import type { TokenEncoding } from '../ocpi/client/auth.js';
import { formatOcpiDateTime } from '../ocpi/client/datetime.js';
import { OcpiBodyError } from '../ocpi/client/errors.js';
import { type OcpiClient, ocpiFetch } from '../ocpi/client/http.js';
import { nextLinkTarget } from '../ocpi/client/link-header.js';
import { ocpiData } from '../ocpi/client/ocpi-data.js';
import { safeUrl } from '../ocpi/client/safe-url.js';

export interface PageRequest {
  token: string;
  tokenEncoding: TokenEncoding;
  version: OcpiVersion;
  correlationId?: string;
  signal?: AbortSignal;
}

export interface FetchedPage {
  items: unknown[];
  /** The URL this page came from, with credentials removed (for logs). */
  where: string;
  /** X-Total-Count, or null when not sent. */
  totalCount: number | null;
  /** X-Limit, or null when not sent. */
  xLimit: number | null;
  /** Absolute target of the Link rel="next", or null. */
  link: string | null;
}

export function firstPageUrl(
  moduleUrl: string,
  options: { limit?: number; dateFrom?: string | null },
): string {
  const params: Record<string, string> = { offset: '0' };
  if (options.limit !== undefined) params.limit = String(options.limit);
  if (options.dateFrom) params.date_from = formatOcpiDateTime(options.dateFrom);
  return withParams(moduleUrl, params);
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
    where,
    totalCount: countHeader(reply.headers, 'x-total-count'),
    xLimit: countHeader(reply.headers, 'x-limit'),
    link: link === null ? null : absoluteUrl(link, url, where),
  };
}

/**
 * Where to go after `page` (fetched from `url`): a rewind when X-Total-Count shrank mid-crawl
 * (objects before our offset were removed, so later ones moved forward), else the Link, else the
 * offset stepped by what arrived when only X-Total-Count is sent. `rewound` tells the caller to
 * forget the URLs it visited, since a rewind revisits offsets on purpose.
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

function rewindAfterShrink(url: string, before: number | null, now: number | null): string | null {
  if (before === null || now === null || now >= before) return null;
  const offset = numberParam(url, 'offset');
  if (offset === null || offset === 0) return null;
  return withParams(url, { offset: String(Math.max(0, offset - (before - now))) });
}

/** Same resource whatever the parameter order, so a loop cannot hide behind a reshuffled query. */
export function visitKey(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.sort();
  return parsed.href;
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
