// Geometry on the sphere, one definition each: the box type every query and stream filters by,
// the distance between two points, and the degree/metre conversions of grid searches.
const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

export const METRES_PER_DEGREE_LAT = EARTH_RADIUS_M * RAD;

/** A lon/lat box; minLon > maxLon is a box across the antimeridian. */
export interface Bbox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

/**
 * Great-circle distance in metres (haversine on the mean radius; well under 0.5% from the
 * ellipsoid), exact across the antimeridian. Positional arguments, as dedupe's grid search calls it
 * for every neighbour and would otherwise allocate two points per call.
 */
export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Degrees of latitude spanned by a distance in metres. */
export function latDegreesFor(metres: number): number {
  return metres / METRES_PER_DEGREE_LAT;
}

/** Degrees of longitude per metre at a latitude (clamped near the poles so boxes stay finite). */
export function lonDegreesPerMetre(lat: number): number {
  const c = Math.max(Math.cos(Math.min(Math.abs(lat), 89) * RAD), 0.01);
  return 1 / (METRES_PER_DEGREE_LAT * c);
}

export function inBbox(b: Bbox, lat: number, lon: number): boolean {
  if (lat < b.minLat || lat > b.maxLat) return false;
  return b.minLon <= b.maxLon ? lon >= b.minLon && lon <= b.maxLon : lon >= b.minLon || lon <= b.maxLon;
}

/**
 * The latitude of the north edge of row y of n Web Mercator rows (the XYZ tile scheme: row 0 at the
 * north). With n a power of two, row k * 2^j of n * 2^j rows gives the very same float.
 */
export function latOfMercatorRow(y: number, n: number): number {
  return (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / n))) * 180) / Math.PI;
}
