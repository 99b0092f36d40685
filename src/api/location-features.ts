// Location rows -> RFC 7946 GeoJSON features. Coordinates are [lon, lat] numbers rounded to 7
// decimals (about 1 cm), the precision RFC 7946 §11.2 suggests is ample.
import type { ConnectorRow, EvseRow, LocationRow } from '../db/queries/locations.js';
import { displayName, type NamedPlace } from '../model/display-name.js';
import { groupBy } from '../model/group-by.js';
import type { OpeningTimes } from '../model/types.js';
import type { LocationDetailFeature, LocationFeature, OpeningTimesView } from './geojson-schemas.js';

export const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

export const kw = (w: number | null) => (w == null ? null : Math.round(w / 100) / 10);

/** The place's display name (its own, or derived from the address) and the address fields. */
export function placeFields(p: NamedPlace & { postal_code: string | null; country: string | null }) {
  const shown = displayName(p);
  return {
    name: shown.name,
    name_derived: shown.derived,
    address: p.address,
    city: p.city,
    postal_code: p.postal_code,
    country: p.country,
  };
}

function baseProperties(row: LocationRow) {
  return {
    id: row.pk,
    ...placeFields(row),
    operator: row.operator_name,
    source: row.source_id,
    source_location_id: row.ocpi_id,
    max_power_kw: kw(row.max_power_w),
    lifecycle: row.lifecycle,
    last_updated: row.last_updated,
  };
}

type Rated = Pick<ConnectorRow, 'standard' | 'max_power_w'>;

/** By standard, then rated power (unknown first): the order SQLite's GROUP BY gives the read model. */
function byStandardAndPower(a: Rated, b: Rated): number {
  if (a.standard !== b.standard) return a.standard < b.standard ? -1 : 1;
  if (a.max_power_w === b.max_power_w) return 0;
  if (a.max_power_w == null) return -1;
  if (b.max_power_w == null) return 1;
  return a.max_power_w - b.max_power_w;
}

export function connectorSummary(connectors: Rated[]) {
  const counts = new Map<string, { standard: string; power_kw: number | null; count: number }>();
  for (const c of [...connectors].sort(byStandardAndPower)) {
    const key = `${c.standard}|${c.max_power_w}`;
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { standard: c.standard, power_kw: kw(c.max_power_w), count: 1 });
  }
  return [...counts.values()];
}

/** EVSEs per status, statuses in code-unit order (as the read model stores them). */
export function statusSummary(evses: Pick<EvseRow, 'status'>[]) {
  const out: Record<string, number> = {};
  for (const status of evses.map((e) => e.status).sort()) out[status] = (out[status] ?? 0) + 1;
  return out;
}

export function point(row: { lat: number; lon: number }) {
  return { type: 'Point' as const, coordinates: [round7(row.lon), round7(row.lat)] };
}

export function locationFeatures(
  rows: LocationRow[],
  evses: EvseRow[],
  connectors: ConnectorRow[],
  distances?: Map<string, number>,
): LocationFeature[] {
  const evsesByLoc = groupBy(evses, (e) => e.location_pk);
  const connByLoc = groupBy(connectors, (c) => c.location_pk);
  return rows.map((row) => {
    const ev = evsesByLoc.get(row.pk) ?? [];
    return {
      type: 'Feature',
      id: row.pk,
      geometry: point(row),
      properties: {
        ...baseProperties(row),
        evse_count: ev.length,
        status: statusSummary(ev),
        connectors: connectorSummary(connByLoc.get(row.pk) ?? []),
        ...(distances ? { distance_m: distances.get(row.pk) ?? null } : {}),
      },
    };
  });
}

export const parseJson = <T>(s: string | null, fallback: T): T =>
  s == null ? fallback : (JSON.parse(s) as T);

/** Stored opening times (the canonical model's camelCase) in OCPI's snake_case spelling. */
export function openingTimesView(json: string | null): OpeningTimesView | null {
  const h = parseJson<OpeningTimes | null>(json, null);
  if (!h) return null;
  const period = (p: { periodBegin: string; periodEnd: string }) => ({
    period_begin: p.periodBegin,
    period_end: p.periodEnd,
  });
  return {
    twentyfourseven: h.twentyfourseven,
    regular_hours: h.regularHours.map((r) => ({ weekday: r.weekday, ...period(r) })),
    exceptional_openings: h.exceptionalOpenings.map(period),
    exceptional_closings: h.exceptionalClosings.map(period),
  };
}

/** OCPI's descriptive fields of a location and its EVSEs, as a detail view shows them. */
export function locationDetailFields(row: LocationRow, evses: EvseRow[], connectors: ConnectorRow[]) {
  return {
    state: row.state,
    party: { country_code: row.country_code, party_id: row.party_id },
    operator_website: row.operator_website,
    suboperator: row.suboperator_name,
    owner: row.owner_name,
    parking_type: row.parking_type,
    time_zone: row.time_zone,
    facilities: parseJson<string[]>(row.facilities, []),
    opening_times: openingTimesView(row.opening_times),
    charging_when_closed: row.charging_when_closed == null ? null : row.charging_when_closed === 1,
    evses: evseDetails(evses, connectors),
  };
}

export function locationDetail(
  row: LocationRow,
  evses: EvseRow[],
  connectors: ConnectorRow[],
): LocationDetailFeature {
  return {
    type: 'Feature',
    id: row.pk,
    geometry: point(row),
    properties: { ...baseProperties(row), ...locationDetailFields(row, evses, connectors) },
  };
}

/** EVSEs with their connectors, as published in a detail view. */
export function evseDetails(evses: EvseRow[], connectors: ConnectorRow[]) {
  const connByEvse = groupBy(connectors, (c) => c.evse_pk);
  return evses.map((e) => ({
    uid: e.uid,
    evse_id: e.evse_id,
    status: e.status,
    status_updated_at: e.status_updated_at,
    capabilities: parseJson<string[]>(e.capabilities, []),
    floor_level: e.floor_level,
    physical_reference: e.physical_reference,
    coordinates: e.lat != null && e.lon != null ? [round7(e.lon), round7(e.lat)] : null,
    parking_restrictions: parseJson<string[]>(e.parking_restrictions, []),
    max_power_kw: kw(e.max_power_w),
    last_updated: e.last_updated,
    connectors: (connByEvse.get(e.pk) ?? []).map((c) => ({
      id: c.connector_id,
      standard: c.standard,
      format: c.format,
      power_type: c.power_type,
      max_voltage: c.max_voltage,
      max_amperage: c.max_amperage,
      max_power_kw: kw(c.max_power_w),
      tariff_ids: parseJson<string[]>(c.tariff_ids, []),
    })),
  }));
}
