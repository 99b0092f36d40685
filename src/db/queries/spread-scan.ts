// Published locations in a box, in pk order, without reading the whole box.
//
// The pk is a hash, so the first N rows in pk order are a uniform sample of the box: a limited map
// query gets a spread over the whole box, and keyset paging (pk > cursor) is stable. Reading every
// row of a big box to sort it costs O(box); instead the index `locations_spread` is keyed by the
// pk's first two hex digits (256 buckets) and then the Morton cell, so buckets are scanned in order,
// each bucket by cell ranges, until the limit is reached: O(limit + box/256 per bucket) index reads.
// Measured on 1M EVSEs (scripts/bench/api.ts): a 2 x 1.5 degree box, 1,000 of ~11,000 rows.
import type { Bbox } from '../spatial-key.js';
import { cellRanges } from '../spatial-key.js';
import type { Db } from '../types.js';
import { SqlParams } from './sql-params.js';

/** The boxes to query: one, or two when the box crosses the antimeridian (RFC 7946 §5.2). */
export function splitAtAntimeridian(box: Bbox): Bbox[] {
  return box.minLon <= box.maxLon
    ? [box]
    : [
        { ...box, maxLon: 180 },
        { ...box, minLon: -180 },
      ];
}

/** The 256 pk buckets; pks are 16 lower-case hex digits (src/model/ids.ts). */
export const PK_BUCKETS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export interface SpreadScan {
  /** Columns over alias `l`; must include `l.pk`. */
  columns: string;
  box?: Bbox;
  /**
   * Conditions over alias `l` with placeholders of `params`. Must include the published condition
   * (its `publish = 1 AND removed_at IS NULL` lets SQLite use the partial index).
   */
  where: (p: SqlParams) => string[];
  after?: string;
}

function scanSql(scan: SpreadScan, buckets: string[], limit: number): { sql: string; params: unknown[] } {
  const p = new SqlParams();
  const b = p.add(JSON.stringify(buckets));
  const where = scan.where(p);
  if (scan.after != null) where.push(`l.pk > ${p.add(scan.after)}`);
  const tail = where.length ? ` AND ${where.join(' AND ')}` : '';
  const boxes = scan.box ? splitAtAntimeridian(scan.box) : [null];
  const parts = boxes.map((box) => {
    if (!box) {
      return `SELECT ${scan.columns} FROM json_each(${b}) b CROSS JOIN locations l
        WHERE substr(l.pk, 1, 2) = b.value${tail}`;
    }
    const ranges = p.add(JSON.stringify(cellRanges(box, boxes.length === 1 ? 24 : 12)));
    // CROSS JOIN fixes the join order: bucket, then cell range, then an index seek on both.
    return `SELECT ${scan.columns} FROM json_each(${b}) b CROSS JOIN json_each(${ranges}) r CROSS JOIN locations l
      WHERE substr(l.pk, 1, 2) = b.value
        AND l.cell BETWEEN json_extract(r.value, '$[0]') AND json_extract(r.value, '$[1]')
        AND l.lat BETWEEN ${p.add(box.minLat)} AND ${p.add(box.maxLat)}
        AND l.lon BETWEEN ${p.add(box.minLon)} AND ${p.add(box.maxLon)}${tail}`;
  });
  const union = parts.length === 1 ? parts[0]! : parts.map((s) => `SELECT * FROM (${s})`).join(' UNION ALL ');
  return p.bind(`SELECT * FROM (${union}) ORDER BY pk LIMIT ${p.add(limit)}`);
}

/**
 * The first `limit` rows in pk order. Buckets are taken in growing batches sized from the density
 * seen so far, so a dense box needs one query and a sparse one a few, never a scan of everything.
 */
export async function spreadScan<T extends { pk: string }>(db: Db, scan: SpreadScan, limit: number): Promise<T[]> {
  const first = scan.after == null ? 0 : PK_BUCKETS.findIndex((b) => b >= scan.after!.slice(0, 2));
  if (first < 0) return [];
  const out: T[] = [];
  let next = first;
  let batch = 4;
  while (next < PK_BUCKETS.length && out.length < limit) {
    const buckets = PK_BUCKETS.slice(next, next + batch);
    const q = scanSql(scan, buckets, limit - out.length);
    const rows = await db.all<T>(q.sql, q.params);
    out.push(...rows);
    next += buckets.length;
    const perBucket = Math.max(out.length, 1) / (next - first);
    batch = Math.max(batch * 2, Math.ceil(((limit - out.length) / perBucket) * 1.25));
  }
  return out;
}

/** Every row of the scan (no limit, no order): the candidates of a distance query. */
export async function scanAll<T>(db: Db, scan: SpreadScan): Promise<T[]> {
  const q = scanSql(scan, PK_BUCKETS, -1);
  return db.all<T>(q.sql, q.params);
}
