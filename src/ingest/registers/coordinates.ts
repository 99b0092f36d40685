// Whether a register's coordinates place a site at all (else quarantine), and whether the place is
// plausible (else a warning: the record is kept, the finding shows in source health).
import type { DataWarning, QuarantineReason } from '../../model/types.js';

/** Parses "50,937417" (BNetzA decimal comma) as well as "50.937417"; null for empty or malformed text. */
export function parseDecimal(text: string | null | undefined): number | null {
  if (text == null) return null;
  const t = text.trim();
  if (!/^[+-]?(\d+([.,]\d*)?|[.,]\d+)$/.test(t)) return null;
  return Number(t.replace(',', '.'));
}

export interface CoordinateFields {
  lat: string;
  lon: string;
}

export type PlaceCheck = { ok: true; lat: number; lon: number } | { ok: false; reason: QuarantineReason };

/** Usable WGS84 coordinates, or the reason the site cannot be placed (a quarantine reason). */
export function checkPlace(lat: number | null, lon: number | null, fields: CoordinateFields): PlaceCheck {
  const reason = placeProblem(lat, lon, fields);
  return reason || lat === null || lon === null
    ? { ok: false, reason: reason ?? missing(fields.lat) }
    : { ok: true, lat, lon };
}

function placeProblem(
  lat: number | null,
  lon: number | null,
  fields: CoordinateFields,
): QuarantineReason | null {
  if (lat === null || !Number.isFinite(lat)) return missing(fields.lat);
  if (lon === null || !Number.isFinite(lon)) return missing(fields.lon);
  if (lat === 0 && lon === 0) {
    return {
      field: fields.lat,
      rule: 'null-island',
      message: 'coordinates are 0,0 (a placeholder, not a place)',
    };
  }
  if (Math.abs(lat) > 90)
    return { field: fields.lat, rule: 'out-of-range', message: `latitude ${lat} is outside -90..90` };
  if (Math.abs(lon) > 180) {
    return { field: fields.lon, rule: 'out-of-range', message: `longitude ${lon} is outside -180..180` };
  }
  return null;
}

function missing(field: string): QuarantineReason {
  return { field, rule: 'missing-coordinates', message: `${field} is missing or not a number` };
}

/** [south, west, north, east] in degrees. */
export type Bbox = readonly [number, number, number, number];

// Generous boxes around each register's territory, only to flag gross errors (swapped or copied axes).
export const GERMANY: readonly Bbox[] = [[47.2, 5.8, 55.1, 15.1]];
export const FRANCE_WITH_OVERSEAS: readonly Bbox[] = [
  [41.3, -5.3, 51.2, 9.7], // mainland and Corsica
  [15.8, -61.9, 16.6, -60.9], // Guadeloupe
  [14.3, -61.3, 14.95, -60.75], // Martinique
  [2.0, -54.7, 5.9, -51.5], // French Guiana
  [-21.45, 55.15, -20.8, 55.9], // Réunion
  [-13.1, 44.9, -12.6, 45.35], // Mayotte
  [17.8, -63.2, 18.2, -62.7], // Saint-Martin, Saint-Barthélemy
  [46.7, -56.5, 47.2, -56.1], // Saint-Pierre-et-Miquelon
  [-28.0, -155.0, -7.0, -134.0], // French Polynesia
  [-23.0, 163.0, -19.0, 169.0], // New Caledonia
];

/** Findings on coordinates that do place a site, but implausibly. */
export function coordinateWarnings(lat: number, lon: number, area?: readonly Bbox[]): DataWarning[] {
  const warnings: DataWarning[] = [];
  if (lat === lon) {
    // Measured: IRVE FRROSE3861-3864 and others, voltrelli: one axis copied into the other.
    warnings.push({ field: 'coordinates', rule: 'lat-equals-lon', detail: `lat and lon are both ${lat}` });
  }
  if (area && !area.some(([s, w, n, e]) => lat >= s && lat <= n && lon >= w && lon <= e)) {
    warnings.push({
      field: 'coordinates',
      rule: 'outside-register-area',
      detail: `${lat},${lon} is outside the area this register covers`,
    });
  }
  return warnings;
}
