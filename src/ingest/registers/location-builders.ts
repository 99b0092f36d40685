// Canonical records with the defaults every register shares: registers say nothing about live status,
// tariffs or publish flags, so those get the same neutral values in every format.
import { decodeEntities } from '../../model/html-entities.js';
import { normalizeEvseId } from '../../model/ids.js';
import type { Connector, DataWarning, Evse, Location, OpeningTimes } from '../../model/types.js';
import type { ExternalRef } from './types.js';

type LocationCore = Pick<Location, 'countryCode' | 'partyId' | 'id' | 'lat' | 'lon' | 'lastUpdated'>;

export function newRegisterLocation(fields: LocationCore & Partial<Location>): Location {
  return {
    publish: true,
    name: null,
    address: null,
    city: null,
    postalCode: null,
    state: null,
    country: null,
    parkingType: null,
    timeZone: null,
    operator: null,
    suboperator: null,
    owner: null,
    facilities: [],
    openingTimes: null,
    chargingWhenClosed: null,
    evses: [],
    warnings: [],
    ...fields,
  };
}

export function newRegisterEvse(fields: Pick<Evse, 'uid' | 'connectors'> & Partial<Evse>): Evse {
  return {
    evseId: null,
    // Registers are static lists of equipment: they never know whether a charge point is free.
    status: 'UNKNOWN',
    capabilities: [],
    floorLevel: null,
    physicalReference: null,
    coordinates: null,
    parkingRestrictions: [],
    lastUpdated: null,
    ...fields,
  };
}

export function newConnector(fields: Pick<Connector, 'id' | 'standard'> & Partial<Connector>): Connector {
  return {
    format: null,
    powerType: null,
    maxVoltage: null,
    maxAmperage: null,
    maxPowerW: null,
    tariffIds: [],
    termsAndConditions: null,
    lastUpdated: null,
    ...fields,
  };
}

/** Registers give power in kW; the model stores W. Rounded, so 22.2 kW is 22200 W and not 22200.000000000004. */
export function kwToW(kw: number | null | undefined): number | null {
  if (kw == null || !Number.isFinite(kw) || kw < 0) return null;
  return Math.round(kw * 1000);
}

/** Text with whitespace runs (line breaks inside quoted CSV fields, IRVE's double spaces) made one space; null when blank. */
export function text(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const t = decodeEntities(value).replace(/\s+/g, ' ').trim();
  return t.length > 0 ? t : null;
}

export function evseIdRef(evseId: string | null): ExternalRef[] {
  const value = normalizeEvseId(evseId);
  return value ? [{ kind: 'evse-id', value }] : [];
}

/** A warning for each of address and city the register left empty: the site is still placed by coordinates. */
export function missingPlaceWarnings(
  location: Pick<Location, 'address' | 'city'>,
  details: Partial<Record<'address' | 'city', string>> = {},
): DataWarning[] {
  const warnings: DataWarning[] = [];
  for (const field of ['address', 'city'] as const) {
    if (location[field] !== null) continue;
    const detail = details[field];
    warnings.push(detail ? { field, rule: 'missing', detail } : { field, rule: 'missing' });
  }
  return warnings;
}

export function twentyFourSeven(): OpeningTimes {
  return { twentyfourseven: true, regularHours: [], exceptionalOpenings: [], exceptionalClosings: [] };
}
