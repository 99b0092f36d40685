// A map's page rendered without the app: an unfiltered /v1/sites page (bbox, limit, cursor: what
// a map asks on every pan) answered straight from the read model, with the bytes and headers the
// app gives it. The Node host's read worker renders every such request this way (read-worker.ts);
// any other request, or one this does not recognise exactly, goes through the app.
//
// Why (measured 2026-12-07 on 1M EVSEs, 1,000-site pages of moving boxes under the api bench's
// autocannon, per-thread CPU from /proc, interleaved with the app path): the worker's CPU per page
// 0.81-0.84 ms through the app -> 0.68-0.73 ms, the server's in all 1.18 -> 0.97-1.05 ms (V8's
// helper threads collect less), 1,005-1,012 -> 1,118-1,190 pages/s. Through the app the page paid
// a Request, Hono's dispatch, zod, the middleware's data version and headers, a Response, and
// their garbage. The main thread has already run the public API's HTTP behaviour for the request
// (CORS, limits, conditional requests, compression), and runs it over this answer as over the app's.
import { siteFeaturePieces } from '../db/queries/site-features.js';
import type { Db } from '../db/types.js';
import { collectionFrameAt, storedPageTag } from './feature-pages.js';
import { GEOJSON } from './geojson-schemas.js';
import { renderedOkHeaders } from './http/middleware.js';
import { filterOf, siteQuerySchema } from './query-params.js';

export interface MapPageAnswer {
  status: 200;
  /** Lower-case names, as a Response's headers iterate. */
  headers: Record<string, string>;
  /**
   * The body in pieces (the frame's head, the features, its tail), which the read worker copies
   * into its body pool one after the other: joined first, the features were copied once more.
   */
  pieces: Uint8Array[];
}

const PATH = '/v1/sites';

/**
 * The parameters a map's page may have, each at most once, in characters that Hono's query
 * parsing and URLSearchParams read alike (no `+`, and no escape but a comma's).
 */
const MAP_PAIR = /^(bbox|limit|cursor)=(?:[A-Za-z0-9.,_-]|%2C|%2c)*$/;

/** The query of a map's page at `url`, or null for anything else (the app answers those). */
function mapQuery(url: URL) {
  if (url.pathname !== PATH) return null;
  const pairs = url.search.length > 1 ? url.search.slice(1).split('&') : [];
  const seen = new Set<string>();
  for (const p of pairs) {
    if (!MAP_PAIR.test(p)) return null;
    const key = p.slice(0, p.indexOf('='));
    if (seen.has(key)) return null;
    seen.add(key);
  }
  // The route's own schema: a value it refuses is the app's 400, rendered by the app.
  const parsed = siteQuerySchema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) return null;
  const q = parsed.data;
  if (q.near || Object.values(filterOf(q)).some((v) => v !== undefined)) return null;
  return q;
}

/**
 * The app's answer to GET `url` (a full URL, as the app would see it) when it is a map's page
 * asked without validators and uncompressed, else null. `accept`: the request's Accept header (an
 * event-stream request is the app's: the HTTP behaviour treats it as live).
 */
export async function mapPageAnswer(
  db: Db,
  url: string,
  accept: string | null,
  now: Date,
): Promise<MapPageAnswer | null> {
  if (accept?.includes('text/event-stream')) return null;
  const u = new URL(url);
  const q = mapQuery(u);
  if (!q) return null;
  // The URL as Hono reads it (c.req.url: the Request's, normalised by the URL parser).
  const href = u.href;
  let link: string | null = null;
  const page = await siteFeaturePieces(db, { bbox: q.bbox, after: q.cursor?.k, limit: q.limit }, (after) => {
    const f = collectionFrameAt(href, after ? { k: after } : null);
    link = f.link;
    return { head: f.head, tail: f.tail };
  });
  const headers = await renderedOkHeaders(db, now, PATH);
  headers['content-type'] = GEOJSON;
  headers.etag = storedPageTag(page.frame, page.revision);
  if (link) headers.link = link;
  return { status: 200, headers, pieces: page.pieces };
}
