// The query of /ogc/collections/{id}/items: bbox, limit, datetime, property filters on the
// queryables and a CQL2 text filter, all folded into one checked CQL2 tree, and the paging cursor.

import type { LocationFilter } from '../../db/queries/locations.js';
import type { Bbox } from '../../model/geo.js';
import { iso } from '../../model/iso-time.js';
import { ApiError } from '../errors.js';
import { bboxParam } from '../params.js';
import { dateTimeParam } from '../query-params.js';
import { compileCql2, impliedBox, type Predicate, type Queryables } from './cql2-eval.js';
import { type Cql2, Cql2Error, parseCql2, type Scalar } from './cql2-parse.js';
import { pushdownFilter } from './pushdown.js';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';

/** Parameters every items request may carry; the queryables' names are accepted besides. */
export const ITEMS_PARAMETERS = [
  'f',
  'bbox',
  'bbox-crs',
  'limit',
  'datetime',
  'filter',
  'filter-lang',
  'filter-crs',
  'cursor',
] as const;

export interface ItemCursor {
  dir: 'after' | 'before';
  k: string;
  /**
   * How many matches come before the cursor's place (after: up to and including k; before: before
   * k), counted along the pages followed, so the last page knows the total (numberMatched).
   */
  n?: number;
}

export interface ItemsQuery {
  /** Where the database reads: the bbox parameter, else a box the filter implies. */
  box?: Bbox;
  limit: number;
  cursor?: ItemCursor;
  /** Every condition (filter, datetime, property filters); absent when there is none. */
  match?: Predicate;
  /** What the database can apply of them (pushdown.ts): narrows the scan, `match` decides. */
  prefilter: LocationFilter;
}

const bad = (name: string, message: string) => new ApiError(400, 'invalid_parameter', `${name}: ${message}`);

export function encodeItemCursor(c: ItemCursor): string {
  const fields = [c.dir === 'after' ? 'a' : 'b', c.k, ...(c.n === undefined ? [] : [c.n])];
  return btoa(JSON.stringify(fields)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function decodeItemCursor(s: string): ItemCursor {
  try {
    if (s.length > 400 || !/^[A-Za-z0-9_-]+$/.test(s)) throw new Error('bad');
    const v = JSON.parse(atob(s.replaceAll('-', '+').replaceAll('_', '/'))) as unknown;
    if (!Array.isArray(v) || (v[0] !== 'a' && v[0] !== 'b') || typeof v[1] !== 'string' || !v[1]) {
      throw new Error('bad');
    }
    // A cursor without a count (given out before numberMatched was) pages as well, uncounted.
    if (v.length > 3 || (v.length === 3 && !(Number.isSafeInteger(v[2]) && v[2] >= 0)))
      throw new Error('bad');
    const dir = v[0] === 'a' ? 'after' : 'before';
    return v.length === 3 ? { dir, k: v[1], n: v[2] as number } : { dir, k: v[1] };
  } catch {
    throw bad('cursor', 'not a cursor of this API (follow the next and prev links as given)');
  }
}

function parseLimit(s: string | undefined): number {
  if (s == null) return DEFAULT_LIMIT;
  const n = /^\d+$/.test(s) ? Number(s) : Number.NaN;
  if (!Number.isInteger(n) || n < 1) throw bad('limit', `must be a whole number from 1 to ${MAX_LIMIT}`);
  // OGC API - Features /req/core/fc-limit-response-1: a larger limit is served as the maximum.
  return Math.min(n, MAX_LIMIT);
}

function instantOf(s: string, what: string): string {
  const parsed = dateTimeParam.safeParse(s);
  if (!parsed.success) throw bad('datetime', `${what} ${JSON.stringify(s)} is not an RFC 3339 date-time`);
  return parsed.data;
}

const SECOND = 1000;
const DAY = 86_400_000;

/**
 * What one side of `datetime` covers, as [first, last] ms: a date-time its instant (to the
 * millisecond: `…00.5Z` lies between two stored seconds), a date alone its whole day, as a date is
 * a day long in OGC API's temporal model (`2026-01-01/2026-01-31` holds what changed on the 31st).
 */
function spanOf(s: string, what: string): [number, number] {
  const second = Date.parse(instantOf(s, what));
  if (/^\d{4}-\d{2}-\d{2}$/.test(s.trim())) return [second, second + DAY - 1];
  const fraction = /T?\d{2}:\d{2}:\d{2}(\.\d+)/.exec(s)?.[1];
  const at = second + (fraction ? Number(fraction) * SECOND : 0);
  return [at, at];
}

/**
 * datetime on last_updated: an instant, or an interval start/end where `..` or nothing is an open
 * end (OGC API - Features Part 1, /req/core/fc-time-definition). Features whose last_updated falls
 * in it are selected (/req/core/fc-time-response); an interval that ends before it starts selects
 * nothing by mistake, so it is refused, and equal ends are the one instant (or day) they name.
 */
function datetimeFilter(s: string): Cql2 {
  const at = 1;
  const prop: Scalar = { kind: 'property', name: 'last_updated', at };
  const instant = (ms: number): Scalar => ({ kind: 'instant', value: iso(ms), form: 'TIMESTAMP' });
  const cond = (cmp: '>=' | '<=', ms: number): Cql2 => ({
    op: 'compare',
    cmp,
    left: prop,
    right: instant(ms),
    at,
  });
  const parts = s.split('/');
  if (parts.length > 2) throw bad('datetime', 'an instant or an interval start/end');
  const open = (v: string) => parts.length === 2 && (v === '..' || v === '');
  const [from, to = from] = parts as [string, string?];
  if (open(from) && open(to)) throw bad('datetime', 'an interval needs a start or an end');
  const start = open(from) ? null : spanOf(from, parts.length === 1 ? 'instant' : 'start');
  const end = open(to) ? null : parts.length === 1 ? start : spanOf(to, 'end');
  if (start && end && start[0] > end[1]) {
    throw bad('datetime', `the end ${JSON.stringify(to)} is before the start ${JSON.stringify(from)}`);
  }
  // Stored instants are whole seconds: the first at or after the start, the last at or before the end.
  const conds: Cql2[] = [];
  if (start) conds.push(cond('>=', Math.ceil(start[0] / SECOND) * SECOND));
  if (end) conds.push(cond('<=', Math.floor(end[1] / SECOND) * SECOND));
  return conds.length === 1 ? conds[0]! : { op: 'and', args: conds };
}

/** `name=value` on a queryable: equality, with the value read as the queryable's type. */
function propertyFilter(name: string, value: string, q: Queryables): Cql2 {
  const def = q[name]!;
  const left: Scalar = { kind: 'property', name, at: 1 };
  let right: Scalar;
  if (def.type === 'integer' || def.type === 'number') {
    const n = value.trim() === '' ? Number.NaN : Number(value);
    if (!Number.isFinite(n) || (def.type === 'integer' && !Number.isInteger(n))) {
      throw bad(name, `must be ${def.type === 'integer' ? 'a whole number' : 'a number'}`);
    }
    right = { kind: 'number', value: n };
  } else if (def.type === 'date-time') {
    right = { kind: 'instant', value: instantOf(value, name), form: 'TIMESTAMP' };
  } else if (def.type === 'geometry') {
    throw bad(name, 'filter the geometry with bbox or S_INTERSECTS');
  } else {
    right = { kind: 'string', value };
  }
  return { op: 'compare', cmp: '=', left, right, at: 1 };
}

/**
 * GDAL 3.6 (SerializeDateTime in its OAPIF driver) writes a date alone as `2025-01-01T` and an hour
 * as `2025-01-01T10Z`: read them as that day's midnight and that hour.
 */
function gdalDateTime(s: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(?:(\d{2})Z)?$/.exec(s);
  return m ? `${m[1]}T${m[2] ?? '00'}:00:00Z` : s;
}

/**
 * The draft CQL text that GDAL 3.6 sends (`filter-lang=cql-text`) writes a date-time as a quoted
 * string: read such a string compared with a date-time queryable as a TIMESTAMP.
 */
function draftInstants(node: Cql2, q: Queryables): void {
  if (node.op === 'and' || node.op === 'or') for (const a of node.args) draftInstants(a, q);
  else if (node.op === 'not') draftInstants(node.arg, q);
  else if (node.op === 'compare') {
    const isInstantProp = (s: Scalar) => s.kind === 'property' && q[s.name]?.type === 'date-time';
    if (isInstantProp(node.left)) node.right = asInstant(node.right);
    if (isInstantProp(node.right)) node.left = asInstant(node.left);
  }
}

function asInstant(s: Scalar): Scalar {
  if (s.kind !== 'string') return s;
  const parsed = dateTimeParam.safeParse(gdalDateTime(s.value));
  return parsed.success ? { kind: 'instant', value: parsed.data, form: 'TIMESTAMP' } : s;
}

function cqlFilter(query: Record<string, string>, q: Queryables): Cql2 | null {
  const text = query.filter;
  const lang = query['filter-lang'] ?? 'cql2-text';
  if (lang !== 'cql2-text' && lang !== 'cql-text') throw bad('filter-lang', 'only cql2-text is supported');
  const crs = query['filter-crs'];
  if (crs != null && crs !== CRS84) throw bad('filter-crs', `only ${CRS84} is supported`);
  if (text == null) return null;
  try {
    const tree = parseCql2(text, { draft: lang === 'cql-text' });
    if (lang === 'cql-text') draftInstants(tree, q);
    compileCql2(tree, q);
    return tree;
  } catch (err) {
    if (err instanceof Cql2Error) throw new ApiError(400, 'invalid_filter', `filter: ${err.message}`);
    throw err;
  }
}

function parseBbox(query: Record<string, string>): Bbox | undefined {
  const crs = query['bbox-crs'];
  if (crs != null && crs !== CRS84) throw bad('bbox-crs', `only ${CRS84} is supported`);
  if (query.bbox == null) return undefined;
  const parsed = bboxParam.safeParse(query.bbox);
  if (!parsed.success) throw bad('bbox', parsed.error.issues[0]?.message ?? 'invalid');
  return parsed.data;
}

/** Validates every parameter (unknown ones are refused) and builds the page's query. */
export function parseItemsQuery(
  query: Record<string, string>,
  q: Queryables,
  collection: 'sites' | 'locations',
): ItemsQuery {
  const known = new Set<string>(ITEMS_PARAMETERS);
  for (const key of Object.keys(query)) {
    if (!known.has(key) && !q[key]) {
      throw new ApiError(
        400,
        'unknown_parameter',
        `${key}: unknown parameter (accepted: ${[...ITEMS_PARAMETERS, ...Object.keys(q).filter((k) => k !== 'geometry')].join(', ')})`,
      );
    }
  }
  const conds: Cql2[] = [];
  const filter = cqlFilter(query, q);
  if (filter) conds.push(filter);
  if (query.datetime != null) conds.push(datetimeFilter(query.datetime));
  for (const [key, value] of Object.entries(query)) if (q[key]) conds.push(propertyFilter(key, value, q));
  const tree: Cql2 | null =
    conds.length === 0 ? null : conds.length === 1 ? conds[0]! : { op: 'and', args: conds };
  const bbox = parseBbox(query);
  return {
    box: bbox ?? (tree ? (impliedBox(tree) ?? undefined) : undefined),
    limit: parseLimit(query.limit),
    cursor: query.cursor == null ? undefined : decodeItemCursor(query.cursor),
    // The bbox parameter is applied exactly by the database; the filter by the predicate.
    match: tree ? compileCql2(tree, q) : undefined,
    prefilter: pushdownFilter(tree, collection),
  };
}
