// The collections' extent from scratch: one scan of every published location (and live site with
// a published member), as /ogc computed its box before it read the cell index. The time range is
// open by definition (src/db/queries/ogc-items.ts publishedExtent).

import type { Extent } from '../../src/db/queries/ogc-items.js';
import { PUBLISHED } from '../../src/db/queries/publication.js';
import type { Db } from '../../src/db/types.js';

type Row = { lat: number; lon: number };

export async function extentFromScratch(db: Db, withSites: boolean): Promise<Extent> {
  const rows = await db.all<Row>(`SELECT l.lat, l.lon FROM locations l WHERE ${PUBLISHED}`);
  if (rows.length === 0) return { bbox: null, interval: [null, null] };
  const sites = withSites
    ? await db.all<Row>(
        `SELECT s.lat, s.lon FROM sites s WHERE s.merged_into IS NULL
         AND EXISTS (SELECT 1 FROM locations l WHERE l.site_id = s.id AND ${PUBLISHED})`,
      )
    : [];
  const points = [...rows, ...sites];
  const lons = points.map((p) => p.lon);
  const lats = points.map((p) => p.lat);
  return {
    bbox: [
      Math.floor(Math.min(...lons) * 1e7) / 1e7,
      Math.floor(Math.min(...lats) * 1e7) / 1e7,
      Math.ceil(Math.max(...lons) * 1e7) / 1e7,
      Math.ceil(Math.max(...lats) * 1e7) / 1e7,
    ],
    interval: [null, null],
  };
}
