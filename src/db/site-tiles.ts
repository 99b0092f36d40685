// The `sites` layer of vector tiles, stored in tile order (`site_tiles`): one row per published
// site with the fields the layer shows, keyed by the site's cell of the zoom-13 tile grid
// (src/db/fine-grid.ts, row-major) times 2^SLOT_BITS plus a number unique within the cell.
//
// Why a table of its own: a site tile read its candidates from two cell indexes, then each site's
// read-model row by id (id index, then table) and its EVSEs' statuses (a third B-tree), ~6.4 pages
// from the OS per z14 tile on a cold page cache. A tile of zoom 13 or more is one key range of this
// rowid B-tree (zoom 11 and 12: four and two), whose interior pages hold only keys, so they stay
// cached, and whose leaves hold the tile's sites side by side: ~1.3 pages a z14 tile
// (docs/tiles.md). The statuses come with the row (site_features.statuses), counted fresh in JS.
//
// Triggers on `site_features`, created by the tile cells' setup (src/db/tile-cells.ts), keep it
// equal to a build from scratch in the same transaction as every write; the setup builds it.
import { FINE_BITS, fineCol, fineRow } from './fine-grid.js';
import type { Stmt } from './types.js';

/**
 * Bits of the number that tells the sites of one cell apart: 2^26 slots a cell (a cell is ~5 km
 * across at mid latitudes; a new site takes the slot after the highest held, a site that stays in
 * its place keeps its slot, so a cell runs out only after 67 million arrivals).
 */
export const SLOT_BITS = 26;
const SLOTS = 2 ** SLOT_BITS;

/** The first key of a fine-grid cell (row and column numbers, not SQL). */
export const cellFirstKey = (row: number, col: number) => (row * 2 ** FINE_BITS + col) * SLOTS;

/** The first key of the cell of site `s` (alias of a site_features row), as SQL. */
const firstKeySql = (s: string) => `(((${fineRow(s)} << ${FINE_BITS}) | ${fineCol(s)}) << ${SLOT_BITS})`;

const FIELDS = [
  'id',
  'lat',
  'lon',
  'evse_count',
  'free',
  'name',
  'operator',
  'max_power_kw',
  'connectors',
  'statuses',
];

/** The layer's fields of site `s`, in FIELDS order: name, operator, power and connectors from its feature. */
const fieldsOf = (s: string) =>
  FIELDS.map((f) =>
    ['name', 'operator', 'max_power_kw', 'connectors'].includes(f)
      ? `json_extract(${s}.feature, '$.properties.${f}')`
      : `${s}.${f}`,
  );

const inCellOf = (s: string) =>
  `key BETWEEN ${firstKeySql(s)} AND ${firstKeySql(s)} + ${SLOTS - 1} AND id = ${s}.id`;

const insertSite = (s: string) =>
  `INSERT INTO site_tiles (key, ${FIELDS.join(', ')})
   SELECT c.k + coalesce((SELECT max(t.key) FROM site_tiles t WHERE t.key BETWEEN c.k AND c.k + ${SLOTS - 1}) + 1 - c.k, 0),
     ${fieldsOf(s).join(', ')}
   FROM (SELECT ${firstKeySql(s)} AS k) c;`;

const deleteSite = (s: string) => `DELETE FROM site_tiles WHERE ${inCellOf(s)};`;

/** The row of OLD, in place, to NEW's fields: its id too (a lone row renamed to its site's, write-site-features.ts). */
const updateSite = () => {
  const fields = fieldsOf('NEW');
  const set = FIELDS.map((f, i) => `${f} = ${fields[i]}`);
  return `UPDATE site_tiles SET ${set.join(', ')} WHERE ${inCellOf('OLD')};`;
};

const samePlace = 'OLD.lat IS NEW.lat AND OLD.lon IS NEW.lon';

/** Trigger bodies by name (the tile cells' setup names, creates and drops them with its own). */
export const SITE_TILE_TRIGGERS: Record<string, string> = {
  site_insert: `AFTER INSERT ON site_features BEGIN ${insertSite('NEW')} END`,
  site_delete: `AFTER DELETE ON site_features BEGIN ${deleteSite('OLD')} END`,
  // A site that stays in place keeps its slot; one that moves takes a slot in its new cell.
  site_update: `AFTER UPDATE ON site_features WHEN ${samePlace} BEGIN ${updateSite()} END`,
  site_move: `AFTER UPDATE ON site_features WHEN NOT (${samePlace}) BEGIN ${deleteSite('OLD')} ${insertSite('NEW')} END`,
};

/** The table built from scratch from site_features (tile_rows filled first). */
export function siteTilesBuildStmts(): Stmt[] {
  const fields = fieldsOf('f').map((v, i) => `${v} AS ${FIELDS[i]}`);
  return [
    { sql: 'DELETE FROM site_tiles', params: [] },
    {
      sql: `INSERT INTO site_tiles (key, ${FIELDS.join(', ')})
        SELECT k + row_number() OVER (PARTITION BY k ORDER BY id) - 1, ${FIELDS.join(', ')}
        FROM (SELECT ${firstKeySql('f')} AS k, ${fields.join(', ')} FROM site_features f)
        ORDER BY 1`,
      params: [],
    },
  ];
}
