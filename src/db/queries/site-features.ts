// Reads of the precomputed list view (`site_features`, written by src/db/write-site-features.ts):
// what a map, a tile, an OGC page or the OCPI sender needs per site without touching EVSE rows.
import type { Bbox } from '../spatial-key.js';
import type { Db } from '../types.js';
import { SITE_FEATURES, scanAll, spreadScan } from './spread-scan.js';

/** One published site as the read model holds it. */
export interface SiteSummary {
  id: string;
  kind: 'lone' | 'site';
  lat: number;
  lon: number;
  evse_count: number;
  available_count: number;
  connector_count: number;
  max_power_w: number | null;
  operator: string | null;
  country: string | null;
  /** JSON list of source ids. */
  sources: string;
  last_updated: string;
  /** The GeoJSON Feature of the list answer, serialized. */
  feature: string;
}

export interface SiteSummaryQuery {
  bbox?: Bbox;
  /** Keyset paging: ids after this one. */
  after?: string;
  /** Omitted: every site of the box, unordered. */
  limit?: number;
}

const COLUMNS = `f.id AS pk, f.id, f.kind, f.lat, f.lon, f.evse_count, f.available_count, f.connector_count,
  f.max_power_w, f.operator, f.country, f.sources, f.last_updated, f.feature`;

/**
 * Published sites in the box (antimeridian-aware), in id order: the first `limit` of them are a
 * uniform sample of the box (ids are hashes), read by the spread index. One index range scan per id
 * bucket plus a row read per site; nothing is assembled.
 */
export async function siteSummariesInBbox(db: Db, q: SiteSummaryQuery): Promise<SiteSummary[]> {
  const scan = { table: SITE_FEATURES, columns: COLUMNS, box: q.bbox, after: q.after, where: () => [] };
  return q.limit == null
    ? scanAll<SiteSummary>(db, scan)
    : spreadScan<SiteSummary & { pk: string }>(db, scan, q.limit);
}

/** The stored features of these sites, by id (ids without a published site are absent). */
export async function siteFeaturesByIds(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.all<{ id: string; feature: string }>(
    'SELECT id, feature FROM site_features WHERE id IN (SELECT value FROM json_each(?))',
    [JSON.stringify(ids)],
  );
  return new Map(rows.map((r) => [r.id, r.feature]));
}
