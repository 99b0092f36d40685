// The part of an items filter the database can apply: conditions implied by the CQL2 tree (datetime
// included), as a /v1 location filter, so the scan reads only candidate rows instead of every row
// of the box. It is a necessary condition, never the decision: the compiled predicate still decides
// on each built feature, so a pushed condition may let extra rows through but must never drop a
// match. Only top-level AND conjuncts are looked at, and only these:
//
// - last_updated compared with an instant (=, <, <=, >, >=, BETWEEN): a site's last_updated is the
//   newest of its published locations', so a bound on it holds for at least one of them;
// - max_power_kw >=, >, = or BETWEEN a number: features round to 0.1 kW, so the row's strongest
//   connector is at least the bound minus 50 W;
// - country = or IN strings, on locations only (a site's country is resolved by dedupe from its
//   records, which need not be a published location's column);
// - LIKE on the locations' text properties served as stored (not `name`, which falls back to the
//   address; not on sites, whose values dedupe resolves), with its `\` escapes as SQL's ESCAPE.
import type { LikeColumn, LocationFilter } from '../../db/queries/locations.js';
import type { CompOp, Cql2, Scalar } from './cql2-parse.js';

const FLIP: Record<CompOp, CompOp> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const SECOND = 1000;
const DAY = 86_400_000;

const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** The instant's earliest and latest reading, to the second (a DATE covers its whole day). */
function instantSpan(s: Scalar): [number, number] | null {
  if (s.kind !== 'instant') return null;
  // The parser gives a DATE as its midnight; the span still covers the whole day, to be safe.
  const ms = Date.parse(s.value);
  if (!Number.isFinite(ms)) return null;
  const end = s.form === 'DATE' ? ms + DAY : Math.ceil(ms / SECOND) * SECOND;
  return [Math.floor(ms / SECOND) * SECOND, end];
}

interface Bounds {
  updatedFrom?: number;
  updatedTo?: number;
  minKw?: number;
  countries?: string[];
  likes?: { column: LikeColumn; pattern: string }[];
}

/** A locations feature's property and the column it is served from unchanged (location-features.ts). */
const LIKE_COLUMNS: Record<string, LikeColumn> = {
  address: 'address',
  city: 'city',
  postal_code: 'postal_code',
  operator: 'operator_name',
  source_location_id: 'ocpi_id',
  source: 'source_id',
};

function addBound(b: Bounds, name: string, cmp: CompOp, value: Scalar): void {
  if (name === 'last_updated') {
    const span = instantSpan(value);
    if (!span) return;
    if (cmp === '>' || cmp === '>=' || cmp === '=')
      b.updatedFrom = Math.max(b.updatedFrom ?? -Infinity, span[0]);
    if (cmp === '<' || cmp === '<=' || cmp === '=') b.updatedTo = Math.min(b.updatedTo ?? Infinity, span[1]);
  } else if (name === 'max_power_kw' && value.kind === 'number') {
    if (cmp === '>' || cmp === '>=' || cmp === '=') b.minKw = Math.max(b.minKw ?? -Infinity, value.value);
  } else if (name === 'country' && value.kind === 'string' && cmp === '=') {
    b.countries ??= [value.value];
  }
}

function conjuncts(node: Cql2): Cql2[] {
  return node.op === 'and' ? node.args.flatMap(conjuncts) : [node];
}

function collect(node: Cql2, b: Bounds): void {
  if (node.op === 'compare') {
    if (node.left.kind === 'property') addBound(b, node.left.name, node.cmp, node.right);
    else if (node.right.kind === 'property') addBound(b, node.right.name, FLIP[node.cmp], node.left);
  } else if (node.op === 'between' && node.subject.kind === 'property') {
    addBound(b, node.subject.name, '>=', node.low);
    addBound(b, node.subject.name, '<=', node.high);
  } else if (node.op === 'like' && !node.caseInsensitive && node.subject.kind === 'property') {
    // Not ILIKE: SQLite folds ASCII case only, so 'é%' would lose 'École'.
    const column = LIKE_COLUMNS[node.subject.name];
    if (column) b.likes = [...(b.likes ?? []), { column, pattern: node.pattern }];
  } else if (node.op === 'in' && node.subject.kind === 'property' && node.subject.name === 'country') {
    const values = node.list.map((s) => (s.kind === 'string' ? s.value : null));
    if (values.every((v) => v !== null)) b.countries ??= values as string[];
  }
}

/** The database's share of the filter (an empty object when nothing can be pushed). */
export function pushdownFilter(tree: Cql2 | null, collection: 'sites' | 'locations'): LocationFilter {
  if (!tree) return {};
  const b: Bounds = {};
  for (const c of conjuncts(tree)) collect(c, b);
  const f: LocationFilter = {};
  if (b.updatedFrom !== undefined) f.updatedSince = iso(b.updatedFrom);
  if (b.updatedTo !== undefined) f.updatedUntil = iso(b.updatedTo);
  if (b.minKw !== undefined) f.rowMaxPowerAtLeastW = Math.floor(b.minKw * 1000 - 50);
  if (b.countries && collection === 'locations') {
    f.countries = b.countries.map((c) => ({ alpha3: c.toUpperCase(), alpha2: null }));
  }
  if (b.likes && collection === 'locations') f.likes = b.likes;
  return f;
}
