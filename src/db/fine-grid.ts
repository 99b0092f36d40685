// The finest grid the tile tables are keyed on: the Web Mercator tiles of zoom 13 (8192 x 8192),
// which are the cells of the last cluster zoom (src/db/tile-cells.ts) and the cells `site_tiles`
// orders the sites by (src/db/site-tiles.ts). A site's row is an index lookup in `tile_rows`,
// whose boundaries JS computes once with the function the tiles' own areas use, so SQL needs no
// logarithm and both put a site in the same tile.

/** Zoom of the grid, and bits of a row or column number. */
export const FINE_BITS = 13;
/** Rows (and columns) of the grid: 8192. */
export const FINE = 2 ** FINE_BITS;

/** The grid row of a site (alias `s` of a row with lat, lon): an index lookup in tile_rows. */
export const fineRow = (s: string) =>
  `coalesce((SELECT r.row FROM tile_rows r WHERE r.north >= ${s}.lat ORDER BY r.north LIMIT 1), 0)`;

/** The grid column: CAST truncates, which is floor for the non-negative lon + 180. */
export const fineCol = (s: string) =>
  `max(0, min(${FINE - 1}, CAST((${s}.lon + 180.0) / 360.0 * ${FINE} AS INTEGER)))`;
