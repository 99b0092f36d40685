// A portable spatial index: a Morton (Z-order) key over a 2^16 x 2^16 lon/lat grid, stored in an
// ordinary indexed integer column. A bounding box becomes a handful of key ranges, so one indexed
// query answers it on better-sqlite3 and on D1 alike (D1 refuses R*Tree).
import type { Bbox } from '../model/geo.js';

// Bbox is declared in model/geo.ts; re-exported for code written before it moved there.
export type { Bbox };

/** The grid has 2^GRID_BITS columns and rows. */
export const GRID_BITS = 16;
const SIDE = 1 << GRID_BITS;

function gridX(lon: number): number {
  return Math.min(SIDE - 1, Math.max(0, Math.floor(((lon + 180) / 360) * SIDE)));
}

function gridY(lat: number): number {
  return Math.min(SIDE - 1, Math.max(0, Math.floor(((lat + 90) / 180) * SIDE)));
}

/** Spreads the 16 bits of v to the even bit positions of a 32-bit number. */
function spread(v: number): number {
  let x = v & 0xffff;
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  x = (x | (x << 1)) & 0x55555555;
  return x >>> 0;
}

function interleave(x: number, y: number): number {
  // x on even bits, y on odd bits; the result fits in 32 bits, kept as a non-negative number.
  return spread(x) + spread(y) * 2;
}

export function cellOf(lat: number, lon: number): number {
  return interleave(gridX(lon), gridY(lat));
}

/**
 * Key ranges [from, to] covering the box: a quadtree walk that stops descending once a quad is
 * inside the box or the range budget would be exceeded; adjacent ranges are merged. The ranges
 * may cover a little more than the box, so callers still filter on lat/lon exactly.
 */
export function cellRanges(box: Bbox, maxRanges = 24): [number, number][] {
  const x0 = gridX(box.minLon);
  const x1 = gridX(box.maxLon);
  const y0 = gridY(box.minLat);
  const y1 = gridY(box.maxLat);
  let frontier: { x: number; y: number; level: number }[] = [{ x: 0, y: 0, level: GRID_BITS }];
  const done: [number, number][] = [];
  // Breadth-first, so that when the budget runs out every open quad is of similar size.
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    for (const q of frontier) {
      const size = 1 << q.level;
      const qx1 = q.x + size - 1;
      const qy1 = q.y + size - 1;
      if (qx1 < x0 || q.x > x1 || qy1 < y0 || q.y > y1) continue;
      const inside = q.x >= x0 && qx1 <= x1 && q.y >= y0 && qy1 <= y1;
      if (inside || q.level === 0) {
        done.push(quadRange(q.x, q.y, q.level));
        continue;
      }
      const half = size >> 1;
      for (const [dx, dy] of [
        [0, 0],
        [half, 0],
        [0, half],
        [half, half],
      ] as const) {
        next.push({ x: q.x + dx, y: q.y + dy, level: q.level - 1 });
      }
    }
    if (done.length + next.length * 4 > maxRanges * 4 && done.length + next.length > maxRanges) {
      for (const q of next) {
        const size = 1 << q.level;
        if (q.x + size - 1 < x0 || q.x > x1 || q.y + size - 1 < y0 || q.y > y1) continue;
        done.push(quadRange(q.x, q.y, q.level));
      }
      break;
    }
    frontier = next;
  }
  return mergeRanges(done);
}

/** The key range of the quad of side 2^level whose lowest column and row are x, y (multiples of its side). */
export function quadRange(x: number, y: number, level: number): [number, number] {
  const from = interleave(x, y);
  const span = 2 ** (2 * level);
  return [from, from + span - 1];
}

function mergeRanges(ranges: [number, number][]): [number, number][] {
  ranges.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}
