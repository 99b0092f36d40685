// Paging shared by /v1/sites and /v1/locations: keyset pages in id order, or in distance order for
// `near`, each with a `next` link that carries an opaque cursor (the last id, and its distance).

import type { z } from '@hono/zod-openapi';
import type { Context, TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import { type Bbox, distanceM, inBbox } from '../model/geo.js';
import { hash64 } from '../model/ids.js';
import type { AppEnv } from './deps.js';
import { GEOJSON } from './geojson-schemas.js';
import {
  boxAround,
  type Cursor,
  DEFAULT_RADIUS_M,
  encodeCursor,
  intersectBoxes,
  type SiteQueryParams,
} from './query-params.js';

export interface Page<T> {
  items: T[];
  /** Metres from `near`, by id (distance queries only). */
  distances?: Map<string, number>;
  next: Cursor | null;
}

type Positioned = { id: string; lat: number; lon: number };

/** Where to look for the candidates of a distance query; null when the box and the circle do not meet. */
export function nearSearchBox(q: SiteQueryParams): Bbox | null {
  const circle = boxAround(q.near!, q.radius ?? DEFAULT_RADIUS_M);
  if (!q.bbox) return circle;
  const both = intersectBoxes(circle, q.bbox);
  return both === 'complex' ? circle : both;
}

/** Sorts the candidates by distance (then id), keeps those in the circle and the box, and cuts a page. */
export function distancePage<T extends Positioned>(candidates: T[], q: SiteQueryParams): Page<T> {
  const radius = q.radius ?? DEFAULT_RADIUS_M;
  const scored: { item: T; d: number }[] = [];
  for (const item of candidates) {
    const near = q.near!;
    const d = distanceM(near.lat, near.lon, item.lat, item.lon);
    if (d <= radius && (!q.bbox || inBbox(q.bbox, item.lat, item.lon))) scored.push({ item, d });
  }
  scored.sort((a, b) => a.d - b.d || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0));
  const after = q.cursor;
  const start =
    after?.d == null
      ? 0
      : scored.findIndex((s) => s.d > after.d! || (s.d === after.d && s.item.id > after.k));
  const rest = start < 0 ? [] : scored.slice(start);
  const page = rest.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((s) => s.item),
    distances: new Map(page.map((s) => [s.item.id, Math.round(s.d * 10) / 10])),
    next: rest.length > q.limit && last ? { k: last.item.id, d: last.d } : null,
  };
}

/** A page from rows fetched with limit + 1 in id order. */
export function keysetPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > limit && last ? { k: last.id } : null };
}

function nextUrl(url: string, next: Cursor | null): string | null {
  if (!next) return null;
  const u = new URL(url);
  u.searchParams.set('cursor', encodeCursor(next));
  return u.toString();
}

/** The links of the page at `url` (its request URL), and the value of its Link header when a next page follows. */
function linksAt(url: string, next: Cursor | null) {
  const href = nextUrl(url, next);
  const links: { rel: string; href: string; type?: string }[] = [
    { rel: 'self', href: url, type: 'application/geo+json' },
  ];
  if (href) links.push({ rel: 'next', href, type: 'application/geo+json' });
  return { href, links, link: href ? `<${href}>; rel="next"` : null };
}

function pageLinks(c: Context, next: Cursor | null) {
  const { href, links, link } = linksAt(c.req.url, next);
  if (link) c.header('Link', link);
  return { href, links };
}

/** A FeatureCollection with its paging links, as the geo+json response (and a Link header). */
export function featureCollectionResponse<F>(c: Context, features: F[], next: Cursor | null) {
  const { href, links } = pageLinks(c, next);
  return c.json({ type: 'FeatureCollection' as const, features, next: href, links }, 200, {
    'Content-Type': GEOJSON,
  });
}

/**
 * The same FeatureCollection around features already serialized (the read model's stored bytes,
 * joined by commas): what goes before and after them, with the paging links (and the Link header).
 */
export function collectionFrame(c: Context, next: Cursor | null): { head: string; tail: string } {
  const { head, tail, link } = collectionFrameAt(c.req.url, next);
  if (link) c.header('Link', link);
  return { head, tail };
}

/**
 * collectionFrame of the page requested at `url` (as Hono's c.req.url gives it), without a request
 * context, and the Link header it sets (null: none): for pages rendered without the app (map-pages.ts).
 */
export function collectionFrameAt(
  url: string,
  next: Cursor | null,
): { head: string; tail: string; link: string | null } {
  const { href, links, link } = linksAt(url, next);
  return {
    head: '{"type":"FeatureCollection","features":[',
    tail: `],"next":${JSON.stringify(href)},"links":${JSON.stringify(links)}}`,
    link,
  };
}

/**
 * The ETag of a page of stored features (src/db/queries/site-features.ts siteFeaturesInBbox): a hash of its frame (links included) and of what
 * stands for its rows and their contents (`revision`, src/db/queries/site-features.ts), so it changes
 * whenever a feature of the page does, without hashing the body. Weak, like every body tag here
 * (middleware.ts): one tag for the identity, gzip and brotli forms. `p1` names this way of joining:
 * change it when the bytes around the stored features change.
 */
export function storedPageTag(frame: { head: string; tail: string }, revision: string): string {
  return `W/"${hash64(`p1|${frame.head}|${frame.tail}|${revision}`)}"`;
}

/**
 * A geo+json 200 from a body already rendered as bytes. The bytes are also handed to the HTTP layer
 * (context `renderedBody`), so it sends them as they are, without reading the Response back, and
 * hashes them for the ETag unless `etag` is given.
 *
 * Typed as the JSON of `schema`, the route's declared answer: the bytes are the read model's stored
 * features (rendered from that schema's view, test/db/site-features.test.ts compares them with a
 * fresh rendering), so this is the one place where a body the type checker cannot see is given its type.
 */
export function renderedGeoJson<S extends z.ZodType>(
  c: Context<AppEnv>,
  bytes: Uint8Array,
  _schema: S,
  etag?: string,
): TypedResponse<JSONParsed<z.output<S>>, 200, 'json'> {
  // Never a SharedArrayBuffer here: SQLite's BLOB copy or TextEncoder's output.
  const body = bytes as Uint8Array<ArrayBuffer>;
  c.set('renderedBody', body);
  const headers: Record<string, string> = { 'Content-Type': GEOJSON };
  if (etag) headers.ETag = etag;
  const res = c.body(body, 200, headers);
  return res as Response as Response & TypedResponse<JSONParsed<z.output<S>>, 200, 'json'>;
}
