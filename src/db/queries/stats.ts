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

/**
 * One GROUP BY over published locations and their EVSEs. Installed power is the sum of each EVSE's
 * strongest connector (an EVSE charges one vehicle at a time); per connector type it is the sum
 * of that type's connectors.
 */
export async function statsBy(db: Db, dim: StatsDimension, filter: LocationFilter): Promise<StatsRow[]> {
  const p = new SqlParams();
  const where = [PUBLISHED, ...filterConditions(filter, 'l', p)].join(' AND ');
  const base = `WITH pl AS (SELECT l.pk, ${siteKeySql('l')} AS site, l.country, l.country_code, l.operator_name
      FROM locations l WHERE ${where}),
    ev AS (SELECT e.pk, e.location_pk, e.max_power_w FROM evses e JOIN pl ON pl.pk = e.location_pk
      WHERE e.removed_at IS NULL),
    cn AS (SELECT c.evse_pk, c.location_pk, c.standard, c.max_power_w FROM connectors c JOIN ev ON ev.pk = c.evse_pk)`;
  const counts = `count(DISTINCT pl.site) AS sites, count(DISTINCT pl.pk) AS locations`;
  let sql: string;
  if (dim === 'connector') {
    sql = `${base} SELECT cn.standard AS key, ${counts}, count(DISTINCT cn.evse_pk) AS evses, count(*) AS connectors,
        sum(cn.max_power_w) AS installed_w
      FROM cn JOIN pl ON pl.pk = cn.location_pk GROUP BY cn.standard ORDER BY connectors DESC, key`;
  } else {
    const key =
      dim === 'total'
        ? 'NULL'
        : dim === 'country'
          ? 'upper(pl.country)'
          : dim === 'operator'
            ? 'pl.operator_name'
            : powerClassSql('ev.max_power_w');
    const key2 =
      dim === 'country' ? ', CASE WHEN pl.country IS NULL THEN upper(pl.country_code) END AS key2' : '';
    const group = dim === 'total' ? '' : `GROUP BY 1${dim === 'country' ? ', 2' : ''}`;
    // Locations without EVSEs still count as sites and locations (LEFT JOIN), but not in a power class.
    const join = dim === 'power_class' ? 'JOIN' : 'LEFT JOIN';
    sql = `${base}, cpe AS (SELECT evse_pk, count(*) AS n FROM cn GROUP BY evse_pk)
      SELECT ${key} AS key${key2}, ${counts}, count(ev.pk) AS evses, coalesce(sum(cpe.n), 0) AS connectors,
        sum(ev.max_power_w) AS installed_w
      FROM pl ${join} ev ON ev.location_pk = pl.pk LEFT JOIN cpe ON cpe.evse_pk = ev.pk ${group}
      ORDER BY evses DESC, key`;
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
  const s = p.bind(`WITH pl AS (SELECT l.pk, ${siteKeySql('l')} AS site,
        coalesce(upper(l.country), upper(l.country_code)) AS country, l.operator_name
      FROM locations l WHERE ${where.join(' AND ')}),
    ev AS (SELECT e.pk, e.location_pk, e.max_power_w FROM evses e JOIN pl ON pl.pk = e.location_pk
      WHERE e.removed_at IS NULL),
    cpe AS (SELECT c.evse_pk, count(*) AS n FROM connectors c JOIN ev ON ev.pk = c.evse_pk GROUP BY c.evse_pk)
    SELECT pl.operator_name AS key, count(DISTINCT pl.site) AS sites, count(DISTINCT pl.pk) AS locations,
      count(ev.pk) AS evses, coalesce(sum(cpe.n), 0) AS connectors, sum(ev.max_power_w) AS installed_w,
      group_concat(DISTINCT pl.country) AS countries
    FROM pl LEFT JOIN ev ON ev.location_pk = pl.pk LEFT JOIN cpe ON cpe.evse_pk = ev.pk
    GROUP BY pl.operator_name ORDER BY pl.operator_name LIMIT ${p.add(limit)}`);
  return db.all<OperatorRow>(s.sql, s.params);
}
