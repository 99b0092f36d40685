// Status timelines of many EVSEs over [from, to): the rolled-up hours before the rollup watermark,
// the raw events after it, stitched so each EVSE carries its status across the seam.
import { floorHour, hourlyTimeline, rawTimeline, rollupWatermark } from '../db/queries/status.js';
import type { Db } from '../db/types.js';
import { iso } from '../model/iso-time.js';
import { knownFrom, mergeSpans, type Piece, piecesFromHours, spansFromEvents } from './timeline.js';

const HOUR_MS = 3_600_000;
/** EVSEs per query: keeps each answer small and each json_each list short. */
const CHUNK = 1_000;

function group<T extends { evse_pk: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.evse_pk);
    if (list) list.push(r);
    else out.set(r.evse_pk, [r]);
  }
  return out;
}

/** An EVSE whose timeline is asked for, and since when its status is history (null: never). */
export interface TimelineEvse {
  pk: string;
  known_since: string | null;
}

/**
 * Each EVSE's pieces over [from, to): what the events and rolled-up hours say, unknown before its
 * known_since (knownFrom). EVSEs without a history, or with one only after `to`, cost no query.
 */
export async function loadTimelines(
  db: Db,
  evses: readonly TimelineEvse[],
  from: number,
  to: number,
): Promise<Map<string, Piece[]>> {
  const out = new Map<string, Piece[]>();
  if (to <= from) return out;
  const since = new Map<string, number>();
  let earliest = to;
  for (const e of evses) {
    out.set(e.pk, [{ kind: 'span', start: from, end: to, status: null }]);
    const t = e.known_since === null ? to : Date.parse(e.known_since);
    if (t < to) since.set(e.pk, t);
    earliest = Math.min(earliest, t);
  }
  if (since.size === 0) return out;
  // Nothing before the hour of the earliest known_since is read (from an hour, so a rolled-up hour
  // read does not overlap the unknown time before it).
  const start = Math.max(from, floorHour(earliest));
  const pieces = await piecesOf(db, [...since.keys()], start, to);
  for (const [pk, t] of since) {
    const head: Piece[] = start > from ? [{ kind: 'span', start: from, end: start, status: null }] : [];
    out.set(pk, knownFrom([...head, ...(pieces.get(pk) ?? [])], t, from, to));
  }
  return out;
}

/** Each EVSE's pieces over [from, to), as the raw events and the rolled-up hours say. */
async function piecesOf(db: Db, evsePks: string[], from: number, to: number): Promise<Map<string, Piece[]>> {
  const out = new Map<string, Piece[]>();
  const mark = await rollupWatermark(db);
  const watermark = mark === null ? null : Date.parse(mark);
  for (let i = 0; i < evsePks.length; i += CHUNK) {
    const pks = evsePks.slice(i, i + CHUNK);
    for (const pk of pks) out.set(pk, []);

    if (watermark !== null && from < watermark) {
      const end = Math.min(to, watermark);
      const { atStart, rows } = await hourlyTimeline(
        db,
        pks,
        iso(floorHour(from)),
        iso(floorHour(end - 1) + HOUR_MS),
      );
      const byEvse = group(rows);
      for (const pk of pks) {
        out.get(pk)!.push(...piecesFromHours(atStart.get(pk) ?? null, byEvse.get(pk) ?? [], from, end));
      }
    }

    if (watermark === null || to > watermark) {
      const start = watermark === null ? from : Math.max(from, watermark);
      const { atStart, events } = await rawTimeline(db, pks, iso(start), iso(to));
      // No raw event at or before the seam: the status then is the end of the last rolled-up hour.
      let seam = new Map<string, string>();
      if (watermark !== null && pks.some((pk) => !atStart.has(pk))) {
        seam = (await hourlyTimeline(db, pks, iso(watermark), iso(watermark))).atStart;
      }
      const byEvse = group(events);
      for (const pk of pks) {
        const carried = atStart.get(pk) ?? seam.get(pk) ?? null;
        out.get(pk)!.push(...spansFromEvents(carried, byEvse.get(pk) ?? [], start, to));
      }
    }
  }
  for (const [pk, pieces] of out) out.set(pk, mergeSpans(pieces));
  return out;
}
