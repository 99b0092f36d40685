// Mapbox Vector Tile 2.1 encoding of point layers with @maplibre/vt-pbf (the encoder MapLibre
// itself ships). Properties are numbers, strings and booleans only: MVT has no lists, so lists
// travel as compact strings.
import Point from '@mapbox/point-geometry';
import { fromVectorTileJs, type VectorTileLayerLike, type VectorTileLike } from '@maplibre/vt-pbf';
import { EXTENT } from './tile-grid.js';

export type TileValue = string | number | boolean;

export interface TilePoint {
  /** Tile coordinates, 0..EXTENT-1. */
  x: number;
  y: number;
  properties: Record<string, TileValue | null>;
}

function pointLayer(name: string, points: TilePoint[]): VectorTileLayerLike {
  return {
    version: 2,
    name,
    extent: EXTENT,
    length: points.length,
    feature: (i) => {
      const pt = points[i]!;
      const properties: Record<string, TileValue> = {};
      for (const [k, v] of Object.entries(pt.properties)) if (v != null) properties[k] = v;
      return {
        type: 1,
        id: undefined,
        extent: EXTENT,
        properties,
        loadGeometry: () => [[new Point(pt.x, pt.y)]],
      };
    },
  };
}

/** The tile's bytes; layers without points are left out, so an empty tile is zero bytes (valid MVT). */
export function encodeTile(layers: Record<string, TilePoint[]>): Uint8Array {
  const tile: VectorTileLike = { layers: {} };
  for (const [name, points] of Object.entries(layers)) {
    if (points.length > 0) tile.layers[name] = pointLayer(name, points);
  }
  return fromVectorTileJs(tile);
}
