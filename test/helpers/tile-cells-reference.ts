// The cluster cells (tile_cells) built from scratch in plain JS with the standard slippy-map
// formulas, independent of src/db/tile-cells.ts: every published site (a site_features row) in
// its 8 x 8 grid cell of each zoom 0-10, with counts, sums in 1e-7 degrees and split zooms, plus
// each site's rated power summed from the live EVSEs of its published locations.

import { PUBLISHED } from '../../src/db/queries/publication.js';
import { siteKeySql } from '../../src/db/queries/sites.js';
import type { StoredCell } from '../../src/db/queries/tiles.js';
import type { Db } from '../../src/db/types.js';

/** A cell as stored, with its zoom. */
export type CellRow = StoredCell & { zoom: number };

function gridCell(lat: number, lon: number, n: number): { x: number; y: number } {
  const r = (lat * Math.PI) / 180;
  const my = (1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2;
  const clamp = (v: number) => Math.max(0, Math.min(n - 1, Math.floor(v)));
  return { x: clamp(((lon + 180) / 360) * n), y: clamp(my * n) };
}

/** The cells as the stored table should hold them, in (zoom, y, x) order. */
export async function tileCellsFromScratch(db: Db): Promise<CellRow[]> {
  const sites = await db.all<{ lat: number; lon: number; evse_count: number; installed_w: number }>(
    `SELECT sf.lat, sf.lon, sf.evse_count, coalesce(w.w, 0) AS installed_w FROM site_features sf
     LEFT JOIN (SELECT ${siteKeySql('l')} AS id, sum(e.max_power_w) AS w FROM locations l
       JOIN evses e ON e.location_pk = l.pk AND e.removed_at IS NULL WHERE ${PUBLISHED} GROUP BY 1) w ON w.id = sf.id`,
  );
  const cells = new Map<string, CellRow>();
  const children = new Map<string, Set<string>>();
  for (let zoom = 0; zoom <= 10; zoom++) {
    for (const s of sites) {
      const { x, y } = gridCell(s.lat, s.lon, 2 ** (zoom + 3));
      const key = `${zoom}/${y}/${x}`;
      const c = cells.get(key) ?? {
        zoom,
        y,
        x,
        sites: 0,
        evses: 0,
        installed_w: 0,
        lat_sum: 0,
        lon_sum: 0,
        split_zoom: 11,
      };
      c.sites++;
      c.evses += s.evse_count;
      c.installed_w += s.installed_w;
      c.lat_sum += Math.round(s.lat * 1e7);
      c.lon_sum += Math.round(s.lon * 1e7);
      cells.set(key, c);
      if (zoom > 0) {
        const parent = `${zoom - 1}/${y >> 1}/${x >> 1}`;
        children.set(parent, (children.get(parent) ?? new Set()).add(key));
      }
    }
  }
  // Zoom 10 cells split where sites begin (11); above, at the next zoom if two children hold
  // sites, else where their one child splits.
  for (let zoom = 9; zoom >= 0; zoom--) {
    for (const c of cells.values()) {
      if (c.zoom !== zoom) continue;
      const kids = [...children.get(`${zoom}/${c.y}/${c.x}`)!];
      c.split_zoom = kids.length > 1 ? zoom + 1 : cells.get(kids[0]!)!.split_zoom;
    }
  }
  return [...cells.values()].sort((a, b) => a.zoom - b.zoom || a.y - b.y || a.x - b.x);
}

export async function storedTileCells(db: Db): Promise<CellRow[]> {
  return db.all<CellRow>(
    `SELECT zoom, y, x, sites, evses, installed_w, lat_sum, lon_sum, split_zoom FROM tile_cells ORDER BY zoom, y, x`,
  );
}
