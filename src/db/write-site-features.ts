// The precomputed list view (`site_features`): statements that recompute the rows of some sites
// from the base tables. Every writer that changes a site appends them to its own batch, so the read
// model moves with the data in one transaction (one D1 batch), and a list answer only concatenates.
//
// The computation is SQL, not JS, because a write often does not hold the whole site in memory (a
// status PATCH, another source's location in the same dedupe site), and D1 has no interactive
// transaction to read it in: the statements see the batch's earlier writes. Each statement binds
// five parameters, whatever the number of sites.
//
// Numbers are formatted as JS does (test/db/site-features.test.ts compares every site with a build
// from scratch): coordinates rounded to 7 decimals and kW to 1 with Math.round's half-up rule, and
// whole values bound as integers so SQLite writes `22`, not `22.0`.
import { hasFreeTariffSql } from './queries/locations.js';
import { publishedSql, REPUBLISHABLE_SOURCES } from './queries/publication.js';
import { DROP_TILE_CELL_TRIGGERS, ensureTileCells, TILE_CELLS_VERSION_KEY } from './tile-cells.js';
import type { Db, Stmt } from './types.js';

/** What changed: locations (their site follows), sites by id, or every record of a source. */
export interface ChangedSites {
  locationPks?: readonly string[];
  siteIds?: readonly string[];
  /** A source whose licence (so whose publishing) changed. */
  sourceId?: string;
}

// Binds location pks (JSON) twice, site ids (JSON), a source id or NULL twice (better-sqlite3 binds
// arrays to anonymous parameters only).
const KEYS = `keys(id) AS (
  SELECT value FROM json_each(?)
  UNION SELECT site_id FROM locations WHERE pk IN (SELECT value FROM json_each(?)) AND site_id IS NOT NULL
  UNION SELECT value FROM json_each(?)
  UNION SELECT pk FROM locations WHERE source_id = ?
  UNION SELECT site_id FROM locations WHERE source_id = ? AND site_id IS NOT NULL)`;

/** floor(v + 0.5) on integers, as Math.round does (SQLite's round() rounds half away from zero). */
const roundHalfUp = (v: string) =>
  `(CAST((${v}) + 0.5 AS INTEGER) - ((${v}) + 0.5 < CAST((${v}) + 0.5 AS INTEGER)))`;

/** n / d as an integer when whole (JSON `13`, like JS), else as a real. */
const scaled = (n: string, d: number) => `CASE WHEN ${n} % ${d} = 0 THEN ${n} / ${d} ELSE ${n} / ${d}.0 END`;

const round7 = (v: string) => scaled(roundHalfUp(`${v} * 10000000.0`), 10_000_000);
const kw = (w: string) =>
  `CASE WHEN ${w} IS NULL THEN NULL ELSE ${scaled(roundHalfUp(`${w} / 100.0`), 10)} END`;

/**
 * Which rows a summary is computed for: `lone` a location outside any live site (alias x); `single`
 * a site with one published member (x that member, s the site); `site` a site with more (x the site).
 * A single's summary reads its member's row as a lone's does, where a site's reads its members by
 * subqueries. The summaries of 70k sites of one (the sync bench's first dedupe), by id, in parts of
 * 500: 3.5 s as `site`, 2.2-2.5 s as `single` (interleaved, load ~4).
 */
type Kind = 'lone' | 'single' | 'site';

/** Whether x is the only member, so its own columns are the summary's. */
const ownRow = (kind: Kind) => kind !== 'site';

/** The published members of the site `x`: the location itself, or the published locations of a site. */
const members = (kind: Kind) => (ownRow(kind) ? 'l.pk = x.pk' : `l.site_id = x.id AND ${publishedSql('l')}`);

const LIVE_EVSES = 'JOIN evses e ON e.location_pk = l.pk AND e.removed_at IS NULL';

/** The read model's `free`: a member (`m`, over alias l) has a live connector with a no-cost tariff. */
export const siteFreeSql = (m: string) =>
  `EXISTS (SELECT 1 FROM locations l WHERE ${m} AND ${hasFreeTariffSql('l')})`;

/** model/lifecycle.ts siteLifecycle: the most usable state of the members wins. */
function lifecycle(m: string): string {
  const has = (state: string) => `EXISTS (SELECT 1 FROM locations l WHERE ${m} AND l.lifecycle = '${state}')`;
  return `CASE WHEN ${has('operational')} THEN 'operational' WHEN ${has('out_of_service')} THEN 'out_of_service'
    WHEN ${has('planned')} THEN 'planned' ELSE 'removed' END`;
}

/** Status values a tile counts once fresh, by class: 0 available, 1 in use, 2 out of order. */
export const STATUS_CLASSES = [
  ['AVAILABLE'],
  ['CHARGING', 'BLOCKED', 'RESERVED'],
  ['OUTOFORDER', 'INOPERATIVE'],
];

const quoted = (values: string[]) => values.map((v) => `'${v}'`).join(', ');
const STATUS_CLASS = `CASE ${STATUS_CLASSES.map((c, i) => `WHEN e.status IN (${quoted(c)}) THEN ${i}`).join(' ')} END`;

/**
 * The read model's `statuses`: the counted statuses of the members' live EVSEs with the time each
 * took effect, as [[class, status_updated_at, count], ...] in that order. A tile counts the entries
 * confirmed since its stale threshold in JS, so it reads no EVSE rows; a status push that only
 * confirms a status changes this column, and so the row (rev aside, see upsertSql).
 */
const statusesSql = (evses: string) => `(SELECT json_group_array(json_array(c, t, n)) FROM
    (SELECT ${STATUS_CLASS} AS c, e.status_updated_at AS t, count(*) AS n FROM ${evses}
      AND e.status_updated_at IS NOT NULL AND e.status IN (${quoted(STATUS_CLASSES.flat())})
      GROUP BY c, t ORDER BY c, t))`;

/**
 * The live EVSEs (alias e) of the members, with `join` after them, as `FROM` text ending in a
 * WHERE clause. A lone location is its own only member: its EVSEs are read by its pk, without
 * reading the location again.
 */
const liveEvsesOf = (kind: Kind, join = '') =>
  ownRow(kind)
    ? `evses e ${join} WHERE e.location_pk = x.pk AND e.removed_at IS NULL`
    : `locations l ${LIVE_EVSES} ${join} WHERE ${members(kind)}`;

/**
 * What a lone location's summary reads of itself, from its own row (x) rather than by a subquery
 * per column: it is published (candidates), so its lifecycle is the site's.
 */
function ownColumns(kind: Kind, ordered: (col: string) => string, m: string) {
  if (ownRow(kind)) {
    return {
      operators: "CASE WHEN x.operator_name IS NULL THEN '[]' ELSE json_array(x.operator_name) END",
      sources: 'json_array(x.source_id)',
      locationIds: 'json_array(x.pk)',
      free: hasFreeTariffSql('x'),
      lifecycle: 'x.lifecycle',
    };
  }
  return {
    operators: ordered('operator_name'),
    sources: ordered('source_id'),
    locationIds: `(SELECT json_group_array(pk) FROM (SELECT l.pk FROM locations l WHERE ${m} ORDER BY l.pk))`,
    free: siteFreeSql(m),
    lifecycle: lifecycle(m),
  };
}

/**
 * The columns of a site that a status change can change while its EVSE set stays as it is (no
 * removal, no return): its available count, status counts, the statuses of the tiles, and what the
 * status statements write to its locations: last_updated, and max power (evseStatusStmts recomputes
 * a location's from its live EVSEs, which corrects a value an older version stored with removed
 * EVSEs counted). The full refresh and the status refresh (refreshSiteStatusStmts) both take them
 * from here.
 */
function statusColumns(kind: Kind) {
  const evses = liveEvsesOf(kind);
  return {
    max_power_w: ownRow(kind)
      ? 'x.max_power_w'
      : `(SELECT max(l.max_power_w) FROM locations l WHERE ${members(kind)})`,
    available_count: `(SELECT count(*) FROM ${evses} AND e.status = 'AVAILABLE')`,
    status: `(SELECT json_group_object(status, n) FROM (SELECT e.status, count(*) AS n FROM ${evses}
      GROUP BY e.status ORDER BY e.status))`,
    statuses: statusesSql(evses),
    last_updated: ownRow(kind)
      ? 'x.last_updated'
      : `(SELECT max(l.last_updated) FROM locations l WHERE ${members(kind)})`,
  };
}

function summaryColumns(kind: Kind): string {
  const m = members(kind);
  const st = statusColumns(kind);
  const ordered = (col: string) => `(SELECT json_group_array(v) FROM (SELECT l.${col} AS v, min(l.pk) AS k
    FROM locations l WHERE ${m} AND l.${col} IS NOT NULL GROUP BY l.${col} ORDER BY k))`;
  // A dedupe site shows its resolved value when its source may be republished, else its first member's.
  const site = kind === 'single' ? 's' : 'x';
  const text = (field: string, col: string) =>
    kind === 'lone'
      ? `x.${col}`
      : `COALESCE(CASE WHEN json_extract(${site}.fields, '$.${field}.source') IN (${REPUBLISHABLE_SOURCES})
          THEN json_extract(${site}.fields, '$.${field}.value') END,
        ${ownRow(kind) ? `x.${col}` : `(SELECT l.${col} FROM locations l WHERE ${m} ORDER BY l.pk LIMIT 1)`})`;
  const own = ownColumns(kind, ordered, m);
  const evses = liveEvsesOf(kind);
  const withConnectors = liveEvsesOf(kind, 'JOIN connectors c ON c.evse_pk = e.pk');
  const [id, at] = kind === 'lone' ? ['x.pk', 'x'] : [`${site}.id`, site];
  return `${id} AS id, '${kind === 'lone' ? 'lone' : 'site'}' AS kind, ${at}.lat, ${at}.lon, ${at}.cell,
    ${text('name', 'name')} AS name, ${text('address', 'address')} AS address, ${text('city', 'city')} AS city,
    ${text('postal_code', 'postal_code')} AS postal_code, ${text('country', 'country')} AS country,
    ${text('operator', 'operator_name')} AS operator,
    ${own.operators} AS operators,
    ${own.sources} AS sources,
    ${own.locationIds} AS location_ids,
    (SELECT count(*) FROM ${evses}) AS evse_count,
    ${st.available_count} AS available_count,
    (SELECT coalesce(sum(e.max_power_w), 0) FROM ${evses}) AS installed_w,
    (SELECT count(*) FROM ${withConnectors}) AS connector_count,
    ${st.max_power_w} AS max_power_w,
    ${own.free} AS free,
    ${st.last_updated} AS last_updated,
    ${st.status} AS status,
    (SELECT json_group_array(json_object('standard', standard, 'power_kw', ${kw('w')}, 'count', n)) FROM
      (SELECT c.standard, c.max_power_w AS w, count(*) AS n FROM ${withConnectors}
        GROUP BY c.standard, c.max_power_w ORDER BY c.standard, c.max_power_w)) AS connectors,
    ${own.lifecycle} AS lifecycle,
    ${st.statuses} AS statuses`;
}

/** The published sites among the keys, of one member or more (x). */
const LIVE_SITES = `FROM sites x WHERE x.id IN (SELECT id FROM keys) AND x.merged_into IS NULL
        AND EXISTS (SELECT 1 FROM locations l WHERE ${members('site')})`;

/**
 * Sites of the given kind among the keys that are published (the same rule as the list query).
 * Found by id: before migration 0019 made sites_merged_into partial (merged rows only), the planner
 * of a database without statistics walked every live site through it for `merged_into IS NULL` in
 * each statement, which made a first dedupe's refresh quadratic (20k locations: the refresh's
 * DELETE 2.5 -> 1.85 s, the site upsert 4.0-4.4 -> 3.3 s; test/db/evse-index-plans.test.ts).
 */
function candidates(kind: Kind): string {
  if (kind === 'lone') {
    return `FROM locations x WHERE x.pk IN (SELECT id FROM keys) AND ${publishedSql('x')}
        AND (x.site_id IS NULL OR NOT EXISTS (SELECT 1 FROM sites s WHERE s.id = x.site_id AND s.merged_into IS NULL))`;
  }
  if (kind === 'single') {
    return `FROM sites s JOIN locations x ON x.site_id = s.id
      WHERE s.id IN (SELECT id FROM keys) AND s.merged_into IS NULL AND ${publishedSql('x')}
        AND NOT EXISTS (SELECT 1 FROM locations l WHERE l.site_id = s.id AND l.pk <> x.pk AND ${publishedSql('l')})`;
  }
  return `${LIVE_SITES} AND (SELECT count(*) FROM (SELECT 1 FROM locations l WHERE ${members('site')} LIMIT 2)) = 2`;
}

/** The characters JS's String.prototype.trim removes (SQLite's trim() alone removes spaces only). */
const JS_WHITESPACE = `char(9, 10, 11, 12, 13, 32, 160, 5760, ${Array.from({ length: 11 }, (_, i) => 8192 + i).join(', ')},
  8232, 8233, 8239, 8287, 12288, 65279)`;
const jsTrim = (v: string) => `trim(coalesce(${v}, ''), ${JS_WHITESPACE})`;

/**
 * model/display-name.ts displayName: the place's own name, else "address, city" from the parts that
 * are not blank, marked derived.
 */
const OWN_NAME = `${jsTrim('name')} <> ''`;
const DISPLAY_NAME = `CASE WHEN ${OWN_NAME} THEN name
  ELSE nullif(${jsTrim('address')} || CASE WHEN ${jsTrim('address')} <> '' AND ${jsTrim('city')} <> '' THEN ', ' ELSE '' END
    || ${jsTrim('city')}, '') END`;
const NAME_DERIVED = `json(CASE WHEN NOT (${OWN_NAME}) AND (${jsTrim('address')} || ${jsTrim('city')}) <> ''
  THEN 'true' ELSE 'false' END)`;

// The feature's property order is the API's (src/api/site-features.ts). JSON values that pass through
// a column lose their JSON type in SQLite, hence json() around them.
const FEATURE = `json_object('type', 'Feature', 'id', id,
  'geometry', json_object('type', 'Point', 'coordinates', json_array(${round7('lon')}, ${round7('lat')})),
  'properties', json_object('id', id, 'name', ${DISPLAY_NAME}, 'name_derived', ${NAME_DERIVED},
    'address', address, 'city', city,
    'postal_code', postal_code, 'country', country, 'operator', operator, 'operators', json(operators),
    'sources', json(sources), 'location_ids', json(location_ids), 'evse_count', evse_count,
    'connector_count', connector_count, 'max_power_kw', ${kw('max_power_w')}, 'status', json(status),
    'connectors', json(connectors), 'lifecycle', lifecycle, 'last_updated', last_updated))`;

const STORED = [
  'kind',
  'lat',
  'lon',
  'cell',
  'evse_count',
  'available_count',
  'installed_w',
  'connector_count',
  'max_power_w',
  'free',
  'operator',
  'country',
  'sources',
  'last_updated',
  'statuses',
];

/** Stored columns whose change is invisible to a list page (its ETag is made of the rows' revs). */
const UNLISTED = new Set(['statuses']);

/** The value of one hex digit of the id (0 for anything else). */
const hexDigit = (id: string, at: number) => `max(instr('0123456789abcdef', substr(${id}, ${at}, 1)) - 1, 0)`;

/**
 * A site's place in the table (its rowid): the spread scan's order (src/db/queries/spread-scan.ts:
 * the id's first hex digit, then the cell), then the id's next four hex digits, so that the rows a
 * page of the scan reads lie in a few runs of table pages instead of one page each (ids are hashes).
 * Bits: first digit << 48 | cell (32 bits) << 16 | next four digits, below 2^52 = FIRST_SPARE_POS;
 * a site whose place is taken (the same first five id digits in the same cell, or a row there that
 * has not moved yet) is stored from FIRST_SPARE_POS on. Rowids stay below 2^53, so they survive a
 * JS number (the spread scan reads them). Only speed depends on the places, never an answer.
 */
export function sitePosSql(a: string): string {
  const digit = (at: number) => hexDigit(`${a}.id`, at);
  return `((${digit(1)} << 48) | (${a}.cell << 16)
    | (${digit(2)} << 12) | (${digit(3)} << 8) | (${digit(4)} << 4) | ${digit(5)})`;
}

/** 2^52: rowids of sites whose spread place was taken are above it, places below. */
export const FIRST_SPARE_POS = '4503599627370496';

// Every row written with a change gets a new random `rev` (64 bits): a page's ETag is built from its
// rows' revs (queries/site-features.ts), so a new or changed site changes the tag of every page
// that holds it, and a row deleted and written again never comes back with its old rev.
// An upsert that leaves an unchanged row alone: most refreshes (a status push, a pull page that
// repeats a location) change a count or nothing, and the triggers on site_features (vector tiles'
// cluster cells, src/db/tile-cells.ts) then have nothing to do. A new row goes to its place when
// that is free (checked before the statement writes, hence one row per place of the statement);
// otherwise after every row held, numbered among this statement's such rows. An existing row keeps
// its rowid: one that moves was deleted by the statement before (REFRESH_SQL) and comes back here,
// and a lone row renamed to its site's went to the site's place then (RENAME_SQL).
const changed = (columns: string[], to = 'excluded') =>
  columns.map((c) => `site_features.${c} IS NOT ${to}.${c}`).join(' OR ');

/**
 * The rows `p` of `from` (with columns id and cell) and their place `pos`; `place_free` when no
 * stored row `o` meeting `holds` is there and no earlier row of `from` takes it.
 */
const placedSql = (from: string, holds = 'true') => `SELECT *,
    row_number() OVER (PARTITION BY pos ORDER BY id) = 1
      AND NOT EXISTS (SELECT 1 FROM site_features o WHERE o.rowid = pos AND ${holds}) AS place_free
    FROM (SELECT *, ${sitePosSql(from)} AS pos FROM ${from}) p`;

/** The rowid a row of placedSql gets: its place when free, else after every row held. */
const PLACE_OR_SPARE = `CASE WHEN place_free THEN pos ELSE
    (SELECT max(coalesce(max(rowid), 0), ${FIRST_SPARE_POS}) FROM site_features)
    + row_number() OVER (PARTITION BY place_free ORDER BY id) END`;

const summariesSql = (kind: 'lone' | 'site') =>
  kind === 'lone'
    ? `SELECT ${summaryColumns('lone')} ${candidates('lone')}`
    : `SELECT ${summaryColumns('single')} ${candidates('single')}
      UNION ALL SELECT ${summaryColumns('site')} ${candidates('site')}`;

/**
 * The summaries of the sites among the keys (bound as the refresh binds them) by the single path
 * and by the general one, each ordered by id: a test holds the first to the rows of the second.
 */
export const SUMMARY_PATHS_SQL = {
  single: `WITH ${KEYS} SELECT ${summaryColumns('single')} ${candidates('single')} ORDER BY id`,
  general: `WITH ${KEYS} SELECT ${summaryColumns('site')} ${LIVE_SITES} ORDER BY id`,
};

const upsertSql = (kind: 'lone' | 'site', keys = KEYS) => `WITH ${keys},
  f AS MATERIALIZED (${summariesSql(kind)}),
  placed AS (${placedSql('f')})
INSERT INTO site_features (rowid, id, ${STORED.join(', ')}, feature, rev)
SELECT ${PLACE_OR_SPARE},
  id, ${STORED.join(', ')}, ${FEATURE}, random() FROM placed WHERE true
ON CONFLICT (id) DO UPDATE SET ${[...STORED, 'feature'].map((c) => `${c} = excluded.${c}`).join(', ')},
  rev = CASE WHEN ${changed([...STORED, 'feature'].filter((c) => !UNLISTED.has(c)))} THEN random() ELSE site_features.rev END
WHERE ${changed([...STORED, 'feature'])}`;

// A location's first dedupe makes its lone row a site's row under another id (the site's), in the
// same cell when the site stands where the location does (a site of one). Deleting the row and
// inserting the site's moved the cluster cells twice (each trigger ~10 cell updates and often an
// emptied and re-created cell with its ancestors' split zooms) and the sites layer's row twice;
// renaming the row in place moves neither, and the site upsert after it writes the summary into
// it. Measured on the sync bench's first dedupe, 20k new locations, CPU of the refresh (with the
// site ids dedupe names refreshed once, run-dedupe.ts): 4.4-5.1 s -> 2.6-2.9 s, the same rows,
// cells and sites layer. One row per site (the lowest pk of its members in its cell), taken only
// when the site has no row yet; it moves to the site's place (sitePosSql), which its own old place
// may be.
const RENAME_SQL = `WITH ${KEYS},
  r AS MATERIALIZED (SELECT min(f.id) AS old, x.id, x.cell
    FROM site_features f JOIN locations l ON l.pk = f.id JOIN sites x ON x.id = l.site_id
    WHERE f.id IN (SELECT id FROM keys) AND f.kind = 'lone' AND x.merged_into IS NULL AND x.cell = f.cell
      AND NOT EXISTS (SELECT 1 FROM site_features o WHERE o.id = x.id)
      AND EXISTS (SELECT 1 FROM locations l WHERE ${members('site')})
    GROUP BY x.id),
  placed AS (${placedSql('r', 'o.id <> p.old')}),
  moved AS MATERIALIZED (SELECT old, id, ${PLACE_OR_SPARE} AS pos FROM placed)
UPDATE site_features SET rowid = moved.pos, id = moved.id, kind = 'site' FROM moved
WHERE site_features.id = moved.old`;

// Lone rows that become a site's are renamed (above); sites of the keys that are no longer
// published go, and so do sites that moved to another cell (to come back at their new place); the
// others are upserted.
const REFRESH_SQL = [
  RENAME_SQL,
  `WITH ${KEYS} DELETE FROM site_features WHERE id IN (SELECT id FROM keys)
    AND (id, cell) NOT IN (SELECT x.pk, x.cell ${candidates('lone')})
    AND (id, cell) NOT IN (SELECT x.id, x.cell ${LIVE_SITES})`,
  upsertSql('lone'),
  upsertSql('site'),
];

// The refresh of locations a batch inserts (write-location.ts, WriteContext.fresh): none of them had
// a row before the batch or belongs to a site, so the rename, the delete and the sites' upsert have
// nothing to do, and only the lone rows are written. Those three statements cost ~2 ms a chunk of
// 100 all the same (each builds the keys' union and probes sites for them): ~1 s of a first sync
// of 70k locations (700 chunks), measured per statement.
const NEW_LONE_SQL = upsertSql('lone', 'keys(id) AS (SELECT value FROM json_each(?))');

/** Ids per statement: each list is one bound JSON document, kept small for D1. */
const CHUNK = 500;

/** Statements that make the read model of the changed sites equal to a build from the base tables. */
export function refreshSiteFeaturesStmts(changed: ChangedSites): Stmt[] {
  const pks = changed.locationPks ?? [];
  const ids = changed.siteIds ?? [];
  const out: Stmt[] = [];
  const add = (p: readonly string[], s: readonly string[], source: string | null) => {
    const params = [JSON.stringify(p), JSON.stringify(p), JSON.stringify(s), source, source];
    for (const sql of REFRESH_SQL) out.push({ sql, params });
  };
  for (let i = 0; i < pks.length; i += CHUNK) add(pks.slice(i, i + CHUNK), [], null);
  for (let i = 0; i < ids.length; i += CHUNK) add([], ids.slice(i, i + CHUNK), null);
  if (changed.sourceId != null) add([], [], changed.sourceId);
  return out;
}

/**
 * The read model of locations the same batch inserted (never held before it): their lone rows,
 * as refreshSiteFeaturesStmts would write them, without its statements for held rows and sites.
 */
export function refreshNewLocationsStmts(locationPks: readonly string[]): Stmt[] {
  const out: Stmt[] = [];
  for (let i = 0; i < locationPks.length; i += CHUNK) {
    out.push({ sql: NEW_LONE_SQL, params: [JSON.stringify(locationPks.slice(i, i + CHUNK))] });
  }
  return out;
}

// The status refresh: the status columns of existing rows, recomputed as the full refresh does
// (statusColumns), and the feature's `max_power_kw`, `status` and `last_updated` set in place. Only for sites whose
// EVSE set did not change since their last refresh (statusOnlyRefresh in write-evse.ts): then no
// other column can differ from a full refresh, no row comes or goes (publication does not depend on
// statuses), and the columns the cluster cells' triggers watch stay as they are. Measured in
// process (1,000 sites x 10 EVSEs, groups of 64 status PATCHes): the group's refresh took 12-15 us
// a PATCH with the full refresh, 4.3 us with this one (and telling the two cases apart ~3.7 us, the
// second EVSE update of evseStatusStmts). Binds the location pks (JSON) once.
const statusRefreshSql = (kind: Kind) => {
  const st = statusColumns(kind);
  const rows =
    kind === 'lone'
      ? 'site_features f JOIN locations x ON x.pk = f.id WHERE f.id IN (SELECT value FROM json_each(?))'
      : `site_features f JOIN sites x ON x.id = f.id WHERE f.id IN (SELECT site_id FROM locations
          WHERE pk IN (SELECT value FROM json_each(?)))`;
  const columns = ['available_count', 'max_power_w', 'statuses', 'last_updated', 'feature'];
  return `UPDATE site_features SET ${columns.map((c) => `${c} = n.${c}`).join(', ')},
  rev = CASE WHEN ${changed(
    columns.filter((c) => !UNLISTED.has(c)),
    'n',
  )} THEN random() ELSE site_features.rev END
FROM (SELECT id, available_count, max_power_w, statuses, last_updated,
    json_set(feature, '$.properties.max_power_kw', ${kw('max_power_w')}, '$.properties.status', json(status),
      '$.properties.last_updated', last_updated) AS feature
  FROM (SELECT f.id, f.feature, ${Object.entries(st)
    .map(([c, v]) => `${v} AS ${c}`)
    .join(', ')} FROM ${rows} AND f.kind = '${kind}')) AS n
WHERE site_features.id = n.id AND (${changed(columns, 'n')})`;
};

const STATUS_REFRESH_SQL = [statusRefreshSql('lone'), statusRefreshSql('site')];

/** The status refresh of the sites of these locations (see statusRefreshSql). */
export function refreshSiteStatusStmts(locationPks: readonly string[]): Stmt[] {
  const out: Stmt[] = [];
  for (let i = 0; i < locationPks.length; i += CHUNK) {
    const params = [JSON.stringify(locationPks.slice(i, i + CHUNK))];
    for (const sql of STATUS_REFRESH_SQL) out.push({ sql, params });
  }
  return out;
}

const REFRESH = new Set(REFRESH_SQL);

/**
 * For a writer that commits many small writes in one transaction (the push write queue): whether
 * a statement belongs to refreshSiteFeaturesStmts, and what it refreshes (from the first of its
 * statements; the others give empty lists). Null for any other statement, and for a
 * refresh by source, which is left in place.
 */
export function siteRefreshOf(stmt: Stmt): { locationPks: string[]; siteIds: string[] } | null {
  if (!REFRESH.has(stmt.sql) || stmt.params[3] != null) return null;
  if (stmt.sql !== REFRESH_SQL[0]) return { locationPks: [], siteIds: [] };
  return {
    locationPks: JSON.parse(stmt.params[0] as string) as string[],
    siteIds: JSON.parse(stmt.params[2] as string) as string[],
  };
}

/** What the site refreshes of one statement list named. */
export interface RefreshTargets {
  locationPks: string[];
  siteIds: string[];
}

/**
 * The statement lists without their site refreshes, to run them all once after the lists (a
 * refresh reads the final state, so one per group is as good as one per list, see
 * groupRefreshStmts); `slots` say where each list's statements landed in its own list (-1: a merged
 * refresh, whose change count reads 0), `targets` what each list's refreshes named.
 */
export function mergeSiteRefreshes(lists: Stmt[][]): {
  lists: Stmt[][];
  slots: number[][];
  targets: RefreshTargets[];
} {
  const kept: Stmt[][] = [];
  const targets: RefreshTargets[] = [];
  const slots = lists.map((list) => {
    const own: Stmt[] = [];
    const named: RefreshTargets = { locationPks: [], siteIds: [] };
    kept.push(own);
    targets.push(named);
    return list.map((s) => {
      const refresh = siteRefreshOf(s);
      if (!refresh) return own.push(s) - 1;
      named.locationPks.push(...refresh.locationPks);
      named.siteIds.push(...refresh.siteIds);
      return -1;
    });
  });
  return { lists: kept, slots, targets };
}

/**
 * The one refresh of a group for the merged refreshes' targets: a full refresh of whatever a list
 * named, except the locations whose lists changed statuses only (`statusOnly[k]`: list k's location,
 * or null), which get the status refresh, unless another list of the group refreshes them fully.
 */
export function groupRefreshStmts(targets: RefreshTargets[], statusOnly: readonly (string | null)[]): Stmt[] {
  const locationPks = new Set<string>();
  const siteIds = new Set<string>();
  const statusPks = new Set<string>();
  targets.forEach((t, k) => {
    if (statusOnly[k] != null) {
      for (const pk of t.locationPks) statusPks.add(pk);
      return;
    }
    for (const pk of t.locationPks) locationPks.add(pk);
    for (const id of t.siteIds) siteIds.add(id);
  });
  for (const pk of locationPks) statusPks.delete(pk);
  return [
    ...refreshSiteFeaturesStmts({ locationPks: [...locationPks], siteIds: [...siteIds] }),
    ...refreshSiteStatusStmts([...statusPks]),
  ];
}

/** Bump when the feature's shape or the publishing rule changes: stored rows are then rebuilt. */
export const SITE_FEATURES_VERSION = '6';

/**
 * Builds the read model of a database written before it existed (or by an older shape), source by
 * source, one batch each. A no-op when it is current.
 */
export async function ensureSiteFeatures(db: Db): Promise<boolean> {
  const held = await db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'site_features_version'");
  if (held?.value === SITE_FEATURES_VERSION) return false;
  // The cluster cells are built once at the end rather than moved by triggers row by row.
  await db.batch(
    [
      ...DROP_TILE_CELL_TRIGGERS,
      `DELETE FROM meta WHERE key = '${TILE_CELLS_VERSION_KEY}'`,
      'DELETE FROM site_features',
    ].map((sql) => ({ sql, params: [] })),
  );
  const sources = await db.all<{ source_id: string }>('SELECT DISTINCT source_id FROM locations');
  for (const s of sources) await db.batch(refreshSiteFeaturesStmts({ sourceId: s.source_id }));
  await db.batch([
    {
      sql: `INSERT INTO meta (key, value) VALUES ('site_features_version', ?)
        ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      params: [SITE_FEATURES_VERSION],
    },
  ]);
  await ensureTileCells(db);
  return true;
}
