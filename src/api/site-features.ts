// Sites -> RFC 7946 GeoJSON features: [lon, lat] rounded to 7 decimals, one feature per site with
// the summary of all its published locations (list) or every detail with provenance (one site).
import type { ConnectorRow, EvseRow, LocationRow } from '../db/queries/locations.js';
import type { SitePoint, SiteRow } from '../db/queries/sites.js';
import type { SourceRow } from '../db/queries/sources.js';
import type { TariffRow } from '../db/queries/tariffs.js';
import { groupBy } from '../model/group-by.js';
import { siteLifecycle } from '../model/lifecycle.js';
import type { SiteDetailFeature } from './geojson-schemas.js';
import {
  connectorSummary,
  kw,
  locationDetailFields,
  parseJson,
  placeFields,
  point,
  round7,
  statusSummary,
} from './location-features.js';
import { tariffView } from './tariff-view.js';

/** Dedupe's resolved fields: `{ name: { value, source, record, last_updated }, ... }`. */
type SiteFields = SiteDetailFeature['properties']['provenance']['fields'];

const unique = <T>(values: (T | null)[]): T[] => [...new Set(values.filter((v): v is T => v != null))];

function fieldOf(fields: SiteFields, key: string): string | null {
  const v = fields[key]?.value;
  return typeof v === 'string' ? v : null;
}

function summaryProperties(
  site: SitePoint,
  locs: LocationRow[],
  row: SiteRow | undefined,
  evses: EvseRow[],
  connectors: ConnectorRow[],
) {
  const first = locs[0];
  const fields = parseJson<SiteFields>(row?.fields ?? null, {});
  const maxW = locs.reduce<number | null>(
    (m, l) => (l.max_power_w != null && (m == null || l.max_power_w > m) ? l.max_power_w : m),
    null,
  );
  return {
    id: site.id,
    ...placeFields({
      name: fieldOf(fields, 'name') ?? first?.name ?? null,
      address: fieldOf(fields, 'address') ?? first?.address ?? null,
      city: fieldOf(fields, 'city') ?? first?.city ?? null,
      postal_code: fieldOf(fields, 'postal_code') ?? first?.postal_code ?? null,
      country: fieldOf(fields, 'country') ?? first?.country ?? null,
    }),
    operator: fieldOf(fields, 'operator') ?? first?.operator_name ?? null,
    operators: unique(locs.map((l) => l.operator_name)),
    sources: unique(locs.map((l) => l.source_id)),
    location_ids: locs.map((l) => l.pk),
    evse_count: evses.length,
    connector_count: connectors.length,
    max_power_kw: kw(maxW),
    status: statusSummary(evses),
    connectors: connectorSummary(connectors),
    lifecycle: siteLifecycle(locs.map((l) => l.lifecycle)),
    last_updated:
      locs
        .map((l) => l.last_updated)
        .sort()
        .at(-1) ?? '',
  };
}

function derivedProvenance(locs: LocationRow[]): SiteFields {
  const first = locs[0];
  if (!first) return {};
  const from = (value: unknown) => ({
    value,
    source: first.source_id,
    record: first.pk,
    last_updated: first.last_updated,
  });
  return {
    name: from(first.name),
    address: from(first.address),
    city: from(first.city),
    postal_code: from(first.postal_code),
    country: from(first.country),
    operator: from(first.operator_name),
    coordinates: from([round7(first.lon), round7(first.lat)]),
  };
}

export interface SiteDetailData {
  site: SitePoint;
  locations: LocationRow[];
  row: SiteRow | undefined;
  evses: EvseRow[];
  connectors: ConnectorRow[];
  tariffs: TariffRow[];
  sources: SourceRow[];
}

/** One site with its locations, EVSEs, connectors, tariffs, sources and where each field came from. */
export function siteDetail(d: SiteDetailData): SiteDetailFeature {
  const evByLoc = groupBy(d.evses, (e) => e.location_pk);
  const connByLoc = groupBy(d.connectors, (c) => c.location_pk);
  const used = new Set(d.locations.map((l) => l.source_id));
  return {
    type: 'Feature',
    id: d.site.id,
    geometry: point(d.site),
    properties: {
      ...summaryProperties(d.site, d.locations, d.row, d.evses, d.connectors),
      locations: d.locations.map((l) => ({
        id: l.pk,
        source: l.source_id,
        source_location_id: l.ocpi_id,
        ...placeFields(l),
        position: [round7(l.lon), round7(l.lat)],
        operator: l.operator_name,
        lifecycle: l.lifecycle,
        // The record's own licence when it states one, else its source's (see provenance.sources).
        license: l.license ?? d.sources.find((s) => s.id === l.source_id)?.license ?? null,
        last_updated: l.last_updated,
        ...locationDetailFields(l, evByLoc.get(l.pk) ?? [], connByLoc.get(l.pk) ?? []),
      })),
      tariffs: d.tariffs.map(tariffView),
      provenance: {
        // Dedupe's per-field provenance when it resolved this site; else the one record it rests on.
        resolved_by: d.row ? 'dedupe' : 'single-record',
        updated_at: d.row?.updated_at ?? null,
        fields: d.row ? parseJson<SiteFields>(d.row.fields, {}) : derivedProvenance(d.locations),
        sources: d.sources
          .filter((s) => used.has(s.id))
          .map((s) => ({ id: s.id, name: s.name, license: s.license, attribution: s.attribution })),
      },
    },
  };
}
