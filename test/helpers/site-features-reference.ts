// The list features of every published site built from scratch, per request, the way /v1/sites
// built them before the read model existed: base tables folded by SQL per location, then assembled
// in JS. Tests compare the precomputed `site_features` with it after every kind of write.
import type { Feature, Point } from 'geojson';
import { connectorSummary, kw, placeFields, point, statusSummary } from '../../src/api/location-features.js';
import { PUBLISHED, REPUBLISHABLE_SOURCES } from '../../src/db/queries/publication.js';
import { type SitePoint, sitePoints } from '../../src/db/queries/sites.js';
import type { Db } from '../../src/db/types.js';
import { siteLifecycle } from '../../src/model/lifecycle.js';
import type { Lifecycle } from '../../src/model/types.js';

interface LocationSummaryRow {
  pk: string;
  site_id: string | null;
  source_id: string;
  name: string | null;
  address: string | null;
  city: string | null;
  postal_code: string | null;
  country: string | null;
  operator_name: string | null;
  max_power_w: number | null;
  last_updated: string;
  lifecycle: Lifecycle;
  statuses: string | null;
  connectors: string | null;
}

const SEP = '\u001f';

const SUMMARY_COLUMNS = `l.pk, l.site_id, l.source_id, l.name, l.address, l.city, l.postal_code, l.country,
  l.operator_name, l.max_power_w, l.last_updated, l.lifecycle,
  (SELECT group_concat(e.status, char(31)) FROM evses e WHERE e.location_pk = l.pk AND e.removed_at IS NULL) AS statuses,
  (SELECT group_concat(c.standard || ' ' || coalesce(c.max_power_w, ''), char(31)) FROM connectors c
    WHERE c.location_pk = l.pk
      AND c.evse_pk IN (SELECT e.pk FROM evses e WHERE e.location_pk = l.pk AND e.removed_at IS NULL)) AS connectors`;

const TEXT_FIELDS = ['name', 'address', 'city', 'postal_code', 'country', 'operator'] as const;
type TextFields = Partial<Record<(typeof TEXT_FIELDS)[number], string | null>>;

async function summaries(db: Db, points: SitePoint[]): Promise<Map<string, LocationSummaryRow[]>> {
  const lone = points.filter((s) => s.kind === 'lone').map((s) => s.id);
  const grouped = points.filter((s) => s.kind === 'site').map((s) => s.id);
  const loneRows = await db.all<LocationSummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM locations l WHERE l.pk IN (SELECT value FROM json_each(?)) AND ${PUBLISHED}`,
    [JSON.stringify(lone)],
  );
  const groupRows = await db.all<LocationSummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM locations l
     WHERE l.site_id IN (SELECT value FROM json_each(?)) AND ${PUBLISHED} ORDER BY l.pk`,
    [JSON.stringify(grouped)],
  );
  const out = new Map<string, LocationSummaryRow[]>();
  for (const r of loneRows) out.set(r.pk, [r]);
  for (const r of groupRows) out.set(r.site_id!, [...(out.get(r.site_id!) ?? []), r]);
  return out;
}

async function fieldValues(db: Db, ids: string[]): Promise<Map<string, TextFields>> {
  const cols = TEXT_FIELDS.map(
    (f) => `CASE WHEN json_extract(fields, '$.${f}.source') IN (${REPUBLISHABLE_SOURCES})
      THEN json_extract(fields, '$.${f}.value') END AS ${f}`,
  ).join(', ');
  const rows = await db.all<{ id: string } & TextFields>(
    `SELECT id, ${cols} FROM sites WHERE id IN (SELECT value FROM json_each(?))`,
    [JSON.stringify(ids)],
  );
  return new Map(rows.map(({ id, ...f }) => [id, f]));
}

const unique = <T>(values: (T | null)[]): T[] => [...new Set(values.filter((v): v is T => v != null))];

function feature(site: SitePoint, locs: LocationSummaryRow[], f: TextFields): Feature<Point> {
  const first = locs[0];
  const statuses = locs.flatMap((l) => (l.statuses ? l.statuses.split(SEP) : []));
  const connectors = locs.flatMap((l) =>
    (l.connectors ? l.connectors.split(SEP) : []).map((c) => {
      const sp = c.lastIndexOf(' ');
      const w = c.slice(sp + 1);
      return { standard: c.slice(0, sp), max_power_w: w === '' ? null : Number(w) };
    }),
  );
  const powers = locs.map((l) => l.max_power_w).filter((w): w is number => w != null);
  return {
    type: 'Feature',
    id: site.id,
    geometry: point(site),
    properties: {
      id: site.id,
      ...placeFields({
        name: f.name ?? first?.name ?? null,
        address: f.address ?? first?.address ?? null,
        city: f.city ?? first?.city ?? null,
        postal_code: f.postal_code ?? first?.postal_code ?? null,
        country: f.country ?? first?.country ?? null,
      }),
      operator: f.operator ?? first?.operator_name ?? null,
      operators: unique(locs.map((l) => l.operator_name)),
      sources: unique(locs.map((l) => l.source_id)),
      location_ids: locs.map((l) => l.pk),
      evse_count: statuses.length,
      connector_count: connectors.length,
      max_power_kw: kw(powers.length ? Math.max(...powers) : null),
      status: statusSummary(statuses.map((status) => ({ status }))),
      connectors: connectorSummary(connectors),
      lifecycle: siteLifecycle(locs.map((l) => l.lifecycle)),
      last_updated:
        locs
          .map((l) => l.last_updated)
          .sort()
          .at(-1) ?? '',
    },
  };
}

/** Every published site's list feature, by id, built from the base tables. */
export async function siteFeaturesFromScratch(db: Db): Promise<Map<string, Feature<Point>>> {
  const points = await sitePoints(db, { filter: {} });
  const [locs, fields] = await Promise.all([
    summaries(db, points),
    fieldValues(
      db,
      points.filter((p) => p.kind === 'site').map((p) => p.id),
    ),
  ]);
  return new Map(points.map((p) => [p.id, feature(p, locs.get(p.id) ?? [], fields.get(p.id) ?? {})]));
}

/** Every stored feature of the read model, parsed, by id. */
export async function storedSiteFeatures(db: Db): Promise<Map<string, Feature<Point>>> {
  const rows = await db.all<{ id: string; feature: string }>('SELECT id, feature FROM site_features');
  return new Map(rows.map((r) => [r.id, JSON.parse(r.feature) as Feature<Point>]));
}
