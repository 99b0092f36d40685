// One UTC day of status, as two tables: the status intervals of every published EVSE (exact, from
// the raw status events) and the hourly occupancy rollup per grid cell (the figures of
// /v1/stats/occupancy, one row per cell and hour). Both come from one pass over the EVSEs in grid
// cell order, a chunk at a time, so memory holds one chunk and the cells it touches, whatever the
// size of the atlas.
import { type DayEvse, dayEvses, statusDaySpan } from '../../db/queries/status-days.js';
import type { Db } from '../../db/types.js';
import { loadTimelines } from '../../live/evse-timelines.js';
import { addToBuckets, type Bucket, bucketStarts, emptyBuckets } from '../../live/timeline.js';
import { isCalendarDate, iso } from '../../model/iso-time.js';
import { ApiError, notFound } from '../errors.js';
import { figures, population } from '../stats-occupancy.js';

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** EVSEs per chunk: one timeline query's worth (src/live/evse-timelines.ts). */
const CHUNK = 1_000;
/**
 * Cells of the rollup: the Morton grid of src/db/spatial-key.ts cut at this level, 2^10 x 2^10
 * cells over lon/lat (0.3516 x 0.1758 degrees, about 25 x 20 km in central Europe). Cells of one
 * level are contiguous in key order, so reading EVSEs by location key finishes them one by one.
 */
export const CELL_LEVEL = 10;
const CELL_SHIFT = 2 * (16 - CELL_LEVEL);

export interface IntervalRow {
  evse: string;
  evse_id: string | null;
  location: string;
  source: string;
  lat: number;
  lon: number;
  status: string;
  start: number;
  end: number;
}

export interface CellHourRow {
  cell: number;
  min_lon: number;
  min_lat: number;
  max_lon: number;
  max_lat: number;
  hour: number;
  evses: number;
  installed_kw: number;
  evses_without_power: number;
  available: number;
  charging: number;
  occupied: number;
  out_of_order: number;
  unknown: number;
  charging_evses: number;
  power_in_use_kw: number;
}

export interface DayRange {
  date: string;
  start: number;
  /** The day's end, or now for today (the file of today is incomplete). */
  end: number;
  complete: boolean;
}

/** `YYYY-MM-DD` as a real calendar date, or a 400. */
export function parseDay(date: string): number {
  if (!isCalendarDate(date)) {
    throw new ApiError(
      400,
      'invalid_parameter',
      `date: ${JSON.stringify(date)} is not a YYYY-MM-DD calendar date`,
    );
  }
  return Date.parse(`${date}T00:00:00Z`);
}

/**
 * The days with exact status data: from the day the atlas first held a location of an OCPI feed
 * (or the first whole day after the rollup watermark, before which only hourly aggregates are
 * kept) up to today.
 */
export async function statusDays(db: Db, now: number): Promise<DayRange[]> {
  const span = await statusDaySpan(db);
  if (span.firstKnownAt === null) return [];
  let first = Math.floor(Date.parse(span.firstKnownAt) / DAY_MS) * DAY_MS;
  if (span.watermark !== null)
    first = Math.max(first, Math.ceil(Date.parse(span.watermark) / DAY_MS) * DAY_MS);
  const out: DayRange[] = [];
  for (let d = first; d < now; d += DAY_MS) out.push(dayRange(d, now));
  return out;
}

function dayRange(start: number, now: number): DayRange {
  const nowSec = Math.floor(now / 1000) * 1000;
  return {
    date: iso(start).slice(0, 10),
    start,
    end: Math.min(start + DAY_MS, nowSec),
    complete: start + DAY_MS <= nowSec,
  };
}

/** The day if it has data (a 404 saying why not otherwise). */
export async function statusDay(db: Db, date: string, now: number): Promise<DayRange> {
  const start = parseDay(date);
  const days = await statusDays(db, now);
  const first = days[0];
  if (!first) throw notFound(`status of ${date}: no OCPI feed's status recorded yet; status`);
  if (start < first.start || start >= now) {
    const last = days[days.length - 1]!;
    throw new ApiError(
      404,
      'not_found',
      `no status dump for ${date}: days from ${first.date} to ${last.date} have one (older status is kept as hourly aggregates only, see /v1/evses/{id}/history)`,
    );
  }
  return dayRange(start, now);
}

/** Column and row of a Morton key's cell at CELL_LEVEL, and its box in degrees. */
export function cellBox(key: number): { cell: number; box: [number, number, number, number] } {
  const cell = Math.floor(key / 2 ** CELL_SHIFT);
  let x = 0;
  let y = 0;
  for (let bit = 0; bit < CELL_LEVEL; bit++) {
    x |= ((cell >>> (2 * bit)) & 1) << bit;
    y |= ((cell >>> (2 * bit + 1)) & 1) << bit;
  }
  const w = 360 / 2 ** CELL_LEVEL;
  const h = 180 / 2 ** CELL_LEVEL;
  return { cell, box: [-180 + x * w, -90 + y * h, -180 + (x + 1) * w, -90 + (y + 1) * h] };
}

interface OpenCell {
  cell: number;
  box: [number, number, number, number];
  /** Only what the cell's population needs: a dense cell holds tens of thousands of EVSEs. */
  evses: Pick<DayEvse, 'max_power_w'>[];
  buckets: Bucket[];
}

function cellRows(c: OpenCell): CellHourRow[] {
  const pop = population(c.evses);
  const [min_lon, min_lat, max_lon, max_lat] = c.box;
  return c.buckets.map((b) => {
    const f = figures(b, pop.evses);
    return {
      cell: c.cell,
      min_lon,
      min_lat,
      max_lon,
      max_lat,
      hour: b.start,
      evses: pop.evses,
      installed_kw: pop.installedKw,
      evses_without_power: pop.withoutPower,
      available: f.available,
      charging: f.charging,
      occupied: f.occupied,
      out_of_order: f.out_of_order,
      unknown: f.unknown,
      charging_evses: f.charging_evses,
      power_in_use_kw: f.power_in_use_kw,
    };
  });
}

export interface DayChunk {
  intervals: IntervalRow[];
  /** Rows of the cells finished by this chunk (every hour of each, in hour order). */
  cells: CellHourRow[];
}

/**
 * The day's rows, chunk by chunk: intervals of known status (time before the first status we know
 * of is left out, as in /v1/evses/{id}/history), and each cell's hours once its last EVSE is read.
 */
export async function* statusDayChunks(db: Db, day: DayRange): AsyncGenerator<DayChunk> {
  const starts = bucketStarts(day.start, day.end, HOUR_MS);
  const dayStart = iso(day.start);
  let open = null as OpenCell | null;
  let cursor: { cell: number; pk: string } | null = null;
  for (;;) {
    const evses = await dayEvses(db, dayStart, cursor, CHUNK);
    if (evses.length === 0) break;
    const last = evses[evses.length - 1]!;
    cursor = { cell: last.cell, pk: last.pk };
    const timelines = await loadTimelines(db, evses, day.start, day.end);
    const chunk: DayChunk = { intervals: [], cells: [] };
    for (const e of evses) {
      const pieces = timelines.get(e.pk) ?? [];
      for (const p of pieces) {
        if (p.kind !== 'span' || p.status === null) continue;
        chunk.intervals.push({
          evse: e.pk,
          evse_id: e.evse_id,
          location: e.location_pk,
          source: e.source_id,
          lat: e.lat,
          lon: e.lon,
          status: p.status,
          start: p.start,
          end: p.end,
        });
      }
      const { cell, box } = cellBox(e.cell);
      if (open?.cell !== cell) {
        if (open) chunk.cells.push(...cellRows(open));
        open = { cell, box, evses: [], buckets: emptyBuckets(starts, HOUR_MS, day.end) };
      }
      open.evses.push({ max_power_w: e.max_power_w });
      addToBuckets(open.buckets, pieces, e.max_power_w == null ? null : e.max_power_w / 1000);
    }
    if (evses.length < CHUNK && open) {
      chunk.cells.push(...cellRows(open));
      open = null;
    }
    yield chunk;
    if (evses.length < CHUNK) break;
  }
  if (open) yield { intervals: [], cells: cellRows(open) };
}
