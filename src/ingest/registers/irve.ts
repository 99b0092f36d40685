// French IRVE statique (schema v2): one row per charge point (PDC), as NDJSON (Qualicharge export) or
// CSV with the same column names. Rows are grouped into one Location per id_station_itinerance; a
// station's rows are not adjacent (measured: 26,527 restarts in the 56,507-row file), so the whole
// file is grouped before any Location is yielded. In NDJSON values are typed; in CSV all are text,
// so every field is read through the tolerant accessors below.

import { stripBom } from '../../model/byte-order-mark.js';
import { alpha2ToAlpha3 } from '../../model/countries.js';
import type { Connector, DataWarning, Evse, Location } from '../../model/types.js';
import { inferPowerType, UNNAMED_CONNECTOR } from './connector-standards.js';
import { checkPlace, coordinateWarnings, FRANCE_WITH_OVERSEAS, parseDecimal } from './coordinates.js';
import { readCsvTable, sniffSeparator } from './csv.js';
import { isoFromTimestamp, UNKNOWN_TIMESTAMP } from './dates.js';
import { cityFromAddress, frenchTerritory, postalCodeFromAddress } from './irve-address.js';
import {
  evseIdRef,
  kwToW,
  missingPlaceWarnings,
  newConnector,
  newRegisterEvse,
  newRegisterLocation,
  text,
  twentyFourSeven,
} from './location-builders.js';
import { lastUpdatedWarnings } from './record-checks.js';
import { errorMessage, nonBlankLines } from './source-text.js';
import type { ParsedRecord } from './types.js';

const PARTY_ID = 'IRV';

type IrveRow = Record<string, unknown>;

interface RowAt {
  row: IrveRow;
  line: number;
}

/** NDJSON when the text starts with '{', else CSV (',' or ';', guessed from the header). */
export function* parseIrve(source: string): Generator<ParsedRecord> {
  const rows = /^\s*\{/.test(stripBom(source).slice(0, 1000)) ? ndjsonRows(source) : csvRows(source);
  const stations = new Map<string, RowAt[]>();
  for (const item of rows) {
    if ('ok' in item) {
      yield item;
      continue;
    }
    const stationId = text(item.row.id_station_itinerance);
    if (stationId === null) {
      yield {
        ok: false,
        recordId: text(item.row.id_pdc_itinerance),
        reason: {
          field: 'id_station_itinerance',
          rule: 'missing-id',
          message: `line ${item.line}: PDC row without station id`,
        },
        raw: item.row,
      };
      continue;
    }
    const group = stations.get(stationId);
    if (group) group.push(item);
    else stations.set(stationId, [item]);
  }
  for (const [stationId, group] of stations) yield stationRecord(stationId, group);
}

function* ndjsonRows(body: string): Generator<RowAt | ParsedRecord> {
  for (const { line, lineNo } of nonBlankLines(body)) {
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      yield quarantinedLine(lineNo, errorMessage(error), line);
      continue;
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      yield quarantinedLine(lineNo, 'a line is not a JSON object', line);
      continue;
    }
    yield { row: row as IrveRow, line: lineNo };
  }
}

function* csvRows(body: string): Generator<RowAt | ParsedRecord> {
  const { header, records } = readCsvTable(body, { separator: sniffSeparator(body) });
  for (const record of records) {
    if (record.fieldCount !== header.length) {
      yield quarantinedLine(
        record.line,
        `${record.fieldCount} fields, the header has ${header.length}`,
        record.values,
      );
      continue;
    }
    yield { row: record.values, line: record.line };
  }
}

function quarantinedLine(line: number, message: string, raw: unknown): ParsedRecord {
  return {
    ok: false,
    recordId: null,
    reason: { field: `(line ${line})`, rule: 'unparseable-row', message },
    raw,
  };
}

function stationRecord(stationId: string, group: RowAt[]): ParsedRecord {
  const xy = parseXY(group[0]!.row.coordonneesXY);
  const place = checkPlace(xy?.lat ?? null, xy?.lon ?? null, { lat: 'coordonneesXY', lon: 'coordonneesXY' });
  if (!place.ok)
    return { ok: false, recordId: stationId, reason: place.reason, raw: group.map((g) => g.row) };
  const location = stationLocation(stationId, group, place);
  return { ok: true, location, externalRefs: location.evses.flatMap((e) => evseIdRef(e.evseId)) };
}

/** Station fields are read from the first row: they agree across a station's rows in the real file. */
function stationLocation(
  stationId: string,
  group: RowAt[],
  { lat, lon }: { lat: number; lon: number },
): Location {
  const first = group[0]!.row;
  const address = text(first.adresse_station);
  const postal = address ? postalCodeFromAddress(address) : null;
  const territory = frenchTerritory(text(first.code_insee_commune), postal?.code ?? null);
  const { evses, warnings: evseWarnings } = stationEvses(group);
  const operatorName = text(first.nom_operateur);
  const ownerName = text(first.nom_amenageur);
  const location = newRegisterLocation({
    countryCode: territory,
    partyId: PARTY_ID,
    id: stationId,
    lat,
    lon,
    name: text(first.nom_station),
    address,
    city: address ? cityFromAddress(address, postal) : null,
    postalCode: postal?.code ?? null,
    country: alpha2ToAlpha3(territory),
    parkingType: PARKING_TYPES[text(first.implantation_station) ?? ''] ?? null,
    operator: operatorName ? { name: operatorName, website: null } : null,
    owner: ownerName ? { name: ownerName, website: null } : null,
    openingTimes: text(first.horaires) === '24/7' ? twentyFourSeven() : null,
    evses,
    lastUpdated: latestUpdate(group) ?? UNKNOWN_TIMESTAMP,
  });
  location.warnings = [
    ...missingPlaceWarnings(location, {
      city: 'IRVE has no city column; none could be read from adresse_station',
    }),
    ...coordinateWarnings(lat, lon, FRANCE_WITH_OVERSEAS),
    ...stationWarnings(group),
    ...evseWarnings,
    ...lastUpdatedWarnings(location.lastUpdated),
  ];
  return location;
}

/** coordonneesXY is "[lon, lat]" as a string (NDJSON and CSV), or an array where a producer wrote one. */
function parseXY(value: unknown): { lat: number; lon: number } | null {
  if (Array.isArray(value) && value.length === 2) {
    const [lon, lat] = value;
    return typeof lon === 'number' && typeof lat === 'number' ? { lat, lon } : null;
  }
  const m =
    typeof value === 'string' ? /^\s*\[?\s*([^,\s\]]+)\s*,\s*([^,\s\]]+)\s*\]?\s*$/.exec(value) : null;
  const lon = parseDecimal(m?.[1]);
  const lat = parseDecimal(m?.[2]);
  return lon === null || lat === null ? null : { lat, lon };
}

const PARKING_TYPES: Readonly<Record<string, string>> = {
  Voirie: 'ON_STREET',
  'Parking public': 'PARKING_LOT',
  'Parking privé à usage public': 'PARKING_LOT',
  'Parking privé réservé à la clientèle': 'PARKING_LOT',
};

/** The newest date_maj of the station's rows (they agree in the real file, so usually one value to parse). */
function latestUpdate(group: RowAt[]): string | null {
  let latest: string | null = null;
  for (const raw of new Set(group.map((g) => g.row.date_maj))) {
    const iso = isoFromTimestamp(text(raw));
    if (iso && (latest === null || iso > latest)) latest = iso;
  }
  return latest;
}

function stationWarnings(group: RowAt[]): DataWarning[] {
  const warnings: DataWarning[] = [];
  const declared = readNumber(group[0]!.row.nbre_pdc);
  // Measured: 9,108 stations disagree (FR073PCAMAIEUFR: nbre_pdc 1, 16 rows). The rows are what we keep.
  if (declared !== null && declared !== group.length) {
    warnings.push({
      field: 'evses',
      rule: 'count-mismatch',
      detail: `nbre_pdc ${declared}, ${group.length} PDC rows`,
    });
  }
  const coordinates = new Set(group.map((g) => String(g.row.coordonneesXY)));
  if (coordinates.size > 1) {
    warnings.push({
      field: 'coordinates',
      rule: 'rows-disagree',
      detail: `${coordinates.size} different coordonneesXY; the first is used`,
    });
  }
  return warnings;
}

function stationEvses(group: RowAt[]): { evses: Evse[]; warnings: DataWarning[] } {
  const evses: Evse[] = [];
  const warnings: DataWarning[] = [];
  const uids = new Set<string>();
  group.forEach(({ row, line }, k) => {
    const pdcId = text(row.id_pdc_itinerance);
    const uid = pdcId ?? text(row.id_pdc_local) ?? `PDC-${k + 1}`;
    if (uids.has(uid.toLowerCase())) {
      warnings.push({
        field: 'evses',
        rule: 'duplicate-pdc',
        detail: `line ${line}: PDC ${uid} repeated; the first row is kept`,
      });
      return;
    }
    uids.add(uid.toLowerCase());
    if (pdcId === null)
      warnings.push({ field: 'evses.evseId', rule: 'missing', detail: `line ${line}: no id_pdc_itinerance` });
    const connectors = pdcConnectors(row);
    if (connectors.length === 0) {
      connectors.push(
        newConnector({
          id: '1',
          standard: UNNAMED_CONNECTOR,
          maxPowerW: kwToW(readNumber(row.puissance_nominale)),
        }),
      );
    }
    const capabilities = [
      ...(readFlag(row.reservation) ? ['RESERVABLE'] : []),
      ...(readFlag(row.paiement_cb) ? ['CREDIT_CARD_PAYABLE'] : []),
    ];
    evses.push(newRegisterEvse({ uid, evseId: pdcId, capabilities, connectors }));
  });
  return { evses, warnings };
}

/** One connector per prise_type_* flag set. IRVE gives one power per PDC, so each connector carries it. */
function pdcConnectors(row: IrveRow): Connector[] {
  const maxPowerW = kwToW(readNumber(row.puissance_nominale));
  const t2Cable = readFlag(row.cable_t2_attache);
  const kinds: { flag: string; standard: string; format: string | null }[] = [
    { flag: 'prise_type_ef', standard: 'DOMESTIC_E', format: 'SOCKET' }, // French E/F household socket
    {
      flag: 'prise_type_2',
      standard: 'IEC_62196_T2',
      format: t2Cable === null ? null : t2Cable ? 'CABLE' : 'SOCKET',
    },
    { flag: 'prise_type_combo_ccs', standard: 'IEC_62196_T2_COMBO', format: 'CABLE' },
    { flag: 'prise_type_chademo', standard: 'CHADEMO', format: 'CABLE' },
    // "autre" names no standard: kept raw as the register's own field name.
    { flag: 'prise_type_autre', standard: 'prise_type_autre', format: null },
  ];
  return kinds
    .filter((k) => readFlag(row[k.flag]) === true)
    .map((k, j) =>
      newConnector({
        id: String(j + 1),
        standard: k.standard,
        format: k.format,
        powerType: inferPowerType(k.standard, maxPowerW),
        maxPowerW,
      }),
    );
}

function readFlag(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  const t = text(value)?.toLowerCase();
  if (t === 'true' || t === '1' || t === 'oui') return true;
  if (t === 'false' || t === '0' || t === 'non') return false;
  return null;
}

function readNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  return typeof value === 'string' ? parseDecimal(value) : null;
}
