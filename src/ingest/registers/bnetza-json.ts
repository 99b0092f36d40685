// BNetzA Ladesäulenregister from its JSON API ({"chargingStations": [...]}): one station per charging
// device with a numeric id, its evses (= Ladepunkte) with connectors and per-connector power in kW,
// dates like 04.08.2016. 11 of 1,822 charge points in the subset carry an evse_id.

import { z } from 'zod';
import { stripBom } from '../../model/byte-order-mark.js';
import type { DataWarning, Evse, Location, OpeningTimes } from '../../model/types.js';
import { BNETZA_PARTY_ID, chargePointEvse, germanStreetAddress } from './bnetza-common.js';
import { checkPlace, coordinateWarnings, GERMANY, parseDecimal } from './coordinates.js';
import { isoFromGermanDate, UNKNOWN_TIMESTAMP } from './dates.js';
import { lifecycleFromWords } from './lifecycle-words.js';
import {
  evseIdRef,
  missingPlaceWarnings,
  newRegisterLocation,
  text,
  twentyFourSeven,
} from './location-builders.js';
import { operatorAliasRefs } from './operator-alias-refs.js';
import { lastUpdatedWarnings, rawId, schemaProblem } from './record-checks.js';
import { errorMessage } from './source-text.js';
import type { ParsedRecord } from './types.js';

const textish = z.union([z.string(), z.number()]).nullish();
const coordinate = z.union([z.number(), z.string()]).nullish();

const stationSchema = z.looseObject({
  id: textish,
  operator: z.looseObject({ companyName: z.string().nullish(), displayName: z.string().nullish() }).nullish(),
  street: textish,
  house_no: textish,
  postal_code: textish,
  city: textish,
  state: textish,
  coordinates: z.looseObject({ latitude: coordinate, longitude: coordinate }).nullish(),
  go_live_date: z.string().nullish(),
  status: z.looseObject({ operational: z.string().nullish() }).nullish(),
  opening_hours_specification: z.string().nullish(),
  opening_days: z
    .array(z.looseObject({ weekday: z.string(), open_from: z.string(), open_to: z.string() }))
    .nullish(),
  evses: z
    .array(
      z.looseObject({
        evse_id: z.string().nullish(),
        connectors: z
          .array(
            z.looseObject({
              connector_type: z.string().nullish(),
              max_electric_power_connector: z.number().nullish(),
            }),
          )
          .nullish(),
      }),
    )
    .nullish(),
});

type Station = z.infer<typeof stationSchema>;

export function* parseBnetzaJson(source: string): Generator<ParsedRecord> {
  let doc: unknown;
  try {
    doc = JSON.parse(stripBom(source));
  } catch (error) {
    yield {
      ok: false,
      recordId: null,
      reason: { field: '(file)', rule: 'json', message: errorMessage(error) },
      raw: source.slice(0, 500),
    };
    return;
  }
  const stations = Array.isArray(doc) ? doc : (doc as { chargingStations?: unknown })?.chargingStations;
  if (!Array.isArray(stations)) {
    yield {
      ok: false,
      recordId: null,
      reason: { field: 'chargingStations', rule: 'schema', message: 'expected an array of stations' },
      raw: source.slice(0, 500),
    };
    return;
  }
  for (const raw of stations) yield stationRecord(raw);
}

function stationRecord(raw: unknown): ParsedRecord {
  const parsed = stationSchema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, recordId: rawId(raw, 'id'), reason: schemaProblem(parsed.error), raw };
  const station = parsed.data;
  const id = text(station.id);
  if (id === null) {
    return {
      ok: false,
      recordId: null,
      reason: { field: 'id', rule: 'missing-id', message: 'station has no id' },
      raw,
    };
  }
  const coordinates = station.coordinates;
  const place = checkPlace(toNumber(coordinates?.latitude), toNumber(coordinates?.longitude), {
    lat: 'coordinates.latitude',
    lon: 'coordinates.longitude',
  });
  if (!place.ok) return { ok: false, recordId: id, reason: place.reason, raw };
  const location = stationLocation(station, id, place);
  // The display name ("SWD AG") is how the company ("Stadtwerke Düsseldorf AG") shows itself elsewhere.
  const aliases = operatorAliasRefs(location.operator?.name ?? null, [text(station.operator?.displayName)]);
  return {
    ok: true,
    location,
    externalRefs: [...location.evses.flatMap((e) => evseIdRef(e.evseId)), ...aliases],
  };
}

function stationLocation(station: Station, id: string, { lat, lon }: { lat: number; lon: number }): Location {
  const { evses, warnings } = stationEvses(station);
  const companyName = text(station.operator?.companyName) ?? text(station.operator?.displayName);
  const location = newRegisterLocation({
    countryCode: 'DE',
    partyId: BNETZA_PARTY_ID,
    id,
    lat,
    lon,
    address: germanStreetAddress(text(station.street), text(station.house_no)),
    city: text(station.city),
    postalCode: text(station.postal_code),
    state: text(station.state),
    country: 'DEU',
    operator: companyName ? { name: companyName, website: null } : null,
    openingTimes: openingTimes(station),
    evses,
    // The API has no update date either; go_live_date is the newest date it gives.
    lastUpdated: isoFromGermanDate(station.go_live_date) ?? UNKNOWN_TIMESTAMP,
    lifecycle: lifecycleFromWords(station.status?.operational) ?? undefined,
  });
  location.warnings = [
    ...warnings,
    ...missingPlaceWarnings(location),
    ...coordinateWarnings(lat, lon, GERMANY),
    ...lastUpdatedWarnings(location.lastUpdated),
  ];
  return location;
}

function stationEvses(station: Station): { evses: Evse[]; warnings: DataWarning[] } {
  const warnings: DataWarning[] = [];
  const evses = (station.evses ?? []).map((evse, k) => {
    const connectors = (evse.connectors ?? []).map((c, j) => {
      // Measured: station 1000187 has a connector without connector_type.
      if (!text(c.connector_type)) {
        warnings.push({ field: `evses[${k}].connectors[${j}].connector_type`, rule: 'missing' });
      }
      return { label: text(c.connector_type), powerKw: c.max_electric_power_connector ?? null };
    });
    return chargePointEvse(String(k + 1), connectors, text(evse.evse_id));
  });
  return { evses, warnings };
}

function toNumber(value: string | number | null | undefined): number | null {
  return typeof value === 'number' ? value : parseDecimal(value);
}

const WEEKDAYS: Readonly<Record<string, number>> = {
  Montag: 1,
  Dienstag: 2,
  Mittwoch: 3,
  Donnerstag: 4,
  Freitag: 5,
  Samstag: 6,
  Sonntag: 7,
};

/** "247" means always open; opening_days lists hours per German weekday; "Keine Angabe" = not stated. */
function openingTimes(station: Station): OpeningTimes | null {
  if (station.opening_hours_specification?.trim() === '247') return twentyFourSeven();
  const regularHours = (station.opening_days ?? []).flatMap((d) => {
    const weekday = WEEKDAYS[d.weekday.trim()];
    return weekday ? [{ weekday, periodBegin: d.open_from, periodEnd: d.open_to }] : [];
  });
  if (regularHours.length === 0) return null;
  return { twentyfourseven: false, regularHours, exceptionalOpenings: [], exceptionalClosings: [] };
}
