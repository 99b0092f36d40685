// Counts over the published data: sites, locations, EVSEs, connectors and installed power, in
// total and per country, operator, connector type and power class.
import type { Db } from '../types.js';
import { filterConditions, type LocationFilter } from './locations.js';
import { PUBLISHED } from './publication.js';
import { siteKeySql } from './sites.js';
import { SqlParams } from './sql-params.js';

export interface StatsRow {
  key: string | null;
  /** Alpha-2 of the owning party, for rows whose site has no country (merged into key by the API). */
  key2?: string | null;
  sites: number;
  locations: number;
  evses: number;
  connectors: number;
  installed_w: number | null;
}

export type StatsDimension = 'total' | 'country' | 'operator' | 'connector' | 'power_class';

/** EVSE power classes, kW upper bounds (inclusive); above the last one is its own class. */
export const POWER_CLASS_BOUNDS_KW = [7.4, 22, 50, 150, 350];

const powerClassSql = (col: string) => {
  const cases = POWER_CLASS_BOUNDS_KW.map((b, i) => {
    const lo = i === 0 ? 0 : POWER_CLASS_BOUNDS_KW[i - 1];
    return `WHEN ${col} <= ${b * 1000} THEN '${lo}-${b}'`;
  });
  return `CASE WHEN ${col} IS NULL THEN 'unknown' ${cases.join(' ')} ELSE '${POWER_CLASS_BOUNDS_KW.at(-1)}+' END`;
};

/** The EVSEs of location `pl` that are not removed (index evses_location). */
const LIVE_EVSES = 'e.location_pk = pl.pk AND e.removed_at IS NULL';

/**
 * The connectors of EVSE `e`, found by its location first (index connectors_location: see
 * publishedInPkOrder). Joined as `evses e CROSS JOIN connectors c`: without planner statistics (a
 * deployment's file) SQLite took the connectors first, by location alone, and then each one's EVSE
 * by pk, a read at random per connector (1M-EVSE copy without sqlite_stat1, warm, median of 3: the
 * by-connector query 6.5 s of CPU against 2.3 s this way).
 */
const EVSE_CONNECTORS = 'c.location_pk = e.location_pk AND c.evse_pk = e.pk';

/**
 * CTE `pl`: the published locations that match `where`, with their site key, in pk order. EVSEs and
 * connectors are keyed by hashed location pks (evses_location, connectors_location), so the lookups
 * per location below walk those indexes in key order when the locations come in pk order: the pages
 * one location needs are mostly those the one before it read. In the order of the scan that finds
 * the locations (by cell or by source), each lookup landed on pages of its own, mostly page-cache
 * misses read from the OS. Measured on 1M EVSEs (`npm run bench -- stats`, two runs): each query 2.4-5.3 s
 * of CPU before, 1.0-1.9 s after; the five of /v1/stats 15.9-17.3 s before, ~7 s after.
 * NOT MATERIALIZED: SQLite then reads it as a co-routine fed by a sorter, whose memory is bounded
 * by the connection's page cache (8 MB in a read worker) before it spills to a file. MATERIALIZED
 * was as fast but copied the rows into a temporary table with SQLite's default 16 MB cache: +25 MB
 * at the peak of a read worker, which took the load bench's server over its 256 MB (264 MB against
 * 227 MB in the same window); this way the bench process peaks 129-130 MB against 142-148 MB.
 * NOT INDEXED: the sorter is fed by a scan of the table in storage order. Nothing else pins it: once
 * the publication test's source_id took its unary + (8e04af1), no index served the WHERE, and the
 * planner, with or without statistics, read the locations through their pk index for the ORDER BY,
 * every row at random and no sorter (1M-EVSE copy, warm, median of 3 per query, CPU: the five of
 * /v1/stats 10.0 s with statistics, 19.6 s without, against 7.0 / 7.5 s this way). A source filter
 * scans the table too (~0.35 s of CPU for 400k locations) rather than letting statistics choose.
 * test/db/unanalyzed-plans.test.ts fails if the co-routine, its sorter or this scan is lost.
 */
const publishedInPkOrder = (columns: string, where: string) =>
  `pl AS NOT MATERIALIZED (SELECT l.pk, ${siteKeySql('l')} AS site, ${columns} FROM locations l NOT INDEXED WHERE ${where} ORDER BY l.pk)`;

/** `per`: each row of `pl` with its EVSEs, connectors and power. */
const PER_LOCATION = `per AS (SELECT pl.*,
    (SELECT count(*) FROM evses e WHERE ${LIVE_EVSES}) AS evses,
    (SELECT count(*) FROM evses e CROSS JOIN connectors c ON ${EVSE_CONNECTORS} WHERE ${LIVE_EVSES}) AS connectors,
    (SELECT sum(e.max_power_w) FROM evses e WHERE ${LIVE_EVSES}) AS installed_w
  FROM pl)`;

/** The counts of `per` rows (aliased pl) in a group; locations without EVSEs count 0 of them. */
const PER_LOCATION_SUMS = `coalesce(sum(pl.evses), 0) AS evses, coalesce(sum(pl.connectors), 0) AS connectors,
  sum(pl.installed_w) AS installed_w`;

/**
 * One pass over published locations (or, per power class and connector type, over their EVSEs and
 * connectors), each row counted once: a location's EVSEs, their power and their connectors are
 * counted by index lookups per location rather than by joining every EVSE and grouping the join.
 * That bounds the query's memory: the previous join materialised the EVSEs and their connector
 * counts (1M rows each at 1M EVSEs) with automatic indexes on both, and its temporary B-trees took
 * ~95 MB beside the connection for the totals alone. What is left in memory is the sorter that puts the published
 * locations in pk order (publishedInPkOrder), one set of distinct site keys (two or three per connector type) and the
 * GROUP BY's sorter, each bounded by a page cache.
 * Installed power is the sum of each EVSE's strongest connector (an EVSE charges one vehicle at a
 * time); per connector type it is the sum of that type's connectors.
 */
export async function statsBy(db: Db, dim: StatsDimension, filter: LocationFilter): Promise<StatsRow[]> {
  const p = new SqlParams();
  const where = [PUBLISHED, ...filterConditions(filter, 'l', p)].join(' AND ');
  const pl = `WITH ${publishedInPkOrder('l.country, l.country_code, l.operator_name', where)}`;
  const counts = 'count(DISTINCT pl.site) AS sites';
  let sql: string;
  if (dim === 'connector') {
    sql = `${pl} SELECT c.standard AS key, ${counts}, count(DISTINCT pl.pk) AS locations,
        count(DISTINCT c.evse_pk) AS evses, count(*) AS connectors, sum(c.max_power_w) AS installed_w
      FROM pl CROSS JOIN evses e ON ${LIVE_EVSES} CROSS JOIN connectors c ON ${EVSE_CONNECTORS}
      GROUP BY c.standard ORDER BY connectors DESC, key`;
  } else if (dim === 'power_class') {
    // Keyed by the EVSE: locations without EVSEs have no power class.
    sql = `${pl} SELECT ${powerClassSql('e.max_power_w')} AS key, ${counts}, count(DISTINCT pl.pk) AS locations,
        count(*) AS evses, coalesce(sum((SELECT count(*) FROM connectors c WHERE ${EVSE_CONNECTORS})), 0) AS connectors,
        sum(e.max_power_w) AS installed_w
      FROM pl CROSS JOIN evses e ON ${LIVE_EVSES} GROUP BY 1 ORDER BY evses DESC, key`;
  } else {
    // Locations without EVSEs still count as sites and locations.
    const key = dim === 'total' ? 'NULL' : dim === 'country' ? 'upper(pl.country)' : 'pl.operator_name';
    const key2 =
      dim === 'country' ? ', CASE WHEN pl.country IS NULL THEN upper(pl.country_code) END AS key2' : '';
    const group = dim === 'total' ? '' : `GROUP BY 1${dim === 'country' ? ', 2' : ''}`;
    sql = `${pl}, ${PER_LOCATION}
      SELECT ${key} AS key${key2}, ${counts}, count(*) AS locations, ${PER_LOCATION_SUMS}
      FROM per pl ${group} ORDER BY evses DESC, key`;
  }
  const s = p.bind(sql);
  return db.all<StatsRow>(s.sql, s.params);
}

export interface OperatorRow extends StatsRow {
  countries: string | null;
}

/** Operators by name with their counts, keyset-paged by name. */
export async function operatorStats(
  db: Db,
  filter: LocationFilter,
  after: string | undefined,
  limit: number,
): Promise<OperatorRow[]> {
  const p = new SqlParams();
  const where = [PUBLISHED, 'l.operator_name IS NOT NULL', ...filterConditions(filter, 'l', p)];
  if (after != null) where.push(`l.operator_name > ${p.add(after)}`);
  const columns = 'coalesce(upper(l.country), upper(l.country_code)) AS country, l.operator_name';
  const s = p.bind(`WITH ${publishedInPkOrder(columns, where.join(' AND '))}, ${PER_LOCATION}
    SELECT pl.operator_name AS key, count(DISTINCT pl.site) AS sites, count(*) AS locations,
      ${PER_LOCATION_SUMS}, group_concat(DISTINCT pl.country) AS countries
    FROM per pl GROUP BY pl.operator_name ORDER BY pl.operator_name LIMIT ${p.add(limit)}`);
  return db.all<OperatorRow>(s.sql, s.params);
}
