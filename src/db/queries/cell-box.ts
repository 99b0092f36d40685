// The bounding box of the rows a condition selects, found through their Morton cells
// (src/db/spatial-key.ts) instead of reading every row: a quadtree descent that keeps, at each
// level, only the non-empty quads of the outermost column or row on each side, then reads the rows
// of the outermost cells. Quads of one level are aligned, so a non-empty quad further out on a side
// rules out every quad further in; what is kept is a thin band per side (a few dozen quads a level
// on a national atlas), so the box costs a few short statements of index probes a level, 16 levels
// whatever the size of the table (~130 statements on the 1M-EVSE bench database, docs/ogc.md), on
// better-sqlite3 and on D1 alike.

import { GRID_BITS, quadRange } from '../spatial-key.js';
import type { Db } from '../types.js';

/** A cell-range probe: SQL true when a row lies in cells `r.a` to `r.b` (columns of the outer row). */
export type CellProbe = string;

/** Per side, a SELECT of `lat` and `lon` of the rows in the cells listed in `cells` (SQL literals). */
export type CellRows = (cells: string) => string;

export type Box = [w: number, s: number, e: number, n: number];

export interface Quad {
  x: number;
  y: number;
}

// Quads probed a statement. Past ~100 quads (150 on the 1M-EVSE bench database's statistics) the
// planner builds an automatic index over every published location for the probes' range lookups
// in place of using locations_tile: 4-6 s a statement in place of a few ms.
const CHUNK = 50;

/** The statements that return the indexes (in `quads`) of the non-empty quads of side 2^level. */
export function probeStatements(probe: CellProbe, quads: Quad[], level: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < quads.length; i += CHUNK) {
    // The keys are integers we computed, inlined so that no chunk meets a bound-parameter limit.
    const values = quads
      .slice(i, i + CHUNK)
      .map((q, j) => {
        const [a, b] = quadRange(q.x, q.y, level);
        return `(${i + j}, ${a}, ${b})`;
      })
      .join(', ');
    out.push(`WITH r(i, a, b) AS (VALUES ${values}) SELECT i FROM r WHERE ${probe}`);
  }
  return out;
}

async function nonEmpty(db: Db, probe: CellProbe, quads: Quad[], level: number): Promise<Quad[]> {
  const kept: Quad[] = [];
  for (const sql of probeStatements(probe, quads, level))
    for (const row of await db.all<{ i: number }>(sql)) kept.push(quads[row.i]!);
  return kept;
}

/** The quads of the outermost column or row on some side. */
function outermost(quads: Quad[]): Quad[] {
  const xs = quads.map((q) => q.x);
  const ys = quads.map((q) => q.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  return quads.filter((q) => q.x === x0 || q.x === x1 || q.y === y0 || q.y === y1);
}

/** The exact [west, south, east, north] of the rows `probe` and `rows` select, or null if none. */
export async function cellBox(db: Db, probe: CellProbe, rows: CellRows): Promise<Box | null> {
  let quads = await nonEmpty(db, probe, [{ x: 0, y: 0 }], GRID_BITS);
  for (let level = GRID_BITS - 1; level >= 0 && quads.length > 0; level--) {
    const half = 1 << level;
    const children = quads.flatMap((q) => [
      { x: q.x, y: q.y },
      { x: q.x + half, y: q.y },
      { x: q.x, y: q.y + half },
      { x: q.x + half, y: q.y + half },
    ]);
    quads = outermost(await nonEmpty(db, probe, children, level));
  }
  if (quads.length === 0) return null;
  // Level 0: single cells; each side's rows are in its outermost column or row of cells.
  const cells = (pick: (q: Quad) => number, best: number) =>
    quads
      .filter((q) => pick(q) === best)
      .map((q) => quadRange(q.x, q.y, 0)[0])
      .join(', ');
  const xs = quads.map((q) => q.x);
  const ys = quads.map((q) => q.y);
  const x = (q: Quad) => q.x;
  const y = (q: Quad) => q.y;
  const box = await db.get<{ w: number; s: number; e: number; n: number }>(
    `SELECT (SELECT min(lon) FROM (${rows(cells(x, Math.min(...xs)))})) AS w,
       (SELECT min(lat) FROM (${rows(cells(y, Math.min(...ys)))})) AS s,
       (SELECT max(lon) FROM (${rows(cells(x, Math.max(...xs)))})) AS e,
       (SELECT max(lat) FROM (${rows(cells(y, Math.max(...ys)))})) AS n`,
  );
  return box ? [box.w, box.s, box.e, box.n] : null;
}
