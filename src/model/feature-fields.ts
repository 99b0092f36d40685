// The fields of a published GeoJSON feature that are computed the same way wherever a feature is
// made: per request (src/api) and when the read model is written from records in memory
// (src/db/lone-site-rows.ts). Coordinates are [lon, lat] numbers rounded to 7 decimals (about
// 1 cm), the precision RFC 7946 §11.2 suggests is ample.
import { displayName, type NamedPlace } from './display-name.js';

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

interface Rated {
  standard: string;
  max_power_w: number | null;
}

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
export function statusSummary(evses: { status: string }[]) {
  const out: Record<string, number> = {};
  for (const status of evses.map((e) => e.status).sort()) out[status] = (out[status] ?? 0) + 1;
  return out;
}

export function point(row: { lat: number; lon: number }) {
  return { type: 'Point' as const, coordinates: [round7(row.lon), round7(row.lat)] };
}
