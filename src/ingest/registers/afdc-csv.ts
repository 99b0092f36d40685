// NREL / DOE Alternative Fuels Data Center CSV export. Columns are read by header name, so the 70-column
// (2023) and 75-column (2025, five columns appended) layouts read alike. Only electric stations become
// Locations; LPG, CNG, E85 ... rows are skipped and counted.

import { alpha2ToAlpha3 } from '../../model/countries.js';
import type { Connector, DataWarning, Evse, Location } from '../../model/types.js';
import { connectorFromAfdcToken, inferPowerType, UNNAMED_CONNECTOR } from './connector-standards.js';
import { checkPlace, parseDecimal } from './coordinates.js';
import { type CsvRecord, readCsvTable } from './csv.js';
import { isoFromTimestamp, UNKNOWN_TIMESTAMP } from './dates.js';
import { lifecycleFromAfdcCode } from './lifecycle-words.js';
import {
  missingPlaceWarnings,
  newConnector,
  newRegisterEvse,
  newRegisterLocation,
  text,
  twentyFourSeven,
} from './location-builders.js';
import { fieldCountProblem, lastUpdatedWarnings } from './record-checks.js';
import type { ParsedRecord } from './types.js';

const PARTY_ID = 'AFD';

type Row = Record<string, string | undefined>;

export function* parseAfdcCsv(source: string): Generator<ParsedRecord> {
  const { header, records } = readCsvTable(source);
  for (const record of records) yield stationRecord(record, header.length);
}

function stationRecord(record: CsvRecord, headerLength: number): ParsedRecord {
  const row = record.values;
  const id = text(row.ID);
  const shape = fieldCountProblem(record, headerLength);
  if (shape) return { ok: false, recordId: id, reason: shape, raw: row };
  if (text(row['Fuel Type Code'])?.toUpperCase() !== 'ELEC') {
    return { ok: 'skipped', recordId: id, why: `fuel type ${row['Fuel Type Code'] ?? '(none)'}` };
  }
  if (id === null) {
    return {
      ok: false,
      recordId: null,
      reason: { field: 'ID', rule: 'missing-id', message: `line ${record.line} has no ID` },
      raw: row,
    };
  }
  const place = checkPlace(parseDecimal(row.Latitude), parseDecimal(row.Longitude), {
    lat: 'Latitude',
    lon: 'Longitude',
  });
  if (!place.ok) return { ok: false, recordId: id, reason: place.reason, raw: row };
  return { ok: true, location: stationLocation(row, id, place), externalRefs: [] };
}

function stationLocation(row: Row, id: string, { lat, lon }: { lat: number; lon: number }): Location {
  const alpha2 = (text(row.Country) ?? 'US').toUpperCase();
  const network = text(row['EV Network']);
  const facility = text(row['Facility Type']) ?? '';
  const evses = stationEvses(row);
  const location = newRegisterLocation({
    countryCode: alpha2,
    partyId: PARTY_ID,
    id,
    lat,
    lon,
    name: text(row['Station Name']),
    address: text(row['Street Address']),
    city: text(row.City),
    postalCode: text(row.ZIP),
    state: text(row.State),
    country: alpha2ToAlpha3(alpha2),
    parkingType: PARKING_TYPES[facility] ?? null,
    facilities: FACILITIES[facility] ? [FACILITIES[facility]] : [],
    operator: network && network !== 'Non-Networked' ? { name: network, website: null } : null,
    openingTimes:
      text(row['Access Days Time'])?.toLowerCase() === '24 hours daily' ? twentyFourSeven() : null,
    evses,
    lastUpdated: isoFromTimestamp(row['Updated At']) ?? UNKNOWN_TIMESTAMP,
    lifecycle: lifecycleFromAfdcCode(text(row['Status Code'])) ?? undefined,
  });
  location.warnings = [
    ...missingPlaceWarnings(location),
    ...stationWarnings(row, evses),
    ...lastUpdatedWarnings(location.lastUpdated),
  ];
  return location;
}

function stationWarnings(row: Row, evses: Evse[]): DataWarning[] {
  const warnings: DataWarning[] = [];
  // Measured: 2025-11 station 228968 lists no ports at all.
  if (evses.length === 0)
    warnings.push({ field: 'evses', rule: 'no-ports', detail: 'no Level 1, Level 2 or DC fast count' });
  if (text(row['Status Code']) === 'T')
    warnings.push({ field: 'status', rule: 'temporarily-unavailable', detail: 'Status Code T' });
  return warnings;
}

const DC_ONLY = new Set(['IEC_62196_T1_COMBO', 'CHADEMO']);
/** 120 V household outlets (NEMA 5-15, 5-20): Level 1 by definition. */
const OUTLETS_120V = new Set(['DOMESTIC_B', 'NEMA_5_20']);

/**
 * AFDC counts ports per level (EV Level1 EVSE Num, EV Level2 EVSE Num, EV DC Fast Count) and lists the
 * connector types per station, not per port, so EVSEs are synthesized: uids "L1-1", "L2-1", "DC-1" ...,
 * stable as long as the counts are. Connectors are assigned by what each level can carry: CCS1 and
 * CHAdeMO are DC only; a Tesla connector is on the DC ports when the station has any (Superchargers),
 * else on the AC ports (Destination chargers); 120 V outlets are Level 1 ("bring your own J1772
 * cordset" stations list J1772 for an outlet); the rest is Level 2. A level left without a listed
 * connector gets all AC ones, or 'UNKNOWN' when there are none.
 */
function stationEvses(row: Row): Evse[] {
  const standards = (text(row['EV Connector Types']) ?? '')
    .split(/\s+/)
    .filter((t) => t.length > 0)
    .map(connectorFromAfdcToken);
  const dcCount = count(row['EV DC Fast Count']);
  const onDc = (s: string) => DC_ONLY.has(s) || (s === 'TESLA_S' && dcCount > 0);
  const dc = standards.filter(onDc);
  const ac = standards.filter((s) => !onDc(s));
  const level1 = ac.filter((s) => OUTLETS_120V.has(s));
  const level2 = ac.filter((s) => !OUTLETS_120V.has(s));
  // Status "P" (planned) is a fact about the equipment's life cycle, not live availability.
  const status = text(row['Status Code']) === 'P' ? 'PLANNED' : 'UNKNOWN';
  return [
    // Level 1 is 120 V single-phase by definition; Level 2's phases follow from the connector (J1772: one).
    ...portEvses(
      'L1',
      count(row['EV Level1 EVSE Num']),
      level1.length > 0 ? level1 : ac,
      'AC_1_PHASE',
      status,
    ),
    ...portEvses('L2', count(row['EV Level2 EVSE Num']), level2.length > 0 ? level2 : ac, null, status),
    ...portEvses('DC', dcCount, dc, 'DC', status),
  ];
}

function portEvses(
  level: string,
  ports: number,
  standards: string[],
  powerType: string | null,
  status: string,
): Evse[] {
  return Array.from({ length: ports }, (_, k) =>
    newRegisterEvse({ uid: `${level}-${k + 1}`, status, connectors: portConnectors(standards, powerType) }),
  );
}

function portConnectors(standards: string[], powerType: string | null): Connector[] {
  const list = standards.length > 0 ? standards : [UNNAMED_CONNECTOR];
  return list.map((standard, j) =>
    newConnector({ id: String(j + 1), standard, powerType: powerType ?? inferPowerType(standard, null) }),
  );
}

function count(value: string | undefined): number {
  const n = parseDecimal(value);
  return n !== null && n > 0 ? Math.floor(n) : 0;
}

// AFDC Facility Type -> OCPI Facility, where one clearly matches.
const FACILITIES: Readonly<Record<string, string>> = {
  HOTEL: 'HOTEL',
  INN: 'HOTEL',
  B_AND_B: 'HOTEL',
  RESTAURANT: 'RESTAURANT',
  SHOPPING_CENTER: 'MALL',
  SHOPPING_MALL: 'MALL',
  GROCERY: 'SUPERMARKET',
  GAS_STATION: 'FUEL_STATION',
  TRUCK_STOP: 'FUEL_STATION',
  AIRPORT: 'AIRPORT',
  MUSEUM: 'MUSEUM',
  REC_SPORTS_FACILITY: 'SPORT',
  PARKING_LOT: 'PARKING_LOT',
};

// AFDC Facility Type -> OCPI ParkingType.
const PARKING_TYPES: Readonly<Record<string, string>> = {
  PARKING_GARAGE: 'PARKING_GARAGE',
  PAY_GARAGE: 'PARKING_GARAGE',
  PARKING_LOT: 'PARKING_LOT',
  STREET_PARKING: 'ON_STREET',
};
