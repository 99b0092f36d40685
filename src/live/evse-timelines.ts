// Status timelines of many EVSEs over [from, to): the rolled-up hours before the rollup watermark,
// the raw events after it, stitched so each EVSE carries its status across the seam.
import { floorHour, hourlyTimeline, rawTimeline, rollupWatermark } from '../db/queries/status.js';
import type { Db } from '../db/types.js';
import { iso } from '../model/iso-time.js';
import { mergeSpans, type Piece, piecesFromHours, spansFromEvents } from './timeline.js';

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

export async function loadTimelines(
  db: Db,
  evsePks: string[],
  from: number,
  to: number,
): Promise<Map<string, Piece[]>> {
  const out = new Map<string, Piece[]>();
  if (to <= from) return out;
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
