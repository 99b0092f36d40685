// Candidate pairs without a full scan: points are bucketed in a grid whose cells are at least the
// search radius wide, so every point within the radius lies in the 3x3 block of cells around a
// point. Cells are square in metres: each latitude row has its own longitude step.
import { distanceM, lonDegreesPerMetre, METRES_PER_DEGREE_LAT } from '../model/geo.js';

export interface Point {
  lat: number;
  lon: number;
}

export interface CandidatePair {
  i: number;
  j: number;
  distanceM: number;
}

export class GridIndex {
  private readonly cellLat: number;
  /** Buckets by cell key (row and column packed in one number: no string per lookup). */
  private readonly cells = new Map<number, number[]>();

  constructor(
    private readonly points: readonly Point[],
    private readonly radiusM: number,
  ) {
    if (!(radiusM >= 20)) throw new Error(`search radius ${radiusM} m: at least 20 m`);
    this.cellLat = radiusM / METRES_PER_DEGREE_LAT;
    points.forEach((p, i) => {
      const key = this.keyOf(p.lat, p.lon);
      const bucket = this.cells.get(key);
      if (bucket) bucket.push(i);
      else this.cells.set(key, [i]);
    });
  }

  private row(lat: number): number {
    return Math.floor(lat / this.cellLat);
  }

  /** Longitude width of a row's cells: the radius at the row's edge nearest the pole. */
  private cellLon(row: number): number {
    const edge = Math.max(Math.abs(row * this.cellLat), Math.abs((row + 1) * this.cellLat));
    return this.radiusM * lonDegreesPerMetre(edge);
  }

  private keyOf(lat: number, lon: number): number {
    const r = this.row(lat);
    return cellKey(r, Math.floor(lon / this.cellLon(r)));
  }

  /** Indexes of points within the radius of (lat, lon), with their distances. */
  near(lat: number, lon: number, radiusM = this.radiusM): { index: number; distanceM: number }[] {
    const out: { index: number; distanceM: number }[] = [];
    this.visitNear(lat, lon, radiusM, (index, d) => {
      out.push({ index, distanceM: d });
    });
    return out;
  }

  private visitNear(
    lat: number,
    lon: number,
    radiusM: number,
    visit: (index: number, distanceM: number) => void,
  ): void {
    const r0 = this.row(lat);
    const rows = Math.ceil(radiusM / this.radiusM);
    for (let r = r0 - rows; r <= r0 + rows; r++) {
      const step = this.cellLon(r);
      // Generous on purpose: the widest longitude span either point's latitude could need.
      const poleward = Math.max(Math.abs(lat), Math.abs(r * this.cellLat), Math.abs((r + 1) * this.cellLat));
      const span = radiusM * lonDegreesPerMetre(poleward + this.cellLat);
      // Near the antimeridian the search also looks at the other side, shifted by 360 degrees.
      const centres = lon - span < -180 ? [lon, lon + 360] : lon + span > 180 ? [lon, lon - 360] : [lon];
      for (const centre of centres) {
        const c0 = Math.floor((centre - span) / step);
        const c1 = Math.floor((centre + span) / step);
        for (let c = c0; c <= c1; c++) {
          const bucket = this.cells.get(cellKey(r, c));
          if (!bucket) continue;
          for (const index of bucket) {
            const p = this.points[index]!;
            const d = distanceM(lat, lon, p.lat, p.lon);
            if (d <= radiusM) visit(index, d);
          }
        }
      }
    }
  }

  /** Every pair (i < j) of points within the radius of each other. */
  pairs(): CandidatePair[] {
    const out: CandidatePair[] = [];
    this.points.forEach((p, i) => {
      this.visitNear(p.lat, p.lon, this.radiusM, (j, d) => {
        if (j > i) out.push({ i, j, distanceM: d });
      });
    });
    return out;
  }
}

/** Row and column in one safe integer: with cells of 20 m or more, |row| < 2^19 and |column| < 2^30. */
function cellKey(row: number, column: number): number {
  return (row + 2 ** 19) * 2 ** 31 + (column + 2 ** 30);
}
