// /v1/stats/occupancy: the load-management view. Per interval, for the EVSEs in a box (or per grid
// cell of it, as GeoJSON polygons): how many there are, the time-weighted share of them available,
// charging, occupied, out of order or unknown, and power in use (the rated power of the charging
// ones) against installed power. How this is estimated, and what it cannot tell: docs/load-estimation.md.

import { createRoute, z } from '@hono/zod-openapi';
import type { Polygon } from 'geojson';
import { evsesInArea, type HistoryEvse } from '../db/queries/status.js';
import { loadTimelines } from '../live/evse-timelines.js';
import { addToBuckets, type Bucket, bucketStarts, emptyBuckets } from '../live/timeline.js';
import { iso } from '../model/iso-time.js';
import { ApiError } from './errors.js';
import { errorResponses } from './geojson-schemas.js';
import { resolveRange, timeRangeQuery } from './history.js';
import { resourceApp } from './http/validation.js';
import { bboxParam } from './params.js';

const INTERVALS = { '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 } as const;
const MAX_EVSES = 50_000;
const MAX_BUCKETS = 2_000;
/** Cells x intervals in one answer. */
const MAX_FIGURES = 200_000;
const MAX_RANGE_DAYS = 366;

const occupancyQuery = z.strictObject({
  bbox: bboxParam.openapi({ description: 'minLon,minLat,maxLon,maxLat (WGS 84)' }),
  ...timeRangeQuery,
  interval: z
    .enum(['15m', '1h', '1d'])
    .default('1h')
    .openapi({ description: 'interval length; intervals are aligned to UTC (midnight for 1d)' }),
  grid: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'cell size in degrees, e.g. 0.05')
    .transform(Number)
    .pipe(z.number().min(0.001, 'at least 0.001 degrees').max(10, 'at most 10 degrees'))
    .optional()
    .openapi({
      description: 'group by square cells of this many degrees: a GeoJSON FeatureCollection of polygons',
    }),
});

const figuresSchema = z
  .object({
    start: z.string(),
    end: z.string(),
    available: z.number(),
    charging: z.number(),
    occupied: z.number().openapi({ description: 'BLOCKED or RESERVED' }),
    out_of_order: z.number().openapi({ description: 'OUTOFORDER, INOPERATIVE, PLANNED, REMOVED' }),
    unknown: z.number(),
    charging_evses: z.number().openapi({ description: 'time-averaged number of EVSEs charging' }),
    power_in_use_kw: z
      .number()
      .openapi({ description: 'time-averaged sum of the rated power of the EVSEs charging' }),
  })
  .openapi('OccupancyInterval', { description: 'shares of EVSE-time, summing to 1' });

const occupancySchema = z
  .object({
    bbox: z.array(z.number()),
    from: z.string(),
    to: z.string(),
    interval: z.string(),
    method: z.string(),
    evses: z.number(),
    installed_kw: z.number(),
    evses_without_power: z.number(),
    intervals: z.array(figuresSchema),
  })
  .openapi('Occupancy');

const occupancyCellsSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    from: z.string(),
    to: z.string(),
    interval: z.string(),
    method: z.string(),
    grid_deg: z.number(),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        id: z.string(),
        geometry: z.object({
          type: z.literal('Polygon'),
          coordinates: z.array(z.array(z.array(z.number()))),
        }),
        properties: z.object({
          cell: z.string().openapi({ description: 'column:row of the cell in the grid' }),
          evses: z.number().int(),
          installed_kw: z.number(),
          evses_without_power: z.number().int(),
          intervals: z.array(figuresSchema),
        }),
      }),
    ),
  })
  .openapi('OccupancyCells');

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
const ratedKw = (e: Pick<HistoryEvse, 'max_power_w'>) =>
  e.max_power_w == null ? null : e.max_power_w / 1000;

interface Population {
  evses: number;
  installedKw: number;
  withoutPower: number;
}

export function population(evses: Pick<HistoryEvse, 'max_power_w'>[]): Population {
  let installedKw = 0;
  let withoutPower = 0;
  for (const e of evses) {
    const kw = ratedKw(e);
    if (kw == null) withoutPower++;
    else installedKw += kw;
  }
  return { evses: evses.length, installedKw: round(installedKw, 1), withoutPower };
}

/** One interval's figures: shares of EVSE-time (summing to 1) and time-averaged kW. */
export function figures(b: Bucket, evses: number) {
  const covered = (b.end - b.start) / 1000;
  const total = evses * covered;
  const share = (s: number) => (total > 0 ? round(s / total, 4) : 0);
  return {
    start: iso(b.start),
    end: iso(b.end),
    available: share(b.seconds.available),
    charging: share(b.seconds.charging),
    occupied: share(b.seconds.occupied),
    out_of_order: share(b.seconds.out_of_order),
    unknown: share(b.seconds.unknown),
    charging_evses: covered > 0 ? round(b.seconds.charging / covered, 2) : 0,
    power_in_use_kw: covered > 0 ? round(b.chargingKwSeconds / covered, 1) : 0,
  };
}

function cellPolygon(col: number, row: number, size: number): Polygon {
  const x0 = round(Math.max(-180, -180 + col * size), 7);
  const x1 = round(Math.min(180, -180 + (col + 1) * size), 7);
  const y0 = round(Math.max(-90, -90 + row * size), 7);
  const y1 = round(Math.min(90, -90 + (row + 1) * size), 7);
  return {
    type: 'Polygon',
    coordinates: [
      [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
        [x0, y0],
      ],
    ],
  };
}

export const occupancyApp = resourceApp().openapi(
  createRoute({
    method: 'get',
    path: '/',
    operationId: 'getOccupancy',
    summary: 'Occupancy and power in use per interval (the load view)',
    description:
      'Per interval: the EVSEs of the area, the time-weighted shares available / charging / occupied / out of ' +
      'order / unknown, and power in use (rated power of the EVSEs charging, kW) against installed power. An ' +
      'upper-bound estimate from status, not a meter reading: see docs/load-estimation.md. With `grid`, one ' +
      'GeoJSON polygon per cell (application/geo+json) with the same figures as properties.',
    tags: ['availability'],
    request: { query: occupancyQuery },
    responses: {
      200: {
        description: 'The figures',
        content: {
          'application/json': { schema: occupancySchema },
          'application/geo+json': { schema: occupancyCellsSchema },
        },
      },
      ...errorResponses,
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const w = occupancyWindow(q, c.get('now').getTime());
    const db = c.get('db');
    const evses = await evsesInArea(db, q.bbox, MAX_EVSES);
    if (evses.length > MAX_EVSES) {
      throw new ApiError(
        400,
        'too_many_evses',
        `more than ${MAX_EVSES} EVSEs in this box: use a smaller bbox`,
      );
    }
    const timelines = await loadTimelines(db, evses, w.starts[0]!, w.to);
    const header = {
      from: iso(w.starts[0]!),
      to: iso(w.to),
      interval: q.interval,
      method:
        'power in use = sum of the rated power of EVSEs whose status is CHARGING, time-weighted per interval; an upper bound from status, not a meter reading (docs/load-estimation.md in the atlas repository)',
    };
    if (q.grid === undefined) {
      const bbox = [q.bbox.minLon, q.bbox.minLat, q.bbox.maxLon, q.bbox.maxLat];
      return c.json({ bbox, ...header, ...areaFigures(evses, timelines, w) }, 200);
    }
    const collection = {
      type: 'FeatureCollection' as const,
      ...header,
      grid_deg: q.grid,
      features: cellFeatures(evses, timelines, w, q.grid),
    };
    return c.json(collection, 200, { 'Content-Type': 'application/geo+json; charset=utf-8' });
  },
);

/** The intervals asked for, aligned to UTC (midnight for 1d): the first starts at or before `from`. */
interface OccupancyWindow {
  starts: number[];
  step: number;
  to: number;
}

function occupancyWindow(q: z.infer<typeof occupancyQuery>, now: number): OccupancyWindow {
  const step = INTERVALS[q.interval];
  const range = resolveRange(q, now, MAX_RANGE_DAYS);
  const starts = bucketStarts(range.from, range.to, step);
  if (starts.length > MAX_BUCKETS) {
    throw new ApiError(
      400,
      'invalid_parameter',
      `interval: ${starts.length} intervals in the range; at most ${MAX_BUCKETS}`,
    );
  }
  return { starts, step, to: range.to };
}

type Timelines = Awaited<ReturnType<typeof loadTimelines>>;

/** Population and per-interval figures of a set of EVSEs. */
function areaFigures(evses: HistoryEvse[], timelines: Timelines, w: OccupancyWindow) {
  const buckets = emptyBuckets(w.starts, w.step, w.to);
  for (const e of evses) addToBuckets(buckets, timelines.get(e.pk) ?? [], ratedKw(e));
  const pop = population(evses);
  return {
    evses: pop.evses,
    installed_kw: pop.installedKw,
    evses_without_power: pop.withoutPower,
    intervals: buckets.map((b) => figures(b, pop.evses)),
  };
}

/** One polygon per grid cell that holds EVSEs, in key order, with the cell's figures. */
function cellFeatures(evses: HistoryEvse[], timelines: Timelines, w: OccupancyWindow, size: number) {
  const cells = new Map<string, { col: number; row: number; evses: HistoryEvse[] }>();
  for (const e of evses) {
    const col = Math.floor((e.lon + 180) / size);
    const row = Math.floor((e.lat + 90) / size);
    const key = `${col}:${row}`;
    const cell = cells.get(key) ?? { col, row, evses: [] };
    cell.evses.push(e);
    cells.set(key, cell);
  }
  if (cells.size * w.starts.length > MAX_FIGURES) {
    throw new ApiError(
      400,
      'invalid_parameter',
      `grid: ${cells.size} cells x ${w.starts.length} intervals; at most ${MAX_FIGURES} figures per answer`,
    );
  }
  return [...cells.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, cell]) => ({
      type: 'Feature' as const,
      id: key,
      geometry: cellPolygon(cell.col, cell.row, size),
      properties: { cell: key, ...areaFigures(cell.evses, timelines, w) },
    }));
}
