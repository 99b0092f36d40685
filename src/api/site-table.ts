// The site dump as a table, for the columnar formats (FlatGeobuf, GeoParquet): one row per site with
// the GeoJSON dump's properties; nested values (lists, the status and connector summaries) become
// JSON text, so every reader sees the same data whatever its type system.
import type { Feature, Point } from 'geojson';

export type ColumnKind = 'string' | 'json' | 'int' | 'double' | 'datetime' | 'bool';

export const SITE_COLUMNS: { name: string; kind: ColumnKind }[] = [
  { name: 'id', kind: 'string' },
  { name: 'name', kind: 'string' },
  { name: 'name_derived', kind: 'bool' },
  { name: 'address', kind: 'string' },
  { name: 'city', kind: 'string' },
  { name: 'postal_code', kind: 'string' },
  { name: 'country', kind: 'string' },
  { name: 'operator', kind: 'string' },
  { name: 'operators', kind: 'json' },
  { name: 'sources', kind: 'json' },
  { name: 'location_ids', kind: 'json' },
  { name: 'evse_count', kind: 'int' },
  { name: 'connector_count', kind: 'int' },
  { name: 'max_power_kw', kind: 'double' },
  { name: 'status', kind: 'json' },
  { name: 'connectors', kind: 'json' },
  { name: 'last_updated', kind: 'datetime' },
  { name: 'lifecycle', kind: 'string' },
];

export type SiteRow = Record<string, string | number | boolean | null>;

/**
 * One table row of a dump feature; the position stays in the feature's geometry. JSON columns are
 * text, or the values themselves for a writer that serialises them (FlatGeobuf's Json type).
 */
export function siteRow(f: Feature<Point>, jsonAsText = true): SiteRow {
  const p = (f.properties ?? {}) as Record<string, unknown>;
  const row: SiteRow = {};
  for (const c of SITE_COLUMNS) {
    const v = p[c.name];
    if (v == null || v === '') row[c.name] = null;
    else if (c.kind === 'json') row[c.name] = jsonAsText ? JSON.stringify(v) : (v as string);
    else if (c.kind === 'int' || c.kind === 'double') row[c.name] = Number(v);
    else if (c.kind === 'bool') row[c.name] = Boolean(v);
    else row[c.name] = String(v);
  }
  return row;
}
