// CQL2 trees checked against a collection's queryables and compiled to a predicate over features.
// Comparisons follow SQL's three-valued logic: a comparison with a null value is unknown, NOT
// unknown is unknown, and only features for which the whole filter is true are returned.
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import type { Feature, MultiPolygon, Point, Polygon } from 'geojson';
import type { Bbox } from '../../model/geo.js';
import { type Cql2, Cql2Error, type GeometryLiteral, type Scalar } from './cql2-parse.js';
import { likeMatcher } from './like-matcher.js';

export type QueryableType = 'string' | 'integer' | 'number' | 'date-time' | 'geometry';

export type Queryables = Record<string, { type: QueryableType; title: string }>;

type Value = string | number | boolean | null;
type Truth = boolean | null;
export type Predicate = (f: Feature<Point>) => boolean;

/** The comparison family of a queryable type or literal: what it may be compared with. */
type Family = 'string' | 'number' | 'instant' | 'boolean';

const familyOfType = (t: QueryableType): Family | null =>
  t === 'string'
    ? 'string'
    : t === 'integer' || t === 'number'
      ? 'number'
      : t === 'date-time'
        ? 'instant'
        : null;

function familyOf(s: Scalar, q: Queryables): Family {
  if (s.kind !== 'property') return s.kind === 'instant' ? 'instant' : s.kind;
  const def = q[s.name];
  if (!def) {
    throw new Cql2Error(
      `unknown property ${JSON.stringify(s.name)} (queryables: ${Object.keys(q).join(', ')})`,
      s.at,
    );
  }
  const fam = familyOfType(def.type);
  if (!fam) throw new Cql2Error(`${s.name} is a geometry: use it in S_INTERSECTS`, s.at);
  return fam;
}

/** Both sides must be of one family (a date-time is compared with DATE() or TIMESTAMP() literals). */
function checkPair(a: Scalar, b: Scalar, q: Queryables, at: number): void {
  const fa = familyOf(a, q);
  const fb = familyOf(b, q);
  if (fa === fb) return;
  const name = (s: Scalar, f: Family) => (s.kind === 'property' ? `${s.name} (${f})` : `a ${f} literal`);
  throw new Cql2Error(`cannot compare ${name(a, fa)} with ${name(b, fb)}`, at);
}

/** Throws Cql2Error at the first property that is not a queryable or comparison of mismatched types. */
export function checkCql2(node: Cql2, q: Queryables): void {
  switch (node.op) {
    case 'and':
    case 'or':
      for (const a of node.args) checkCql2(a, q);
      return;
    case 'not':
      checkCql2(node.arg, q);
      return;
    case 'const':
      return;
    case 'compare':
      checkPair(node.left, node.right, q, node.at);
      return;
    case 'like':
      if (familyOf(node.subject, q) !== 'string') throw new Cql2Error('LIKE needs a string', node.at);
      return;
    case 'between':
      checkPair(node.subject, node.low, q, node.at);
      checkPair(node.subject, node.high, q, node.at);
      return;
    case 'in':
      for (const item of node.list) checkPair(node.subject, item, q, node.at);
      return;
    case 'isNull':
      if (node.subject.kind === 'property') familyOf(node.subject, q);
      return;
    case 's_intersects': {
      const def = q[node.property.name];
      if (def?.type !== 'geometry') {
        throw new Cql2Error(
          `S_INTERSECTS needs the geometry property (${Object.keys(q).find((k) => q[k]!.type === 'geometry')})`,
          node.property.at,
        );
      }
      checkGeometry(node.geometry, node.at);
      return;
    }
  }
}

function checkGeometry(g: GeometryLiteral, at: number): void {
  const coords =
    g.kind === 'point'
      ? [g.coordinates]
      : g.kind === 'bbox'
        ? [
            [g.box[0], g.box[1]],
            [g.box[2], g.box[3]],
          ]
        : g.kind === 'polygon'
          ? g.rings.flat()
          : g.polygons.flat(2);
  if (coords.some(([x, y]) => Math.abs(x!) > 180 || Math.abs(y!) > 90)) {
    throw new Cql2Error(
      'coordinates must be longitude within -180..180 and latitude within -90..90 (CRS84)',
      at,
    );
  }
  if (g.kind === 'bbox' && g.box[1] > g.box[3])
    throw new Cql2Error('BBOX minimum latitude above maximum', at);
}

function scalarValue(s: Scalar, f: Feature<Point>): Value {
  if (s.kind === 'property') {
    const v = (f.properties as Record<string, unknown>)[s.name];
    return v === undefined ? null : (v as Value);
  }
  return s.value;
}

/**
 * The values of a node's operands as it compares them: instants as milliseconds when a literal
 * has a fraction of a second (its text no longer sorts with the stored `…SSZ`), else as they are.
 */
function operandsReader(operands: Scalar[]): (s: Scalar, f: Feature<Point>) => Value {
  const fractional = operands.some((s) => s.kind === 'instant' && s.value.length > 20);
  if (!fractional) return scalarValue;
  return (s, f) => {
    const v = scalarValue(s, f);
    return typeof v === 'string' ? Date.parse(v) : v;
  };
}

function compare(a: Value, b: Value): number | null {
  if (a == null || b == null) return null;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  // Instants are stored and parsed as YYYY-MM-DDTHH:MM:SSZ, so string order is time order.
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const CMP: Record<string, (d: number) => boolean> = {
  '=': (d) => d === 0,
  '<>': (d) => d !== 0,
  '<': (d) => d < 0,
  '<=': (d) => d <= 0,
  '>': (d) => d > 0,
  '>=': (d) => d >= 0,
};

function geometryTest(g: GeometryLiteral): (lon: number, lat: number) => boolean {
  if (g.kind === 'point') return (lon, lat) => lon === g.coordinates[0] && lat === g.coordinates[1];
  if (g.kind === 'bbox') {
    const [minLon, minLat, maxLon, maxLat] = g.box;
    // A box whose west edge is east of its east edge crosses the antimeridian (as in RFC 7946).
    return (lon, lat) =>
      lat >= minLat &&
      lat <= maxLat &&
      (minLon <= maxLon ? lon >= minLon && lon <= maxLon : lon >= minLon || lon <= maxLon);
  }
  const shape: Polygon | MultiPolygon =
    g.kind === 'polygon'
      ? { type: 'Polygon', coordinates: g.rings }
      : { type: 'MultiPolygon', coordinates: g.polygons };
  // The boundary counts: a point on an edge intersects the polygon.
  return (lon, lat) => booleanPointInPolygon([lon, lat], shape, { ignoreBoundary: false });
}

type Eval = (f: Feature<Point>) => Truth;

function compileNode(node: Cql2): Eval {
  switch (node.op) {
    case 'and':
      return allOf(node.args.map(compileNode));
    case 'or':
      return anyOf(node.args.map(compileNode));
    case 'not':
      return negation(compileNode(node.arg));
    case 'const':
      return () => node.value;
    case 'compare': {
      const test = CMP[node.cmp]!;
      const value = operandsReader([node.left, node.right]);
      return (f) => {
        const d = compare(value(node.left, f), value(node.right, f));
        return d === null ? null : test(d);
      };
    }
    case 'like': {
      const matches = likeMatcher(node.pattern, node.caseInsensitive === true);
      return (f) => {
        const v = scalarValue(node.subject, f);
        return v == null ? null : matches(String(v));
      };
    }
    case 'between': {
      const value = operandsReader([node.subject, node.low, node.high]);
      return (f) => {
        const v = value(node.subject, f);
        const lo = compare(v, value(node.low, f));
        const hi = compare(v, value(node.high, f));
        return lo === null || hi === null ? null : lo >= 0 && hi <= 0;
      };
    }
    case 'in':
      return inList(node);
    case 'isNull':
      return (f) => scalarValue(node.subject, f) == null;
    case 's_intersects': {
      const test = geometryTest(node.geometry);
      return (f) => {
        const [lon, lat] = f.geometry.coordinates as [number, number];
        return test(lon, lat);
      };
    }
  }
}

// Three-valued logic (true, false, null = unknown), as CQL2 evaluates comparisons with a null.

function allOf(args: Eval[]): Eval {
  return (f) => {
    let unknown = false;
    for (const a of args) {
      const v = a(f);
      if (v === false) return false;
      if (v === null) unknown = true;
    }
    return unknown ? null : true;
  };
}

function anyOf(args: Eval[]): Eval {
  return (f) => {
    let unknown = false;
    for (const a of args) {
      const v = a(f);
      if (v === true) return true;
      if (v === null) unknown = true;
    }
    return unknown ? null : false;
  };
}

function negation(arg: Eval): Eval {
  return (f) => {
    const v = arg(f);
    return v === null ? null : !v;
  };
}

function inList(node: Extract<Cql2, { op: 'in' }>): Eval {
  const value = operandsReader([node.subject, ...node.list]);
  return (f) => {
    const v = value(node.subject, f);
    let unknown = v == null;
    for (const item of node.list) {
      const d = compare(v, value(item, f));
      if (d === 0) return true;
      if (d === null) unknown = true;
    }
    return unknown ? null : false;
  };
}

/** A checked filter as a predicate: true only where the filter is true (not false, not unknown). */
export function compileCql2(node: Cql2, q: Queryables): Predicate {
  checkCql2(node, q);
  const run = compileNode(node);
  return (f) => run(f) === true;
}

/**
 * A box every matching feature lies in, when the filter implies one (an S_INTERSECTS that must
 * hold, possibly inside ANDs): the database reads only that box, the predicate still decides.
 */
export function impliedBox(node: Cql2): Bbox | null {
  if (node.op === 'and') {
    for (const a of node.args) {
      const box = impliedBox(a);
      if (box) return box;
    }
    return null;
  }
  if (node.op !== 's_intersects') return null;
  const g = node.geometry;
  if (g.kind === 'bbox') return { minLon: g.box[0], minLat: g.box[1], maxLon: g.box[2], maxLat: g.box[3] };
  const coords =
    g.kind === 'point' ? [g.coordinates] : g.kind === 'polygon' ? g.rings.flat() : g.polygons.flat(2);
  const lons = coords.map((c) => c[0]);
  const lats = coords.map((c) => c[1]);
  return {
    minLon: Math.min(...lons),
    minLat: Math.min(...lats),
    maxLon: Math.max(...lons),
    maxLat: Math.max(...lats),
  };
}
