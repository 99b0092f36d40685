// Distances on the scale dedupe works at (metres to a few kilometres), where an equirectangular
// projection is within centimetres of the great circle and several times cheaper.
const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

export const METRES_PER_DEGREE_LAT = EARTH_RADIUS_M * RAD;

export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  let dLon = lon2 - lon1;
  // Across the antimeridian (Fiji, Chukotka) the short way round is the other way.
  if (dLon > 180) dLon -= 360;
  else if (dLon < -180) dLon += 360;
  const x = dLon * RAD * Math.cos(((lat1 + lat2) / 2) * RAD);
  const y = (lat2 - lat1) * RAD;
  return Math.sqrt(x * x + y * y) * EARTH_RADIUS_M;
}

/** Degrees of longitude per metre at a latitude (clamped near the poles so boxes stay finite). */
export function lonDegreesPerMetre(lat: number): number {
  const c = Math.max(Math.cos(Math.min(Math.abs(lat), 89) * RAD), 0.01);
  return 1 / (METRES_PER_DEGREE_LAT * c);
}
