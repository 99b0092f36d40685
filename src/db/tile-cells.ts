// Precomputed cluster cells (`tile_cells`): every published site (a `site_features` row) folded
// into the 8 x 8 cluster grid of each cluster zoom 0-10, so a cluster tile reads at most 64 rows
// by primary key instead of aggregating a country's sites per request.
//
// Triggers on `site_features` keep the cells equal to a build from scratch: whatever writes a site
// (a pull, a push, a status PATCH, dedupe, a removal, a rebuild of the read model) moves its cells
// in the same transaction, on better-sqlite3 and on D1 alike. A cell holds integer counts and sums
// (coordinates in 1e-7 degrees), so a site leaving subtracts exactly what it added; and the zoom
// at which its sites split up, recomputed bottom-up from the four child cells.
//
// Cell keys need no SQL math: the column is a multiple of the longitude, and the Web Mercator row
// is looked up in `tile_rows`, the row boundaries computed once in JS by the function the site
// zooms' tile areas use (src/api/tiles/tile-grid.ts), so both put a site in the same tile.
import { latOfMercatorRow } from '../model/geo.js';
import { FINE, fineCol, fineRow } from './fine-grid.js';
import { SITE_TILE_TRIGGERS, siteTilesBuildStmts } from './site-tiles.js';
import type { Db, Stmt } from './types.js';

/** Cells per tile side: 2^3 = 8 (64 px cells on a 512 px tile, room for a labelled circle). */
export const CELL_BITS = 3;
/** The last cluster zoom; tiles show sites from the next one on (SITE_MIN_ZOOM). */
export const CELL_MAX_ZOOM = 10;
// The finest cells (zoom 10's, 8 x 8 a tile) are the fine grid's: FINE_BITS = CELL_MAX_ZOOM + CELL_BITS.
const ZOOMS = JSON.stringify(Array.from({ length: CELL_MAX_ZOOM + 1 }, (_, z) => z));

/**
 * Bump when a trigger body or the cell rule changes: the next setup drops and rebuilds all. The
 * setup builds and keeps `site_tiles` too (src/db/site-tiles.ts), on the same `tile_rows`.
 * 5: the sites layer's update follows a row renamed in place (its id changes).
 * 6: a site's cells are added in json_each's order, without a sort.
 */
export const TILE_CELLS_VERSION = 6;
const trigger = (what: string, version = TILE_CELLS_VERSION) => `tile_cells_v${version}_${what}`;
const TRIGGER_KINDS = [
  'insert',
  'delete',
  'update',
  'new_cell',
  'empty_cell',
  ...Object.keys(SITE_TILE_TRIGGERS),
];
const TRIGGER_NAMES = TRIGGER_KINDS.map((w) => trigger(w));

/** A site's cell (alias `s` of a site_features row) at a cluster zoom, as SQL for y and x. */
export function cellKeySql(s: string, zoom: number): { y: string; x: string } {
  return { y: `(${fineRow(s)} >> ${CELL_MAX_ZOOM - zoom})`, x: `(${fineCol(s)} >> ${CELL_MAX_ZOOM - zoom})` };
}
const e7 = (v: string) => `CAST(round(${v} * 10000000) AS INTEGER)`;
const shift = (z: string) => `(${CELL_MAX_ZOOM} - ${z})`;

/** The cells of site `s` at every cluster zoom, as (zoom, y, x). */
const cellsOf = (s: string) =>
  `SELECT z.value AS zoom, p.row >> ${shift('z.value')} AS y, p.col >> ${shift('z.value')} AS x, z.rowid AS ord
   FROM json_each('${ZOOMS}') z, (SELECT ${fineRow(s)} AS row, ${fineCol(s)} AS col) p`;

// Zoom 0 first: when a cell is created, its parent already holds the new site (see new_cell). By
// json_each's rowid, which counts its rows in array order and which it tells SQLite it already
// returns them in: ordered by zoom, SQLite sorted the eleven rows in a temporary B-tree per site
// (77 M of the ~4,800 M instructions SQLite ran in a first sync of 5,000 locations, callgrind).
const addSite = (s: string) =>
  `INSERT INTO tile_cells (zoom, y, x, sites, evses, installed_w, lat_sum, lon_sum, split_zoom)
   SELECT c.zoom, c.y, c.x, 1, ${s}.evse_count, coalesce(${s}.installed_w, 0), ${e7(`${s}.lat`)},
     ${e7(`${s}.lon`)}, ${CELL_MAX_ZOOM + 1}
   FROM (${cellsOf(s)}) c WHERE true ORDER BY c.ord
   ON CONFLICT (zoom, y, x) DO UPDATE SET sites = sites + 1, evses = evses + excluded.evses,
     installed_w = installed_w + excluded.installed_w, lat_sum = lat_sum + excluded.lat_sum,
     lon_sum = lon_sum + excluded.lon_sum;`;

// The emptied cells are found by the partial index tile_cells_empty (sites = 0), always near empty.
const removeSite = (s: string) =>
  `UPDATE tile_cells SET sites = sites - 1, evses = evses - ${s}.evse_count,
     installed_w = installed_w - coalesce(${s}.installed_w, 0), lat_sum = lat_sum - ${e7(`${s}.lat`)},
     lon_sum = lon_sum - ${e7(`${s}.lon`)}
   FROM (${cellsOf(s)}) c WHERE tile_cells.zoom = c.zoom AND tile_cells.y = c.y AND tile_cells.x = c.x;
   DELETE FROM tile_cells WHERE sites = 0;`;

/** The child (dy, dx) of the cell being updated, by its primary key. */
const child = (dy: number, dx: number) =>
  `SELECT split_zoom FROM tile_cells c WHERE c.zoom = tile_cells.zoom + 1 AND c.y = tile_cells.y * 2 + ${dy}
    AND c.x = tile_cells.x * 2 + ${dx}`;

/**
 * A cell's split zoom from its children: the next zoom when two or more hold sites, else its one
 * child's. A cell of one site splits where sites begin (it is drawn as a site from there).
 *
 * The four children are four primary-key lookups, not `y IN (..) AND x IN (..)`: an IN list of
 * expressions is built into a temporary b-tree at every evaluation, and these run ten times per
 * site a write adds or removes (a full sync spent most of its time there: scripts/bench/sync.ts).
 */
const SPLIT_OF_CHILDREN = `(SELECT CASE WHEN count(*) > 1 THEN tile_cells.zoom + 1 ELSE max(split_zoom) END
  FROM (${child(0, 0)} UNION ALL ${child(0, 1)} UNION ALL ${child(1, 0)} UNION ALL ${child(1, 1)}))`;

/**
 * The split zooms of the ancestors of cell `c`, from its parent up to zoom 0 (each reads the one
 * below). Only a cell created or emptied can change them: a site joining or leaving cells that
 * keep their sites changes no cell's set of non-empty children.
 *
 * `created`: an ancestor already split at the next zoom (two or more non-empty children) keeps it
 * when a cell is added below, so its children are not read again. Most ancestors of a new cell are
 * such, and reading their children was a quarter of a full sync's read-model writes.
 */
function resplitAncestors(c: string, created: boolean): string {
  const out: string[] = [];
  const unsplit = created ? ' AND split_zoom > zoom + 1' : '';
  for (let up = 1; up <= CELL_MAX_ZOOM; up++) {
    out.push(`UPDATE tile_cells SET split_zoom = ${SPLIT_OF_CHILDREN}
      WHERE zoom = ${c}.zoom - ${up} AND y = ${c}.y >> ${up} AND x = ${c}.x >> ${up}${unsplit};`);
  }
  return out.join('\n');
}

const parentHolds = (c: string, atLeast: number) =>
  `EXISTS (SELECT 1 FROM tile_cells p WHERE p.zoom = ${c}.zoom - 1 AND p.y = ${c}.y >> 1 AND p.x = ${c}.x >> 1
    AND p.sites >= ${atLeast})`;

/** Columns of site_features whose change moves a site's cells. */
const CELL_COLUMNS = ['lat', 'lon', 'evse_count', 'installed_w'];

const TRIGGERS: string[] = [
  `CREATE TRIGGER IF NOT EXISTS ${trigger('insert')} AFTER INSERT ON site_features
   BEGIN ${addSite('NEW')} END`,
  `CREATE TRIGGER IF NOT EXISTS ${trigger('delete')} AFTER DELETE ON site_features
   BEGIN ${removeSite('OLD')} END`,
  `CREATE TRIGGER IF NOT EXISTS ${trigger('update')} AFTER UPDATE OF ${CELL_COLUMNS.join(', ')} ON site_features
   WHEN ${CELL_COLUMNS.map((c) => `OLD.${c} IS NOT NEW.${c}`).join(' OR ')}
   BEGIN ${removeSite('OLD')} ${addSite('NEW')} END`,
  // The topmost cell a site created (its parent held other sites before) or emptied (its parent
  // keeps some): the ancestors' split zooms are recomputed once, from there up.
  `CREATE TRIGGER IF NOT EXISTS ${trigger('new_cell')} AFTER INSERT ON tile_cells
   WHEN NEW.zoom > 0 AND ${parentHolds('NEW', 2)}
   BEGIN ${resplitAncestors('NEW', true)} END`,
  `CREATE TRIGGER IF NOT EXISTS ${trigger('empty_cell')} AFTER DELETE ON tile_cells
   WHEN OLD.zoom > 0 AND ${parentHolds('OLD', 1)}
   BEGIN ${resplitAncestors('OLD', false)} END`,
  ...Object.entries(SITE_TILE_TRIGGERS).map(
    ([what, body]) => `CREATE TRIGGER IF NOT EXISTS ${trigger(what)} ${body}`,
  ),
];

/** Drops the triggers of this and every earlier version (a dump, a rebuild). */
export const DROP_TILE_CELL_TRIGGERS: string[] = Array.from({ length: TILE_CELLS_VERSION }, (_, i) =>
  TRIGGER_KINDS.map((w) => `DROP TRIGGER IF EXISTS ${trigger(w, i + 1)}`),
).flat();

/** Rows of tile_rows per INSERT: two parameters each, within D1's 100 per statement. */
const ROWS_PER_STMT = 50;

function tileRowStmts(): Stmt[] {
  const out: Stmt[] = [{ sql: 'DELETE FROM tile_rows', params: [] }];
  for (let first = 1; first < FINE; first += ROWS_PER_STMT) {
    const rows = Array.from({ length: Math.min(ROWS_PER_STMT, FINE - first) }, (_, i) => first + i);
    out.push({
      sql: `INSERT INTO tile_rows (north, row) VALUES ${rows.map(() => '(?, ?)').join(', ')}`,
      params: rows.flatMap((r) => [latOfMercatorRow(r, FINE), r]),
    });
  }
  return out;
}

/** The cells built from scratch: zoom 10 from site_features, every other zoom from the one below. */
export function buildTileCellsStmts(): Stmt[] {
  const out: Stmt[] = [
    { sql: 'DELETE FROM tile_cells', params: [] },
    {
      sql: `INSERT INTO tile_cells (zoom, y, x, sites, evses, installed_w, lat_sum, lon_sum, split_zoom)
        SELECT ${CELL_MAX_ZOOM}, p.row, p.col, count(*), sum(p.evse_count), sum(p.installed_w), sum(p.lat),
          sum(p.lon), ${CELL_MAX_ZOOM + 1}
        FROM (SELECT ${fineRow('sf')} AS row, ${fineCol('sf')} AS col, sf.evse_count,
            coalesce(sf.installed_w, 0) AS installed_w, ${e7('sf.lat')} AS lat, ${e7('sf.lon')} AS lon
          FROM site_features sf) p
        GROUP BY p.row, p.col`,
      params: [],
    },
  ];
  for (let z = CELL_MAX_ZOOM - 1; z >= 0; z--) {
    out.push({
      sql: `INSERT INTO tile_cells (zoom, y, x, sites, evses, installed_w, lat_sum, lon_sum, split_zoom)
        SELECT ${z}, y >> 1, x >> 1, sum(sites), sum(evses), sum(installed_w), sum(lat_sum), sum(lon_sum),
          CASE WHEN count(*) > 1 THEN ${z + 1} ELSE max(split_zoom) END
        FROM tile_cells WHERE zoom = ${z + 1} GROUP BY y >> 1, x >> 1`,
      params: [],
    });
  }
  return out;
}

/** The meta key holding the version of the cells (and of site_tiles) that was built. */
export const TILE_CELLS_VERSION_KEY = 'tile_cells_version';

/** Whether the cells are current: this version's triggers exist and the build that goes with them ran. */
export const TILE_CELLS_READY = `SELECT 1 AS ready FROM meta WHERE key = '${TILE_CELLS_VERSION_KEY}' AND value = '${TILE_CELLS_VERSION}'
  AND (SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (${TRIGGER_NAMES.map((n) => `'${n}'`).join(', ')})) = ${TRIGGER_NAMES.length}`;

/** Everything in one batch: old triggers out, the row table, a fresh build, the triggers, the version. */
export function setupTileCellsStmts(): Stmt[] {
  return [
    ...DROP_TILE_CELL_TRIGGERS.map((sql) => ({ sql, params: [] })),
    ...tileRowStmts(),
    ...buildTileCellsStmts(),
    ...siteTilesBuildStmts(),
    ...TRIGGERS.map((sql) => ({ sql, params: [] })),
    {
      sql: `INSERT INTO meta (key, value) VALUES ('${TILE_CELLS_VERSION_KEY}', ?)
        ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      params: [String(TILE_CELLS_VERSION)],
    },
  ];
}

/**
 * Sets the cells up when they are not current (a new database, one written before they existed,
 * a new version, triggers lost to a table rebuild). Returns whether it did. Node runs it when it
 * opens the database, the Worker after its scheduled syncs; until then tiles fold sites per request.
 */
export async function ensureTileCells(db: Db): Promise<boolean> {
  if (await db.get(TILE_CELLS_READY)) return false;
  await db.batch(setupTileCellsStmts());
  return true;
}
