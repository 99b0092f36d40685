// The spread order of the read model in memory: every site_features row's id, position and rowid,
// in id order, per connection (the Node host's event loop and each read worker keep one), so an
// unfiltered bbox page is a walk over typed arrays plus one statement that reads its rows' stored
// features by rowid. The SQL spread scan (spread-scan.ts) sorts ~1,400 index entries per page in two
// statements: ~1 ms of the ~2 ms of SQL a page cost on 1M EVSEs; the walk takes ~0.05-0.1 ms for
// a dense box and up to ~0.9 ms for a box so small that it reads all 250,656 rows.
//
// Never stale: the page's statement reads, in the same snapshot as the features, the generation of
// the places (src/db/site-features-gen.ts, moved by triggers whenever a row is added, removed or
// moved) and the schema version (a trigger dropped or created); when either differs from what the
// index was built under, the page is read by the SQL scan instead and the index is built again.
// A status push changes rows' features but not their places: the index stays.
//
// Memory: 32 bytes a row (two 32-bit halves of the id, lat and lon as the stored doubles, so the
// box test is SQL's BETWEEN to the bit, and the rowid): 7.6 MiB for 250,656 sites, and 1.3 MiB more
// while it is built (the sort's order). Building reads the spread index (it covers id, lat and lon) and sorts in JS:
// ~0.6 s on 1M EVSEs, so rebuilds are spaced (REBUILD_GAP): a sync that moves sites on every commit
// does not make every page a build; pages read by SQL meanwhile are as right, only slower.
import { SITE_FEATURES_GEN_KEY, SITE_FEATURES_GEN_TRIGGER_NAMES } from '../site-features-gen.js';
import type { Bbox } from '../spatial-key.js';
import { blobBytes, type Db } from '../types.js';
import type { PageFrame } from './site-features.js';
import { splitAtAntimeridian } from './spread-scan.js';

interface SpreadIndex {
  /** The id's first and last 8 hex digits, in id order. */
  hi: Uint32Array;
  lo: Uint32Array;
  lat: Float64Array;
  lon: Float64Array;
  rowid: Float64Array;
  /** The generation and schema version it was built under. */
  key: string;
}

interface IndexState {
  index: SpreadIndex | null;
  /** Whether a page found the data moved on since the index was built. */
  stale: boolean;
  /** When the last build ended (performance.now()) and how long it took, in ms. */
  builtAt: number;
  buildMs: number;
  builds: number;
  building?: Promise<void>;
}

const states = new WeakMap<Db, IndexState>();

/**
 * After a build, the next one waits this many times as long as the build took: builds take at most
 * a tenth of a busy reader's time, whatever the write load.
 */
export const REBUILD_GAP = 9;

// The generation is absent until the first write after the triggers were created: then the key is
// the schema version alone.
const KEY_SQL = `coalesce((SELECT value FROM meta WHERE key = '${SITE_FEATURES_GEN_KEY}') || '/' ||
  (SELECT schema_version FROM pragma_schema_version), '/' || (SELECT schema_version FROM pragma_schema_version))`;

const TRIGGERS_SQL = `SELECT count(*) AS n FROM sqlite_master WHERE type = 'trigger'
  AND name IN (${SITE_FEATURES_GEN_TRIGGER_NAMES.map((n) => `'${n}'`).join(', ')})`;

const keyOf = async (db: Db) => (await db.get<{ key: string }>(`SELECT ${KEY_SQL} AS key`))!.key;

// What of a row's 64-bit rev a page sums: its low 39 bits, so the sum of up to 10,000 rows (the
// largest page, or the SQL scan's parts added up in JS) stays exact in a JS number and cannot
// overflow SQLite's integers. One sum: the two sums of 30-bit halves before were ~0.05 ms of the
// ~0.41 ms page statement, one ~0.025 (1,000 moving boxes, raw better-sqlite3, 2026-12-07); a
// changed row still changes the sum but for a chance of 2^-39.
export const REV_BITS = 'f.rev & 549755813887';

// CROSS JOIN keeps json_each outside: rows are read, and concatenated, in the order of the list.
const pageSql = (body: string) => `SELECT ${KEY_SQL} AS key,
  count(f.rowid) AS n, ${body} AS body, sum(${REV_BITS}) AS revs
  FROM json_each(?) j CROSS JOIN site_features f ON f.rowid = j.value`;

// The frame is joined here too: the answer's bytes come out of SQLite whole, and no copy of them
// is made in JS (each 700 KB array is external memory to V8, and its collections follow those).
const FRAMED_PAGE_SQL = pageSql(`CAST(? || coalesce(group_concat(f.feature, ','), '') || ? AS BLOB)`);

// The features alone, for a caller that writes the frame and them into memory of its own (the read
// worker's body pool): the frame's `||` copies the 700 KB once more, ~0.05-0.08 ms of the ~0.5 ms
// statement (1,000 moving boxes, raw better-sqlite3, 2026-12-07).
const FEATURES_PAGE_SQL = pageSql(`CAST(group_concat(f.feature, ',') AS BLOB)`);

const CANONICAL_ID = /^[0-9a-f]{16}$/;

/**
 * Reads every row's place. Null when the index cannot stand for the table: the triggers that move
 * the generation are missing (a read-only connection to a file no writer of this version opened),
 * an id is not 16 lower-case hex digits (id order would not be the numbers' order), or the places
 * moved while they were read.
 */
async function buildIndex(db: Db): Promise<SpreadIndex | null> {
  const triggers = await db.get<{ n: number }>(TRIGGERS_SQL);
  if (triggers?.n !== SITE_FEATURES_GEN_TRIGGER_NAMES.length) return null;
  const key = await keyOf(db);
  // Read straight into typed arrays sized by a count (grown should rows arrive meanwhile), then
  // sorted in place: the build holds the columns once, outside V8's heap, and nothing per row in it.
  const counted = (await db.get<{ n: number }>('SELECT count(*) AS n FROM site_features'))?.n ?? 0;
  let rows = columns(counted + 64);
  let n = 0;
  let canonical = true;
  await db.eachRow!(
    'SELECT id, lat, lon, rowid FROM site_features INDEXED BY site_features_spread',
    [],
    (r) => {
      if (n === rows.hi.length) rows = columns(n * 2, rows);
      const id = r[0] as string;
      if (!CANONICAL_ID.test(id)) canonical = false;
      rows.hi[n] = Number.parseInt(id.slice(0, 8), 16);
      rows.lo[n] = Number.parseInt(id.slice(8), 16);
      rows.lat[n] = r[1] as number;
      rows.lon[n] = r[2] as number;
      rows.rowid[n] = r[3] as number;
      n++;
    },
  );
  // One statement reads one snapshot; the generation only grows, so the same key before and after
  // means no write moved a place in between.
  if (!canonical || (await keyOf(db)) !== key) return null;
  const { hi, lo } = rows;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => hi[a]! - hi[b]! || lo[a]! - lo[b]!);
  permuteInPlace(rows, order);
  const sorted = Object.fromEntries(COLUMNS.map((c) => [c, rows[c].subarray(0, n)])) as unknown as Columns;
  return { ...sorted, key };
}

/**
 * Puts row order[i] at position i in every column, cycle by cycle, without a second copy of the
 * columns (a copy was ~8 MB more at the build's peak, in a process held to 256 MB).
 */
function permuteInPlace(rows: Columns, order: Uint32Array): void {
  const placed = new Uint8Array(order.length);
  const held = COLUMNS.map(() => 0);
  for (let start = 0; start < order.length; start++) {
    if (placed[start]) continue;
    COLUMNS.forEach((c, k) => {
      held[k] = rows[c][start]!;
    });
    let at = start;
    for (;;) {
      placed[at] = 1;
      const from = order[at]!;
      if (from === start) break;
      for (const c of COLUMNS) rows[c][at] = rows[c][from]!;
      at = from;
    }
    COLUMNS.forEach((c, k) => {
      rows[c][at] = held[k]!;
    });
  }
}

const COLUMNS = ['hi', 'lo', 'lat', 'lon', 'rowid'] as const;
type Columns = Omit<SpreadIndex, 'key'>;

/** Empty columns for `size` rows, holding `from`'s rows when given. */
function columns(size: number, from?: Columns): Columns {
  const out: Columns = {
    hi: new Uint32Array(size),
    lo: new Uint32Array(size),
    lat: new Float64Array(size),
    lon: new Float64Array(size),
    rowid: new Float64Array(size),
  };
  if (from) for (const c of COLUMNS) out[c].set(from[c]);
  return out;
}

const hex8 = (v: number) => v.toString(16).padStart(8, '0');
const idAt = (ix: SpreadIndex, i: number) => hex8(ix.hi[i]!) + hex8(ix.lo[i]!);

/**
 * The first position whose id sorts after `after`, as SQLite compares text (ids are ASCII: a
 * JavaScript comparison gives the same order for any cursor).
 */
function firstAfter(ix: SpreadIndex, after: string | undefined): number {
  if (after == null) return 0;
  let lo = 0;
  let hi = ix.hi.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (idAt(ix, mid) > after) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Never matches: the second side of a box that does not cross the antimeridian. */
const NO_SIDE = { minLon: Number.POSITIVE_INFINITY, maxLon: Number.NEGATIVE_INFINITY };

/**
 * Positions of the first `limit` + 1 rows in the box after the cursor: what the SQL scan finds.
 * Branch-free: each row is written to the output and kept by adding its test's result (0 or 1) to
 * the count; with a quarter to a half of the rows in the box's latitudes, branches on the tests
 * were mispredicted so often that the walk took 3-5x as long (0.3 ms for a 1,000-site page).
 */
function walk(ix: SpreadIndex, box: Bbox | undefined, after: string | undefined, limit: number): Uint32Array {
  const out = new Uint32Array(limit + 2);
  const n = ix.hi.length;
  const start = firstAfter(ix, after);
  if (!box) {
    let m = 0;
    for (let i = start; i < n && m <= limit; i++) out[m++] = i;
    return out.subarray(0, m);
  }
  // The same tests as the scan's BETWEENs, on each side of the antimeridian.
  const [a, b = NO_SIDE] = splitAtAntimeridian(box);
  const { minLat, maxLat } = box;
  const { minLon: aMin, maxLon: aMax } = a!;
  const { minLon: bMin, maxLon: bMax } = b;
  const { lat, lon } = ix;
  let m = 0;
  if (b === NO_SIDE) {
    // One side (nearly every box): two tests fewer a row, ~0.01-0.02 ms of a dense page's walk.
    for (let i = start; i < n && m <= limit; i++) {
      const y = lat[i]!;
      const x = lon[i]!;
      out[m] = i;
      m += +(y >= minLat) & +(y <= maxLat) & +(x >= aMin) & +(x <= aMax);
    }
    return out.subarray(0, m);
  }
  for (let i = start; i < n && m <= limit; i++) {
    const y = lat[i]!;
    const x = lon[i]!;
    out[m] = i;
    m += +(y >= minLat) & +(y <= maxLat) & ((+(x >= aMin) & +(x <= aMax)) | (+(x >= bMin) & +(x <= bMax)));
  }
  return out.subarray(0, m);
}

// A page's rowids reach SQLite as a JSON list. They are spread places below 2^52 (16 digits,
// src/db/write-site-features.ts), and JavaScript's number-to-text for numbers that large took
// 100-180 us for a page's 1,000 in a loop (`join`). Written here as ASCII from a table of 4-digit
// groups, each rowid in a slot of 20 bytes (16 digits, its leading zeros as spaces, then a comma
// and spaces: JSON whitespace, which json_each skips), so that every group is one aligned 32-bit
// store: ~9 us a page against ~30 us for the same table written byte by byte with the zeros cut
// (micro-bench, 200 pages of 1,000). Under the api bench's load the list was ~0.065 ms of the read
// worker's CPU a page before this (byte by byte, profiled 2026-12-07); now ~9 us.
const DIGITS4 = (() => {
  const t = new Uint32Array(10_000);
  for (let i = 0; i < 10_000; i++) {
    const s = String(i).padStart(4, '0');
    t[i] = ascii4(s.charCodeAt(0), s.charCodeAt(1), s.charCodeAt(2), s.charCodeAt(3));
  }
  return t;
})();

/** Four ASCII bytes as the 32-bit word that stores them in this order (little-endian). */
function ascii4(a: number, b: number, c: number, d: number): number {
  return (a | (b << 8) | (c << 16) | (d << 24)) >>> 0;
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
const SPACE = 0x20;
const OPEN = ascii4(0x5b, SPACE, SPACE, SPACE); // '[   '
const COMMA = ascii4(0x2c, SPACE, SPACE, SPACE); // ',   '
const CLOSE = ascii4(0x5d, SPACE, SPACE, SPACE); // ']   '
const ascii = new TextDecoder();

/**
 * A JSON list of the rowids at these positions, as SQLite's json_each reads
 * `[${rowids.join(',')}]`: the same numbers in the same order, with spaces between the tokens.
 */
export function rowidList(rowid: Float64Array, positions: Uint32Array): string {
  const n = positions.length;
  const words = new Uint32Array(n * 5 + 2);
  const bytes = new Uint8Array(words.buffer);
  words[0] = OPEN;
  let w = 1;
  for (let i = 0; i < n; i++) {
    const v = rowid[positions[i]!]!;
    if (!(LITTLE_ENDIAN && Number.isInteger(v) && v >= 0 && v < 1e16)) return joinedList(rowid, positions);
    const hi = Math.floor(v / 1e8);
    const lo = v - hi * 1e8;
    const g0 = (hi / 1e4) | 0;
    const g2 = (lo / 1e4) | 0;
    words[w] = DIGITS4[g0]!;
    words[w + 1] = DIGITS4[hi - g0 * 1e4]!;
    words[w + 2] = DIGITS4[g2]!;
    words[w + 3] = DIGITS4[lo - g2 * 1e4]!;
    words[w + 4] = COMMA;
    // Sixteen digits written; a shorter number's leading zeros become spaces (a zero keeps its last).
    if (v < 1e15) {
      const start = w * 4;
      for (let z = 0; z < 15 && bytes[start + z] === 0x30; z++) bytes[start + z] = SPACE;
    }
    w += 5;
  }
  if (n > 0) words[w - 1] = CLOSE;
  else words[w++] = CLOSE;
  return ascii.decode(bytes.subarray(0, w * 4));
}

/** The list as `join` writes it: for rowids the slots cannot hold (not written by this schema). */
function joinedList(rowid: Float64Array, positions: Uint32Array): string {
  return `[${Array.from(positions, (p) => rowid[p]).join(',')}]`;
}

/** The connection's index if it is usable now, building it when it is missing or stale and a build is due. */
async function usableIndex(db: Db, gap: number): Promise<SpreadIndex | null> {
  if (!db.eachRow) return null;
  let state = states.get(db);
  if (state?.index && !state.stale) return state.index;
  if (state && performance.now() - state.builtAt < gap * state.buildMs) return null;
  if (!state) {
    state = { index: null, stale: false, builtAt: 0, buildMs: 0, builds: 0 };
    states.set(db, state);
  }
  const s = state;
  s.building ??= (async () => {
    const start = performance.now();
    try {
      s.index = await buildIndex(db);
    } finally {
      s.builtAt = performance.now();
      s.buildMs = s.builtAt - start;
      s.builds++;
      s.stale = false;
      s.building = undefined;
    }
  })();
  await s.building;
  return s.index;
}

/**
 * This connection's index: how often it was built (tests: a status push must not rebuild it), its
 * rows, the bytes its arrays hold and how long the last build took (the api bench reports them).
 */
export function spreadIndexStats(db: Db): { builds: number; rows: number; bytes: number; buildMs: number } {
  const s = states.get(db);
  const ix = s?.index;
  const arrays = ix ? [ix.hi, ix.lo, ix.lat, ix.lon, ix.rowid] : [];
  return {
    builds: s?.builds ?? 0,
    rows: ix?.hi.length ?? 0,
    bytes: arrays.reduce((a, x) => a + x.byteLength, 0),
    buildMs: s?.buildMs ?? 0,
  };
}

/** A page of stored features, as siteFeaturesInBbox returns it (with the sums of its revs). */
export interface IndexedPage {
  body: Uint8Array;
  frame: PageFrame;
  count: number;
  /** The sum of the rows' revs (REV_BITS). */
  revs: number;
  after: string | null;
}

/** The same page with the frame not joined: the frame's head, the features, its tail. */
export type IndexedPieces = Omit<IndexedPage, 'body'> & { pieces: [Uint8Array, Uint8Array, Uint8Array] };

/**
 * The first `limit` sites of the box after the cursor from the index, their features read in one
 * statement. Null when the index cannot answer now (D1, no index yet and a build not due, or the
 * data moved since it was built): the caller reads the page with SQL.
 * `gap`: REBUILD_GAP, 0 to build whenever the index is stale (tests).
 */
export async function indexedSiteFeatures(
  db: Db,
  q: { bbox?: Bbox; after?: string; limit: number },
  frameOf: (after: string | null) => PageFrame,
  gap = REBUILD_GAP,
): Promise<IndexedPage | null> {
  return indexedPage(db, q, frameOf, gap, true);
}

const utf8 = new TextEncoder();

/** indexedSiteFeatures, the frame left to the caller to join (its pieces concatenated are that body). */
export async function indexedSitePieces(
  db: Db,
  q: { bbox?: Bbox; after?: string; limit: number },
  frameOf: (after: string | null) => PageFrame,
  gap = REBUILD_GAP,
): Promise<IndexedPieces | null> {
  const p = await indexedPage(db, q, frameOf, gap, false);
  if (!p) return null;
  const { body, ...rest } = p;
  return { ...rest, pieces: [utf8.encode(p.frame.head), body, utf8.encode(p.frame.tail)] };
}

async function indexedPage(
  db: Db,
  q: { bbox?: Bbox; after?: string; limit: number },
  frameOf: (after: string | null) => PageFrame,
  gap: number,
  framed: boolean,
): Promise<IndexedPage | null> {
  const ix = await usableIndex(db, gap);
  if (!ix) return null;
  const found = walk(ix, q.bbox, q.after, q.limit);
  const page = found.subarray(0, q.limit);
  const last = page[page.length - 1];
  const after = found.length > q.limit && last !== undefined ? idAt(ix, last) : null;
  const frame = frameOf(after);
  const list = rowidList(ix.rowid, page);
  const row = await db.get<{ key: string; n: number; body: unknown; revs: number | null }>(
    framed ? FRAMED_PAGE_SQL : FEATURES_PAGE_SQL,
    framed ? [frame.head, frame.tail, list] : [list],
  );
  if (!row || row.key !== ix.key || row.n !== page.length) {
    const state = states.get(db);
    if (state?.index === ix) state.stale = true;
    return null;
  }
  return {
    body: blobBytes(row.body),
    frame,
    count: row.n,
    revs: row.revs ?? 0,
    after,
  };
}
