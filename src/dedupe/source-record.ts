// A canonical Location (plus the links its importer found) as a dedupe record, for callers that hold
// Locations rather than database rows: the evaluation, tests, tools. The pk is the same hash the
// database uses, so results line up with stored rows.
import { locationKey, normalizeEvseId } from '../model/ids.js';
import type { ExternalRef, Location } from '../model/types.js';
import type { SourceRecord } from './types.js';

export function recordFromLocation(
  sourceId: string,
  sourceType: string,
  loc: Location,
  refs: readonly ExternalRef[] = [],
): SourceRecord {
  let maxPowerW: number | null = null;
  const connectors: SourceRecord['connectors'] = [];
  const evses: SourceRecord['evses'] = [];
  for (const e of loc.evses) {
    if (e.status === 'REMOVED') continue;
    evses.push({
      evseIdNorm: normalizeEvseId(e.evseId),
      status: e.status,
      statusUpdatedAt: e.lastUpdated ?? loc.lastUpdated,
    });
    for (const c of e.connectors) {
      connectors.push({ standard: c.standard, powerType: c.powerType, maxPowerW: c.maxPowerW });
      if (c.maxPowerW != null && (maxPowerW == null || c.maxPowerW > maxPowerW)) maxPowerW = c.maxPowerW;
    }
  }
  return {
    pk: locationKey(sourceId, loc.countryCode, loc.partyId, loc.id),
    sourceId,
    sourceType,
    recordId: loc.id,
    countryCode: loc.countryCode,
    partyId: loc.partyId,
    lat: loc.lat,
    lon: loc.lon,
    name: loc.name,
    address: loc.address,
    city: loc.city,
    postalCode: loc.postalCode,
    country: loc.country,
    operatorName: loc.operator?.name ?? null,
    operatorWebsite: loc.operator?.website ?? null,
    ownerName: loc.owner?.name ?? null,
    parkingType: loc.parkingType,
    timeZone: loc.timeZone,
    facilities: loc.facilities,
    openingTimes: loc.openingTimes,
    maxPowerW,
    evses,
    connectors,
    refs: [...refs],
    lastUpdated: loc.lastUpdated,
    license: loc.license ?? null,
  };
}
