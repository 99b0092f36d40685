// An EVSE's status over a time range, assembled from raw events (exact) and rolled-up hours (seconds
// per status, order within the hour not kept), and cut into the buckets of the occupancy view.
// Pure functions over plain data: the queries that feed them live in src/db/queries/status.ts.
import type { HourlyRow, TimelineEvent } from '../db/queries/status.js';

const HOUR_MS = 3_600_000;

/** A stretch of time in one status (null: not known), or a rolled-up hour spread evenly. */
export type Piece =
  | { kind: 'span'; start: number; end: number; status: string | null }
  | { kind: 'hour'; start: number; end: number; seconds: Record<string, number> };

/** The five shares of the occupancy view; every OCPI status falls into exactly one. */
export type Category = 'available' | 'charging' | 'occupied' | 'out_of_order' | 'unknown';

export const CATEGORIES: readonly Category[] = [
  'available',
  'charging',
  'occupied',
  'out_of_order',
  'unknown',
];

/**
 * BLOCKED (a car parked, not charging) and RESERVED hold the charger without drawing power;
 * INOPERATIVE, PLANNED and REMOVED make it as unusable as OUTOFORDER. Unlisted values are unknown.
 */
export function categoryOf(status: string | null): Category {
  switch (status) {
    case 'AVAILABLE':
      return 'available';
    case 'CHARGING':
      return 'charging';
    case 'BLOCKED':
    case 'RESERVED':
      return 'occupied';
    case 'OUTOFORDER':
    case 'INOPERATIVE':
    case 'PLANNED':
    case 'REMOVED':
      return 'out_of_order';
    default:
      return 'unknown';
  }
}

/** Exact spans from raw events: the carried status from `start`, then each event until the next. */
export function spansFromEvents(
  atStart: string | null,
  events: Pick<TimelineEvent, 'new_status' | 'occurred_at'>[],
  start: number,
  end: number,
): Piece[] {
  const out: Piece[] = [];
  let status = atStart;
  let t = start;
  for (const e of events) {
    const at = Math.min(Math.max(Date.parse(e.occurred_at), start), end);
    if (at > t) out.push({ kind: 'span', start: t, end: at, status });
    status = e.new_status;
    t = Math.max(t, at);
  }
  if (end > t) out.push({ kind: 'span', start: t, end, status });
  return mergeSpans(out);
}

/**
 * Pieces from rolled-up hours: a changed hour becomes an 'hour' piece, the quiet hours between
 * changes a span in the carried end status (null before the first change we know of).
 */
export function piecesFromHours(
  atStart: string | null,
  rows: Pick<HourlyRow, 'hour' | 'status' | 'seconds' | 'end_status'>[],
  start: number,
  end: number,
): Piece[] {
  const out: Piece[] = [];
  let status = atStart;
  let t = start;
  const hours = new Map<number, { seconds: Record<string, number>; end: string | null }>();
  for (const r of rows) {
    const h = Date.parse(r.hour);
    let slot = hours.get(h);
    if (!slot) {
      slot = { seconds: {}, end: r.end_status };
      hours.set(h, slot);
    }
    slot.seconds[r.status] = (slot.seconds[r.status] ?? 0) + r.seconds;
  }
  for (const h of [...hours.keys()].sort((a, b) => a - b)) {
    const slot = hours.get(h)!;
    const from = Math.max(h, start);
    const to = Math.min(h + HOUR_MS, end);
    if (from > t) out.push({ kind: 'span', start: t, end: from, status });
    if (to > from) out.push({ kind: 'hour', start: h, end: h + HOUR_MS, seconds: slot.seconds });
    status = slot.end;
    t = Math.max(t, to);
  }
  if (end > t) out.push({ kind: 'span', start: t, end, status });
  return mergeSpans(out);
}

/**
 * The pieces of [from, to) with the time before `since` (when the atlas first held the EVSE's
 * status, KNOWN_SINCE in src/db/queries/status.ts) made unknown, so a status dated before we learned
 * it counts only from then. A span across `since` is cut there; a rolled-up hour across it is kept
 * whole (the order within an hour is not kept), one wholly before it becomes unknown.
 */
export function knownFrom(pieces: Piece[], since: number, from: number, to: number): Piece[] {
  const out: Piece[] = [];
  const unknown = (start: number, end: number): Piece => ({ kind: 'span', start, end, status: null });
  for (const p of pieces) {
    if (p.end <= since) out.push(unknown(Math.max(p.start, from), Math.min(p.end, to)));
    else if (p.start >= since || p.kind === 'hour') out.push(p);
    else out.push(unknown(p.start, since), { ...p, start: since });
  }
  return mergeSpans(out);
}

/** Joins touching spans of the same status (also across the seam of rolled-up and raw time). */
export function mergeSpans(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (
      last &&
      last.kind === 'span' &&
      p.kind === 'span' &&
      last.status === p.status &&
      last.end === p.start
    ) {
      last.end = p.end;
    } else out.push({ ...p });
  }
  return out;
}

/** Seconds per status a piece spends inside [from, to); an hour piece is spread evenly over its hour. */
export function secondsWithin(p: Piece, from: number, to: number): [string | null, number][] {
  const overlap = Math.min(p.end, to) - Math.max(p.start, from);
  if (overlap <= 0) return [];
  if (p.kind === 'span') return [[p.status, overlap / 1000]];
  const share = overlap / (p.end - p.start);
  const known = Object.entries(p.seconds).map(([s, sec]): [string | null, number] => [s, sec * share]);
  // A rolled-up hour may hold less than 3600 s of known status (it began before the first event).
  const unknown = overlap / 1000 - known.reduce((sum, [, sec]) => sum + sec, 0);
  if (unknown > 0.5) known.push([null, unknown]);
  return known;
}

export interface Bucket {
  start: number;
  end: number;
  /** Status-seconds per category, summed over EVSEs. */
  seconds: Record<Category, number>;
  /** Sum over charging EVSEs of rated power (kW) x seconds charging. */
  chargingKwSeconds: number;
}

export function emptyBuckets(starts: number[], stepMs: number, until: number): Bucket[] {
  return starts.map((start) => ({
    start,
    end: Math.min(start + stepMs, until),
    seconds: { available: 0, charging: 0, occupied: 0, out_of_order: 0, unknown: 0 },
    chargingKwSeconds: 0,
  }));
}

/** Adds one EVSE's pieces to the buckets (both sorted by time). */
export function addToBuckets(buckets: Bucket[], pieces: Piece[], ratedKw: number | null): void {
  let first = 0;
  for (const p of pieces) {
    while (first < buckets.length && buckets[first]!.end <= p.start) first++;
    for (let i = first; i < buckets.length && buckets[i]!.start < p.end; i++) {
      const b = buckets[i]!;
      for (const [status, sec] of secondsWithin(p, b.start, b.end)) {
        const cat = categoryOf(status);
        b.seconds[cat] += sec;
        if (cat === 'charging' && ratedKw != null) b.chargingKwSeconds += sec * ratedKw;
      }
    }
  }
}

/** Interval starts aligned to the step in UTC, covering [from, to). */
export function bucketStarts(from: number, to: number, stepMs: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(from / stepMs) * stepMs; t < to; t += stepMs) out.push(t);
  return out;
}
