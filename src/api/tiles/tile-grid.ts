// Web Mercator tile arithmetic (the XYZ scheme of OSM and MapLibre) and the rule that puts every
// point in exactly one tile of a zoom: a tile owns its west and north edges, not its east and south
// ones, except at the edge of the world, where the last column owns lon 180 and the first and last
// rows own everything Web Mercator cannot show (beyond ±85.0511°).
import type { TileArea } from '../../db/queries/tiles.js';
import { latOfMercatorRow } from '../../model/geo.js';

/** Mapbox Vector Tile extent: coordinates inside a tile run from 0 to 4095. */
export const EXTENT = 4096;
export const MAX_ZOOM = 22;

export interface TileId {
  z: number;
  x: number;
  y: number;
}

const latOfRow = latOfMercatorRow;

/** The tile's area in lon/lat with the ownership rule above, as the queries take it. */
export function tileArea({ z, x, y }: TileId): TileArea {
  const n = 2 ** z;
  const west = (x / n) * 360 - 180;
  const east = ((x + 1) / n) * 360 - 180;
  const north = latOfRow(y, n);
  const south = latOfRow(y + 1, n);
  return {
    box: {
      minLon: west,
      maxLon: east,
      minLat: y === n - 1 ? -90 : south,
      maxLat: y === 0 ? 90 : north,
    },
    lonBelow: x === n - 1 ? null : east,
    latAbove: y === n - 1 ? null : south,
  };
}

/** Web Mercator x and y of a point, each 0..1 over the world (y grows southward), clamped. */
export function mercator(lat: number, lon: number): { mx: number; my: number } {
  const clampedLat = Math.max(-85.0511287798, Math.min(85.0511287798, lat));
  const s = Math.sin((clampedLat * Math.PI) / 180);
  const my = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
  return { mx: (lon + 180) / 360, my: Math.max(0, Math.min(1, my)) };
}

/** Integer tile coordinates of a point, 0..4095, clamped so a point on the owned edge stays inside. */
export function tilePixel(t: TileId, lat: number, lon: number): [number, number] {
  const n = 2 ** t.z;
  const { mx, my } = mercator(lat, lon);
  const px = Math.floor((mx * n - t.x) * EXTENT);
  const py = Math.floor((my * n - t.y) * EXTENT);
  const clamp = (v: number) => Math.max(0, Math.min(EXTENT - 1, v));
  return [clamp(px), clamp(py)];
}

/** The latitudes that cut a tile into `rows` equal Web Mercator rows, from south to north. */
export function rowBoundaries({ z, y }: TileId, rows: number): number[] {
  const n = 2 ** z;
  const out: number[] = [];
  for (let i = rows - 1; i >= 1; i--) out.push(latOfRow(y + i / rows, n));
  return out;
}
