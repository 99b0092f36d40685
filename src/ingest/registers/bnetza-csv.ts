// BNetzA Ladesäulenregister CSV, 2022 layout: ';' separated, decimal commas, BOM, dates like 22.07.21,
// one row per charging device (Ladeeinrichtung) with up to 4 charge points in the column groups
// Steckertypen<i> / P<i> [kW] / Public Key<i>. Steckertypen<i> lists that point's connectors,
// comma separated ("AC Steckdose Typ 2, AC Schuko"). Columns are read by header name.

import { hash64 } from '../../model/ids.js';
import type { DataWarning, Evse, Location } from '../../model/types.js';
import { BNETZA_PARTY_ID, chargePointEvse, germanStreetAddress } from './bnetza-common.js';
import { checkPlace, coordinateWarnings, GERMANY, parseDecimal } from './coordinates.js';
import { readCsvTable } from './csv.js';
import { isoFromGermanDate, UNKNOWN_TIMESTAMP } from './dates.js';
import { lifecycleFromWords } from './lifecycle-words.js';
import { missingPlaceWarnings, newRegisterLocation, text } from './location-builders.js';
import { fieldCountProblem, lastUpdatedWarnings } from './record-checks.js';
import type { ParsedRecord } from './types.js';

const CHARGE_POINT_SLOTS = 4;

type Row = Record<string, string | undefined>;

export function* parseBnetzaCsv(source: string): Generator<ParsedRecord> {
  const { header, records } = readCsvTable(source, { separator: ';' });
  const seenKeys = new Map<string, number>();
  for (const record of records) {
    const row = record.values;
    const id = rowId(row, seenKeys);
    const shape = fieldCountProblem(record, header.length);
    if (shape) {
      yield { ok: false, recordId: id, reason: shape, raw: row };
      continue;
    }
    const place = checkPlace(parseDecimal(row.Breitengrad), parseDecimal(row.Längengrad), {
      lat: 'Breitengrad',
      lon: 'Längengrad',
    });
    if (place.ok) yield { ok: true, location: rowLocation(row, id, place), externalRefs: [] };
    else yield { ok: false, recordId: id, reason: place.reason, raw: row };
  }
}

function rowLocation(row: Row, id: string, { lat, lon }: { lat: number; lon: number }): Location {
  const evses = chargePoints(row);
  const operator = text(row.Betreiber);
  const location = newRegisterLocation({
    countryCode: 'DE',
    partyId: BNETZA_PARTY_ID,
    id,
    lat,
    lon,
    address: germanStreetAddress(text(row.Straße), text(row.Hausnummer)),
    city: text(row.Ort),
    postalCode: text(row.Postleitzahl),
    state: text(row.Bundesland),
    country: 'DEU',
    operator: operator ? { name: operator, website: null } : null,
    evses,
    // The 2022 layout has no update date; the commissioning date is the newest date a row carries.
    lastUpdated: isoFromGermanDate(row.Inbetriebnahmedatum) ?? UNKNOWN_TIMESTAMP,
    // Later layouts add a Status column ("In Betrieb", "Außer Betrieb", "In Planung").
    lifecycle: lifecycleFromWords(row.Status) ?? undefined,
  });
  location.warnings = [
    ...missingPlaceWarnings(location),
    ...coordinateWarnings(lat, lon, GERMANY),
    ...countWarnings(row, evses),
    ...lastUpdatedWarnings(location.lastUpdated),
  ];
  return location;
}

/**
 * The 2022 layout has no id column, so the id is a hash of operator, address and the coordinates as
 * written. Measured in the Köln file: 25 such keys occur more than once (66 rows are exact copies of
 * another row), and the register lists one row per device, so repeats get "-2", "-3" in file order
 * and stay separate Locations for dedupe to judge.
 */
function rowId(row: Row, seenKeys: Map<string, number>): string {
  const key = ['Betreiber', 'Straße', 'Hausnummer', 'Postleitzahl', 'Ort', 'Breitengrad', 'Längengrad']
    .map((column) => (row[column] ?? '').trim())
    .join('\u0000');
  const hash = hash64(key);
  const seen = (seenKeys.get(hash) ?? 0) + 1;
  seenKeys.set(hash, seen);
  return seen === 1 ? hash : `${hash}-${seen}`;
}

/** A slot is a charge point when any of its columns is filled: "Fuka elevator parts" has P3/P4 but no Steckertypen3/4. */
function chargePoints(row: Row): Evse[] {
  const evses: Evse[] = [];
  for (let i = 1; i <= CHARGE_POINT_SLOTS; i++) {
    const labels = (row[`Steckertypen${i}`] ?? '')
      .split(',')
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
    const powerKw = parseDecimal(row[`P${i} [kW]`]);
    if (labels.length === 0 && powerKw === null && !text(row[`Public Key${i}`])) continue;
    const connectors =
      labels.length > 0 ? labels.map((label) => ({ label, powerKw })) : [{ label: null, powerKw }];
    evses.push(chargePointEvse(String(i), connectors, null));
  }
  return evses;
}

function countWarnings(row: Row, evses: Evse[]): DataWarning[] {
  const declared = parseDecimal(row['Anzahl Ladepunkte']);
  if (declared === null || declared === evses.length) return [];
  return [
    {
      field: 'evses',
      rule: 'count-mismatch',
      detail: `Anzahl Ladepunkte ${declared}, ${evses.length} described (the layout has ${CHARGE_POINT_SLOTS} slots)`,
    },
  ];
}
