// The CSV dump's rows: one per live EVSE of the given sites, with what the CSV shows of its
// location and connectors, folded by SQLite so a batch holds only what is written.
import type { Db } from '../types.js';
import { PUBLISHED } from './publication.js';
import type { SitePoint } from './sites.js';

export interface EvseDumpRow {
  site_key: string;
  location_pk: string;
  source_id: string;
  ocpi_id: string;
  last_updated: string;
  uid: string;
  evse_id: string | null;
  status: string;
  status_updated_at: string | null;
  max_power_w: number | null;
  /** Distinct connector standards, comma-separated. */
  standards: string | null;
  /** Distinct power types, comma-separated. */
  power_types: string | null;
}

const COLUMNS = `l.pk AS location_pk, l.source_id, l.ocpi_id, l.last_updated, e.uid, e.evse_id, e.status,
  e.status_updated_at, e.max_power_w,
  (SELECT group_concat(DISTINCT c.standard) FROM connectors c WHERE c.evse_pk = e.pk) AS standards,
  (SELECT group_concat(DISTINCT c.power_type) FROM connectors c WHERE c.evse_pk = e.pk) AS power_types`;

/** The live EVSE rows of published locations whose `key` (a lone location's pk or a site id) is in `keys`. */
function rowsBy(db: Db, key: 'l.pk' | 'l.site_id', keys: string[]): Promise<EvseDumpRow[]> {
  if (keys.length === 0) return Promise.resolve([]);
  return db.all<EvseDumpRow>(
    `SELECT ${key} AS site_key, ${COLUMNS}
     FROM locations l JOIN evses e ON e.location_pk = l.pk AND e.removed_at IS NULL
     WHERE ${key} IN (SELECT value FROM json_each(?)) AND ${PUBLISHED}`,
    [JSON.stringify(keys)],
  );
}

/** Rows in site order as given, each site's rows by location pk then EVSE uid. */
export async function evseDumpRows(db: Db, points: Pick<SitePoint, 'id' | 'kind'>[]): Promise<EvseDumpRow[]> {
  const lone = points.filter((p) => p.kind === 'lone').map((p) => p.id);
  const sited = points.filter((p) => p.kind === 'site').map((p) => p.id);
  const [a, b] = await Promise.all([rowsBy(db, 'l.pk', lone), rowsBy(db, 'l.site_id', sited)]);
  const order = new Map(points.map((p, i) => [p.id, i]));
  return [...a, ...b].sort(
    (x, y) =>
      order.get(x.site_key)! - order.get(y.site_key)! ||
      (x.location_pk < y.location_pk ? -1 : x.location_pk > y.location_pk ? 1 : 0) ||
      (x.uid < y.uid ? -1 : x.uid > y.uid ? 1 : 0),
  );
}
