// Reads of the precomputed list view (`site_features`, written by src/db/write-site-features.ts):
// what a map, a tile, an OGC page or the OCPI sender needs per site without touching EVSE rows.
import type { Bbox } from '../spatial-key.js';
import { blobBytes, type Db } from '../types.js';
import { indexedSiteFeatures, indexedSitePieces, REV_BITS } from './spread-index.js';
import { type Folded, SITE_FEATURES, scanAll, spreadScan, spreadScanFolded } from './spread-scan.js';

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

/** What goes before and after a page's features (a FeatureCollection's head and its links). */
export interface PageFrame {
  head: string;
  tail: string;
}

/** A page of the read model's stored features, as the answer's bytes. */
export interface SiteFeaturesPage {
  /** The frame's head, the features joined by commas, the frame's tail. */
  body: Uint8Array;
  frame: PageFrame;
  /** How many features. */
  count: number;
  /**
   * Stands for the page's rows and their contents: their count and the sum of their `rev`s (REV_BITS of each). Every
   * write that changes a row gives it a new random rev, so a page with a new, changed or removed
   * site gets another revision (a removed site's place is taken by another, or the count drops),
   * while writes elsewhere leave it alone. The same for a page read from the index or by SQL.
   */
  revision: string;
  /** The id to continue after when more sites follow. */
  after: string | null;
}

type PageQuery = Required<Pick<SiteSummaryQuery, 'limit'>> & SiteSummaryQuery;

/** The frame of a page that continues after `after` (null: the last page). */
export type FrameOf = (after: string | null) => PageFrame;

const NO_FRAME: FrameOf = () => ({ head: '', tail: '' });

/**
 * The first `limit` published sites of the box in id order (a uniform sample of the box, as
 * siteSummariesInBbox reads it), their stored features joined by SQLite inside `frameOf`'s frame:
 * from the connection's in-memory spread index when it can answer (src/db/queries/spread-index.ts:
 * Node), else by the SQL spread scan (D1, or while the index is being rebuilt). Both give the same
 * bytes and revision. Without `frameOf`, the features alone.
 */
export async function siteFeaturesInBbox(
  db: Db,
  q: PageQuery,
  frameOf = NO_FRAME,
): Promise<SiteFeaturesPage> {
  const p = await indexedSiteFeatures(db, q, frameOf);
  if (!p) return siteFeaturesInBboxBySql(db, q, frameOf);
  return { ...p, revision: `${p.count}.${p.revs}` };
}

/** A page as siteFeaturesInBbox gives it, its body in pieces: concatenated, they are that body. */
export type SiteFeaturePieces = Omit<SiteFeaturesPage, 'body'> & { pieces: Uint8Array[] };

/**
 * siteFeaturesInBbox for a caller that copies the body into memory of its own anyway (the read
 * worker's body pool): the frame is not joined to the features first, which spares a copy of them.
 */
export async function siteFeaturePieces(
  db: Db,
  q: PageQuery,
  frameOf = NO_FRAME,
): Promise<SiteFeaturePieces> {
  const p = await indexedSitePieces(db, q, frameOf);
  if (p) return { ...p, revision: `${p.count}.${p.revs}` };
  const { body, ...rest } = await siteFeaturesInBboxBySql(db, q, frameOf);
  return { ...rest, pieces: [body] };
}

/**
 * The same page by the SQL spread scan. The spread index alone finds the rows (it covers id, cell,
 * lat and lon, and holds the rowid); only the rows of the page are then read, by rowid, and nothing
 * of them becomes a JS value. Measured on 1M EVSEs, 1,000 sites (703 KiB), loaded machine: reading
 * the features as strings and joining them in JS cost 13-15 ms p50; carrying them through the
 * scan's sort 3x as much as the scan alone; the rows handed back to JS and their rowids bound as
 * JSON ~1 ms more than this.
 */
export async function siteFeaturesInBboxBySql(
  db: Db,
  q: PageQuery,
  frameOf = NO_FRAME,
): Promise<SiteFeaturesPage> {
  const scan = {
    table: SITE_FEATURES,
    columns: 'f.id AS pk, f.rowid AS r',
    box: q.bbox,
    after: q.after,
    where: () => [],
  };
  const { parts, more } = await spreadScanFolded<Folded & { body: unknown; revs: number }>(
    db,
    scan,
    q.limit,
    (
      numbered,
    ) => `SELECT count(*) AS seen, count(f.rowid) AS n, max(CASE WHEN f.rowid IS NOT NULL THEN p.pk END) AS last,
        CAST(group_concat(f.feature, ',') AS BLOB) AS body, sum(${REV_BITS}) AS revs
      FROM (${numbered}) p LEFT JOIN site_features f ON f.rowid = p.r AND p.i <= ?`,
  );
  // Sums of at most 10,000 39-bit numbers (REV_BITS): exact in a JS number.
  const sum = (k: 'n' | 'revs') => parts.reduce((a, p) => a + (p[k] ?? 0), 0);
  const after = more ? (parts[parts.length - 1]?.last ?? null) : null;
  const frame = frameOf(after);
  return {
    body: framedBytes(
      frame,
      parts.map((p) => blobBytes(p.body)),
    ),
    frame,
    count: sum('n'),
    revision: `${sum('n')}.${sum('revs')}`,
    after,
  };
}

const utf8 = new TextEncoder();

/** The frame around chunks of stored features already joined by commas, as one array of bytes. */
function framedBytes(frame: PageFrame, chunks: Uint8Array[]): Uint8Array {
  const head = utf8.encode(frame.head);
  const tail = utf8.encode(frame.tail);
  let size = head.length + tail.length + Math.max(0, chunks.length - 1);
  for (const c of chunks) size += c.length;
  const out = new Uint8Array(size);
  out.set(head, 0);
  let at = head.length;
  chunks.forEach((c, i) => {
    if (i > 0) out[at++] = 0x2c; // ','
    out.set(c, at);
    at += c.length;
  });
  out.set(tail, at);
  return out;
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
