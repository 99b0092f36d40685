// Published locations in a box, in pk order, without reading the whole box.
//
// The pk is a hash, so the first N rows in pk order are a uniform sample of the box: a limited map
// query gets a spread over the whole box, and keyset paging (pk > cursor) is stable. Reading every
// row of a big box to sort it costs O(box); instead the index `locations_spread` is keyed by the
// pk's first hex digit (16 buckets, `unicode(pk)`: drizzle-kit cannot write an expression with commas
// such as substr(pk, 1, 2) into a migration) and then the Morton cell, so buckets are scanned in
// order, each by cell ranges, until the limit is reached: O(limit + box/16) index reads, no table.
// Measured on 1M EVSEs (scripts/bench/api.ts): a 2 x 1.5 degree box, 1,000 of ~11,000 rows.
import type { Bbox } from '../../model/geo.js';
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

/**
 * The buckets, in string order of the ids' first character. Ids are 16 lower-case hex digits
 * (src/model/ids.ts, dedupe's site ids), each hex digit a bucket read by index seeks; the ranges
 * between them catch any other id (none in practice) with a plain range scan, so nothing is missed.
 */
type Bucket = { eq: number } | { range: [number, number] };

const code = (c: string) => c.charCodeAt(0);
export const PK_BUCKETS: Bucket[] = [
  { range: [0, code('0') - 1] },
  ...[...'0123456789'].map((c) => ({ eq: code(c) })),
  { range: [code('9') + 1, code('a') - 1] },
  ...[...'abcdef'].map((c) => ({ eq: code(c) })),
  { range: [code('f') + 1, 0x10ffff] },
];

/** A table with a hashed id and a spread index: `unicode(id), cell, lat, lon, id`. */
export interface SpreadTable {
  name: 'locations' | 'sites' | 'site_features';
  alias: string;
  id: string;
}

export const LOCATIONS: SpreadTable = { name: 'locations', alias: 'l', id: 'pk' };
export const SITES: SpreadTable = { name: 'sites', alias: 's', id: 'id' };
export const SITE_FEATURES: SpreadTable = { name: 'site_features', alias: 'f', id: 'id' };

export interface SpreadScan {
  /** Default: locations as `l`. */
  table?: SpreadTable;
  /** Columns over the table's alias; must include its id as `pk`. */
  columns: string;
  box?: Bbox;
  /**
   * Conditions over the alias with placeholders of `p`. Must imply the spread index's WHERE
   * (locations: `publish = 1 AND removed_at IS NULL`; sites: `merged_into IS NULL`).
   */
  where: (p: SqlParams) => string[];
  after?: string;
}

/** The first bucket that can hold ids after `after`. */
function firstBucket(after: string | undefined): number {
  if (after == null || after === '') return 0;
  const c = after.codePointAt(0)!;
  return PK_BUCKETS.findIndex((b) => ('eq' in b ? b.eq >= c : b.range[1] >= c));
}

function scanSql(scan: SpreadScan, buckets: Bucket[], limit: number): { sql: string; params: unknown[] } {
  const { name, alias: a, id } = scan.table ?? LOCATIONS;
  const p = new SqlParams();
  const where = scan.where(p);
  if (scan.after != null) where.push(`${a}.${id} > ${p.add(scan.after)}`);
  const tail = where.length ? ` AND ${where.join(' AND ')}` : '';
  const eqs = buckets.flatMap((b) => ('eq' in b ? [b.eq] : []));
  const ranges = buckets.flatMap((b) => ('range' in b ? [b.range] : []));
  const boxes = scan.box ? splitAtAntimeridian(scan.box) : [null];
  const parts: string[] = [];
  for (const box of boxes) {
    const inBox = box
      ? ` AND ${a}.lat BETWEEN ${p.add(box.minLat)} AND ${p.add(box.maxLat)}
          AND ${a}.lon BETWEEN ${p.add(box.minLon)} AND ${p.add(box.maxLon)}`
      : '';
    const cells = box ? p.add(JSON.stringify(cellRanges(box, boxes.length === 1 ? 24 : 12))) : null;
    if (eqs.length) {
      const b = p.add(JSON.stringify(eqs));
      // CROSS JOIN fixes the join order: bucket, then cell range, then an index seek on both.
      parts.push(
        cells
          ? `SELECT ${scan.columns} FROM json_each(${b}) b CROSS JOIN json_each(${cells}) r CROSS JOIN ${name} ${a}
            WHERE unicode(${a}.${id}) = b.value
              AND ${a}.cell BETWEEN json_extract(r.value, '$[0]') AND json_extract(r.value, '$[1]')${inBox}${tail}`
          : `SELECT ${scan.columns} FROM json_each(${b}) b CROSS JOIN ${name} ${a}
            WHERE unicode(${a}.${id}) = b.value${tail}`,
      );
    }
    for (const [lo, hi] of ranges) {
      parts.push(`SELECT ${scan.columns} FROM ${name} ${a}
        WHERE unicode(${a}.${id}) BETWEEN ${p.add(lo)} AND ${p.add(hi)}${inBox}${tail}`);
    }
  }
  if (parts.length === 0) return p.bind(`SELECT ${scan.columns} FROM ${name} ${a} WHERE 0`);
  const union = parts.length === 1 ? parts[0]! : parts.map((x) => `SELECT * FROM (${x})`).join(' UNION ALL ');
  return p.bind(`SELECT * FROM (${union}) ORDER BY pk LIMIT ${p.add(limit)}`);
}

/** Without a box the pk index itself gives the order: read it from the cursor on. */
function pkOrderSql(scan: SpreadScan, limit: number): { sql: string; params: unknown[] } {
  const { name, alias: a, id } = scan.table ?? LOCATIONS;
  const p = new SqlParams();
  const where = scan.where(p);
  if (scan.after != null) where.push(`${a}.${id} > ${p.add(scan.after)}`);
  return p.bind(
    `SELECT ${scan.columns} FROM ${name} ${a} WHERE ${where.join(' AND ') || '1'} ORDER BY ${a}.${id} LIMIT ${p.add(limit)}`,
  );
}

/**
 * The first `limit` rows in pk order. Buckets are taken in growing batches sized from the density
 * seen so far, so a dense box needs one query and a sparse one a few, never a scan of everything.
 */
export async function spreadScan<T extends { pk: string }>(
  db: Db,
  scan: SpreadScan,
  limit: number,
): Promise<T[]> {
  if (!scan.box) {
    const q = pkOrderSql(scan, limit);
    return db.all<T>(q.sql, q.params);
  }
  const out: T[] = [];
  await inBatches(scan.after, limit, async (buckets, wanted) => {
    const q = scanSql(scan, buckets, wanted);
    const rows = await db.all<T>(q.sql, q.params);
    out.push(...rows);
    return rows.length;
  });
  return out;
}

/** One statement's share of a folded scan. */
export interface Folded {
  /** Rows the statement's scan found: at most one more than it was allowed to fold. */
  seen: number;
  /** Rows folded. */
  n: number;
  /** The pk of the last row folded. */
  last: string | null;
}

/**
 * The first `limit` rows in pk order, as spreadScan finds them, folded by SQL in the statement that
 * finds them, so no row crosses into JS. `fold` wraps the scan's query (rows `pk` and the table's
 * columns asked for, in pk order, numbered `i` from 1) into one row of `Folded` and more; its SQL
 * ends with a placeholder bound to how many of the rows it may fold (the scan finds one more, so
 * the page knows whether rows follow). Returns the statements' rows, in order, and whether more
 * rows follow the last one folded.
 */
export async function spreadScanFolded<T extends Folded>(
  db: Db,
  scan: SpreadScan,
  limit: number,
  fold: (numberedScan: string) => string,
): Promise<{ parts: T[]; more: boolean }> {
  const parts: T[] = [];
  let folded = 0;
  const run = async (q: { sql: string; params: unknown[] }, may: number) => {
    // The window names its order: SQL does not promise a subquery's order to an empty OVER (). SQLite
    // sees the scan is already in pk order and adds no sort (EXPLAIN QUERY PLAN).
    const sql = fold(`SELECT s.*, row_number() OVER (ORDER BY s.pk) AS i FROM (${q.sql}) s`);
    const row = await db.get<T>(sql, [...q.params, may]);
    if (row && row.n > 0) parts.push(row);
    folded += row?.n ?? 0;
    return row?.seen ?? 0;
  };
  if (!scan.box) {
    const seen = await run(pkOrderSql(scan, limit + 1), limit);
    return { parts, more: seen > limit };
  }
  let seen = 0;
  await inBatches(scan.after, limit + 1, async (buckets, wanted) => {
    const found = await run(scanSql(scan, buckets, wanted), limit - folded);
    seen += found;
    return found;
  });
  return { parts, more: seen > limit };
}

/**
 * Runs `batch` on growing slices of the buckets from the one that can hold ids after `after`,
 * until `limit` rows were found or every bucket was read. `batch` returns how many rows it found.
 */
async function inBatches(
  after: string | undefined,
  limit: number,
  batch: (buckets: Bucket[], wanted: number) => Promise<number>,
): Promise<void> {
  const first = firstBucket(after);
  if (first < 0) return;
  let found = 0;
  let next = first;
  // The first slice takes the (empty) range before '0' and bucket '0'.
  let size = 2;
  let hexSeen = 0;
  while (next < PK_BUCKETS.length && found < limit) {
    const buckets = PK_BUCKETS.slice(next, next + size);
    found += await batch(buckets, limit - found);
    next += buckets.length;
    hexSeen += buckets.filter((b) => 'eq' in b).length;
    size = nextBatch(size, found / Math.max(1, hexSeen), limit - found);
  }
}

/**
 * Buckets to take next: as many as the rows still wanted need at the density seen so far (per hex
 * bucket; the ranges between them are empty in practice), plus a quarter, and twice as many while
 * nothing was found. Each bucket taken is read whole (every entry of the box in it, then sorted by
 * id), so taking more than needed costs: on 1M EVSEs (1,000 of ~11,000 sites, ~690 per bucket) a
 * floor of twice the last batch read 5 buckets where 2 suffice.
 */
function nextBatch(last: number, perBucket: number, wanted: number): number {
  return perBucket === 0 ? last * 2 : Math.max(1, Math.ceil((wanted / perBucket) * 1.25));
}

/** Every row of the scan (no limit, no order): the candidates of a distance query. */
export async function scanAll<T>(db: Db, scan: SpreadScan): Promise<T[]> {
  const q = scanSql(scan, PK_BUCKETS, -1);
  return db.all<T>(q.sql, q.params);
}
