// The query parameters of the public list endpoints, validated with zod; the same schemas produce
// the OpenAPI document, so the docs cannot drift from what is accepted.
import { z } from '@hono/zod-openapi';
import type { LocationFilter } from '../db/queries/locations.js';
import { alpha2ToAlpha3, alpha3ToAlpha2 } from '../model/countries.js';
import { type Bbox, latDegreesFor } from '../model/geo.js';
import { isCalendarDate, iso } from '../model/iso-time.js';
import { LIFECYCLES } from '../model/lifecycle.js';
import { CONNECTOR_TYPE, canonicalConnectorType } from '../model/ocpi-enums.js';
import type { Lifecycle } from '../model/types.js';
import { bboxParam, limitParam } from './params.js';

/** OCPI ConnectorType values (2.1.1 to 2.3.0, spec spelling), compared case-insensitively. */
export const OCPI_CONNECTOR_TYPES: readonly string[] = [...CONNECTOR_TYPE].map(canonicalConnectorType);
const CONNECTOR_UPPER = new Set(OCPI_CONNECTOR_TYPES.map((t) => t.toUpperCase()));

/** The widest `near` radius: a distance query reads every candidate in its circle. */
export const MAX_RADIUS_M = 200_000;

const MAX_LIST = 50;

const PUBLISHED_LIFECYCLES = LIFECYCLES.filter((l) => l !== 'removed');

/** A comma-separated list of at most 50 non-empty items, each checked by `item`. */
function list(what: string, item: (s: string) => string | null) {
  return z.string().transform((s, ctx) => {
    const items = s.split(',').map((v) => v.trim());
    if (items.length > MAX_LIST) {
      ctx.addIssue({ code: 'custom', message: `at most ${MAX_LIST} ${what} values` });
      return z.NEVER;
    }
    const out: string[] = [];
    for (const v of items) {
      const ok = v === '' ? null : item(v);
      if (ok == null) {
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v.slice(0, 60))} is not a valid ${what}` });
        return z.NEVER;
      }
      out.push(ok);
    }
    return out;
  });
}

const number = (min: number, max: number, unit: string) =>
  z.string().transform((s, ctx) => {
    const n = s.trim() === '' ? Number.NaN : Number(s);
    if (!Number.isFinite(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `must be a number from ${min} to ${max}${unit}` });
      return z.NEVER;
    }
    return n;
  });

/** `a,b` as two finite numbers, or null. */
function twoNumbers(s: string): [number, number] | null {
  const parts = s.split(',');
  const [a, b] = parts.map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
  return parts.length === 2 && Number.isFinite(a) && Number.isFinite(b) ? [a!, b!] : null;
}

function positionProblem(lat: number, lon: number): string | null {
  return Math.abs(lat) > 90 || Math.abs(lon) > 180
    ? 'lat must be within -90..90 and lon within -180..180'
    : null;
}

const ISO_DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:\d{2})?)?$/;

/** A date or date-time, returned as the `YYYY-MM-DDTHH:MM:SSZ` form all stored timestamps have. */
export const dateTimeParam = z.string().transform((s, ctx) => {
  const m = ISO_DATE_TIME.exec(s.trim());
  // A date-time without zone is UTC, as OCPI DateTimes are.
  const ms =
    m && isCalendarDate(m[1]!) ? Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${m[3] ?? 'Z'}`) : Number.NaN;
  if (!Number.isFinite(ms)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be an ISO 8601 date or date-time, e.g. 2024-05-01T00:00:00Z',
    });
    return z.NEVER;
  }
  return iso(ms);
});

export interface Cursor {
  /** Id of the last item of the previous page. */
  k: string;
  /** Its distance, in distance-ordered (near) paging. */
  d?: number;
}

export function encodeCursor(c: Cursor): string {
  return btoa(JSON.stringify(c)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export const cursorParam = z.string().transform((s, ctx): Cursor => {
  try {
    if (s.length > 400 || !/^[A-Za-z0-9_-]+$/.test(s)) throw new Error('bad');
    const v = JSON.parse(atob(s.replaceAll('-', '+').replaceAll('_', '/'))) as unknown;
    if (typeof v !== 'object' || v == null) throw new Error('bad');
    const { k, d } = v as Record<string, unknown>;
    if (typeof k !== 'string' || k.length === 0 || k.length > 200) throw new Error('bad');
    if (d !== undefined && (typeof d !== 'number' || !Number.isFinite(d) || d < 0)) throw new Error('bad');
    return d === undefined ? { k } : { k, d };
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a cursor of this API (use the `next` link as given)' });
    return z.NEVER;
  }
});

const SOURCE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/**
 * A position as `near=lat,lon` or `point=lon,lat`. The trap between them: bbox and GeoJSON are
 * lon,lat, so a latitude beyond 90 with a longitude that could be one is almost always a swap,
 * and the 400 names the other parameter that takes this order.
 */
function positionParam(name: 'near' | 'point') {
  const latFirst = name === 'near';
  const order = latFirst ? 'lat,lon' : 'lon,lat';
  return z.string().transform((s, ctx) => {
    const pair = twoNumbers(s);
    if (!pair) {
      ctx.addIssue({ code: 'custom', message: `expected ${order} (2 numbers)` });
      return z.NEVER;
    }
    const [lat, lon] = latFirst ? pair : [pair[1], pair[0]];
    if (Math.abs(lat) > 90 && Math.abs(lon) <= 90) {
      const message = latFirst
        ? `latitude ${lat} is outside -90..90: near is lat,lon (latitude first); for lon,lat use point=${lat},${lon}`
        : `latitude ${lat} is outside -90..90: point is lon,lat (longitude first, as in bbox and GeoJSON); for lat,lon use near=${lon},${lat}`;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    const problem = positionProblem(lat, lon);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return { lat, lon };
  });
}

export const siteQueryFields = z.strictObject({
  bbox: bboxParam.optional().openapi({
    description: 'minLon,minLat,maxLon,maxLat (WGS 84). minLon > maxLon is a box across the antimeridian.',
    example: '6.8,50.8,7.2,51.1',
  }),
  near: positionParam('near')
    .optional()
    .openapi({
      description:
        'lat,lon (latitude first): answer sorted by distance, with `distance_m` in properties. ' +
        'The same as `point` in the other order; give one of the two.',
      example: '50.94,6.96',
    }),
  point: positionParam('point').optional().openapi({
    description:
      'lon,lat (longitude first, as in `bbox` and GeoJSON): answer sorted by distance, like `near`',
    example: '6.96,50.94',
  }),
  radius: number(1, MAX_RADIUS_M, ' m')
    .optional()
    .openapi({
      description: `metres around \`point\` or \`near\` (default 10000, at most ${MAX_RADIUS_M})`,
      example: '2000',
    }),
  country: list('country code', (v) => {
    const u = v.toUpperCase();
    if (u.length === 2) return alpha2ToAlpha3(u) ? u : null;
    if (u.length === 3) return alpha3ToAlpha2(u) ? u : null;
    return null;
  })
    .optional()
    .openapi({ description: 'ISO 3166-1 alpha-2 or alpha-3 codes, comma-separated', example: 'DE,NLD' }),
  operator: z
    .string()
    .trim()
    .min(1, 'is empty')
    .max(200, 'is longer than 200 characters')
    .optional()
    .openapi({ description: 'operator name (case-insensitive, exact)', example: 'Ionity' }),
  connector: list('OCPI connector type', (v) =>
    CONNECTOR_UPPER.has(v.toUpperCase()) ? v.toUpperCase() : null,
  )
    .optional()
    .openapi({
      description: `OCPI ConnectorType values, comma-separated: ${OCPI_CONNECTOR_TYPES.join(', ')}`,
      example: 'IEC_62196_T2_COMBO',
    }),
  min_power_kw: number(0, 10_000, ' kW')
    .optional()
    .openapi({ description: 'a connector (of the given type) rated at least this', example: '50' }),
  max_power_kw: number(0, 10_000, ' kW')
    .optional()
    .openapi({ description: 'a connector (of the given type) rated at most this', example: '22' }),
  status: z
    .enum(['available'], { message: 'the only accepted value is "available"' })
    .optional()
    .openapi({ description: 'available: an EVSE of the site is AVAILABLE now' }),
  free: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional()
    .openapi({ description: 'true: a connector references a no-cost tariff; false: none does' }),
  source: list('source id', (v) => (SOURCE_ID.test(v) ? v : null))
    .optional()
    .openapi({ description: 'source ids, comma-separated (see /v1/sources)' }),
  license: list('licence id', (v) => (v.length <= 100 ? v.toLowerCase() : null))
    .optional()
    .openapi({
      description: 'licence ids (SPDX) of the sources, comma-separated; only open data is served',
      example: 'CC-BY-4.0',
    }),
  lifecycle: list('published life cycle', (v) =>
    (PUBLISHED_LIFECYCLES as readonly string[]).includes(v.toLowerCase()) ? v.toLowerCase() : null,
  )
    .optional()
    .openapi({
      description:
        'life cycles, comma-separated: planned, operational, out_of_service (removed sites are kept but never published)',
      example: 'operational',
    }),
  updated_since: dateTimeParam.optional().openapi({
    description: 'sites whose data changed at or after this instant (OCPI last_updated)',
    example: '2024-05-01T00:00:00Z',
  }),
  limit: limitParam(10_000, 1_000).openapi({
    description: 'page size, 1..10000 (default 1000)',
    type: 'string',
  }),
  cursor: cursorParam.optional().openapi({ description: 'opaque; follow the `next` link' }),
});

function checkPowerRange(q: { min_power_kw?: number; max_power_kw?: number }, ctx: z.RefinementCtx) {
  if (q.min_power_kw != null && q.max_power_kw != null && q.min_power_kw > q.max_power_kw) {
    ctx.addIssue({ code: 'custom', path: ['min_power_kw'], message: 'is greater than max_power_kw' });
  }
}

export const siteQuerySchema = siteQueryFields
  .superRefine((q, ctx) => {
    const centre = q.near ?? q.point;
    if (q.near != null && q.point != null) {
      ctx.addIssue({
        code: 'custom',
        path: ['point'],
        message: 'give point=lon,lat or near=lat,lon, not both',
      });
    }
    if (q.radius != null && centre == null) {
      ctx.addIssue({ code: 'custom', path: ['radius'], message: 'needs point=lon,lat or near=lat,lon' });
    }
    checkPowerRange(q, ctx);
    if (q.cursor && (centre != null) !== (q.cursor.d != null)) {
      ctx.addIssue({
        code: 'custom',
        path: ['cursor'],
        message: 'belongs to another query (use the `next` link as given)',
      });
    }
  })
  // One centre for the code behind: `point` is `near` in the other order.
  .transform(({ point, ...q }) => ({ ...q, near: q.near ?? point }));

export type SiteQueryParams = z.infer<typeof siteQuerySchema>;

/** The filters of /v1/sites that vector tiles take too, validated by the same fields. */
export const tileQuerySchema = siteQueryFields
  .pick({
    connector: true,
    min_power_kw: true,
    max_power_kw: true,
    operator: true,
    country: true,
    status: true,
    free: true,
    source: true,
    license: true,
  })
  .superRefine(checkPowerRange);

export type TileQueryParams = z.infer<typeof tileQuerySchema>;

/** The filters of a query; resources that accept only some of them pass those. */
export function filterOf(q: Partial<SiteQueryParams>): LocationFilter {
  return {
    countries: q.country?.map((c) =>
      c.length === 2 ? { alpha3: alpha2ToAlpha3(c)!, alpha2: c } : { alpha3: c, alpha2: alpha3ToAlpha2(c) },
    ),
    operator: q.operator,
    connectors: q.connector,
    minPowerW: q.min_power_kw == null ? undefined : q.min_power_kw * 1000,
    maxPowerW: q.max_power_kw == null ? undefined : q.max_power_kw * 1000,
    available: q.status === 'available' ? true : undefined,
    free: q.free,
    sources: q.source,
    licenses: q.license,
    lifecycles: q.lifecycle as Lifecycle[] | undefined,
    updatedSince: q.updated_since,
  };
}

export const DEFAULT_RADIUS_M = 10_000;
/** A box that contains the circle: the spatial-key prefilter of a distance query. */
export function boxAround(c: { lat: number; lon: number }, radiusM: number): Bbox {
  const dLat = latDegreesFor(radiusM);
  const minLat = Math.max(-90, c.lat - dLat);
  const maxLat = Math.min(90, c.lat + dLat);
  const maxAbsLat = Math.max(Math.abs(minLat), Math.abs(maxLat));
  if (maxAbsLat >= 89.9) return { minLon: -180, minLat, maxLon: 180, maxLat };
  const dLon = dLat / Math.cos(maxAbsLat * (Math.PI / 180));
  if (dLon >= 180) return { minLon: -180, minLat, maxLon: 180, maxLat };
  const wrap = (lon: number) => (lon > 180 ? lon - 360 : lon < -180 ? lon + 360 : lon);
  return { minLon: wrap(c.lon - dLon), minLat, maxLon: wrap(c.lon + dLon), maxLat };
}

/** Intersection of two boxes, null when they do not overlap (neither crosses the antimeridian). */
export function intersectBoxes(a: Bbox, b: Bbox): Bbox | null | 'complex' {
  if (a.minLon > a.maxLon || b.minLon > b.maxLon) return 'complex';
  const box = {
    minLon: Math.max(a.minLon, b.minLon),
    minLat: Math.max(a.minLat, b.minLat),
    maxLon: Math.min(a.maxLon, b.maxLon),
    maxLat: Math.min(a.maxLat, b.maxLat),
  };
  return box.minLon > box.maxLon || box.minLat > box.maxLat ? null : box;
}
