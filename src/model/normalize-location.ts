// OCPI Location / EVSE / Connector (2.1.1, 2.2, 2.2.1, 2.3.0) -> canonical model.
//
// A record is quarantined only when it cannot be identified or placed: not an object, no id, no
// usable coordinates, `evses` not a list. Everything else is kept, and every repair or gap becomes
// a DataWarning so data quality stays visible. The normalizer reads the raw JSON itself instead of
// running the zod wire schemas first: a schema parse fails the whole record on one odd optional
// field, and this runs over ~200k EVSEs per benchmark, so one pass with no intermediate copies.

import { alpha2ToAlpha3, alpha3ToAlpha2, isAlpha3 } from './countries.js';
import {
  describe,
  type FindingRule,
  isRecord,
  parseCoordinate,
  readBoolean,
  readDateTime,
  readEnum,
  readEnumList,
  readId,
  readNumber,
  readText,
  readTimeOfDay,
  warn,
} from './normalize-values.js';
import {
  CAPABILITY,
  CONNECTOR_FORMAT,
  CONNECTOR_TYPE,
  canonicalConnectorType,
  FACILITY,
  PARKING_OR_LOCATION_TYPE,
  PARKING_RESTRICTION,
  POWER_TYPE,
  STATUS,
} from './ocpi-enums.js';
import type {
  BusinessDetails,
  Connector,
  DataWarning,
  Evse,
  Location,
  NormalizeResult,
  OcpiVersion,
  OpeningTimes,
  QuarantineReason,
} from './types.js';

/** What the caller knows about the data owner, e.g. from the credentials role or the push URL. */
export interface NormalizeContext {
  countryCode?: string;
  partyId?: string;
}

/** Result for an EVSE or Connector on its own (PUT at that depth): they carry no warnings list. */
export type PartResult<T> =
  | { ok: true; value: T; warnings: DataWarning[] }
  | { ok: false; reason: QuarantineReason };

/** Stands in for a missing Location.last_updated when no EVSE or connector has one either. */
export const UNKNOWN_LAST_UPDATED = '1970-01-01T00:00:00Z';

function reason(field: string, rule: FindingRule, message: string): QuarantineReason {
  return { field, rule, message };
}

function isReason(v: object): v is QuarantineReason {
  return 'rule' in v;
}

// ---------------------------------------------------------------------------------------------
// Coordinates

/**
 * A GeoLocation we can put on a map, or the reason we cannot. 0,0 is the classic "unknown"
 * placeholder (ITCharge has 31 such sites), so it is rejected rather than drawn off Africa.
 */
function readGeoLocation(v: unknown, field: string): { lat: number; lon: number } | QuarantineReason {
  if (!isRecord(v)) {
    return v === undefined || v === null
      ? reason(field, 'missing', 'no coordinates')
      : reason(field, 'wrong_shape', `coordinates are ${describe(v)}, expected {latitude, longitude}`);
  }
  const lat = parseCoordinate(v.latitude);
  const lon = parseCoordinate(v.longitude);
  if (lat === null) return unusableCoordinate(`${field}.latitude`, v.latitude);
  if (lon === null) return unusableCoordinate(`${field}.longitude`, v.longitude);
  if (lat < -90 || lat > 90)
    return reason(`${field}.latitude`, 'out_of_range', `latitude ${lat} outside -90..90`);
  if (lon < -180 || lon > 180) {
    return reason(`${field}.longitude`, 'out_of_range', `longitude ${lon} outside -180..180`);
  }
  if (lat === 0 && lon === 0)
    return reason(field, 'null_island', 'coordinates 0,0 (a placeholder, not a site)');
  return { lat, lon };
}

function unusableCoordinate(field: string, v: unknown): QuarantineReason {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '')
    ? reason(field, 'missing', `${field} is ${v === undefined ? 'absent' : describe(v)}`)
    : reason(field, 'invalid_format', `${field} ${describe(v)} is not a number`);
}

// ---------------------------------------------------------------------------------------------
// Connector

// Hubject's eMI3 validator (SPEC-DIGEST §8); 2nd branch is the old DIN form.
const EMI3_EVSE_ID =
  /^(([A-Z]{2}\*?[A-Z0-9]{3}\*?E[A-Z0-9*]{1,30})|(\+?[0-9]{1,3}\*[0-9]{3}\*[0-9*]{1,32}))$/;
// The operator part of an EVSE id, also in 2.1.1's dashed form (`BE-BEC-E041503001`).
const EVSE_ID_OPERATOR = /^([A-Za-z]{2})[*-]?([A-Za-z0-9]{3})[*-]?[Ee]/;

/** A version's own key for a field, falling back to the other version's name with a warning. */
function pick(
  raw: Record<string, unknown>,
  own: string,
  other: string,
  w: DataWarning[],
  path: string,
): unknown {
  const v = raw[own];
  if (v !== undefined && v !== null) return v;
  const alt = raw[other];
  if (alt !== undefined && alt !== null) {
    warn(w, path + other, 'other_version_field', `read as ${own}`);
    return alt;
  }
  return v;
}

/** Volts or amps: required by every version; 0 is how Sitronics and LAKD say "unknown". */
function readElectrical(v: unknown, w: DataWarning[], path: string, key: string): number | null {
  const n = readNumber(v, w, path, key);
  if (n === null) {
    if (v === undefined || v === null) warn(w, path + key, 'missing');
    return null;
  }
  if (n <= 0) {
    warn(w, path + key, 'zero_value', `${n} read as unknown`);
    return null;
  }
  return n;
}

function readConnectorType(v: unknown, w: DataWarning[], path: string): string {
  const s = readEnum(v, CONNECTOR_TYPE, w, path, 'standard', true);
  if (s === null) return '';
  const upper = s.toUpperCase();
  return CONNECTOR_TYPE.has(upper) ? canonicalConnectorType(upper) : s;
}

function readTariffIds(
  raw: Record<string, unknown>,
  is211: boolean,
  w: DataWarning[],
  path: string,
): string[] {
  const list = raw.tariff_ids;
  const single = raw.tariff_id;
  if (list !== undefined && list !== null) {
    if (is211) warn(w, `${path}tariff_ids`, 'other_version_field', '2.2+ field read in a 2.1.1 connector');
    if (!Array.isArray(list)) {
      const id = readId(list, w, path, 'tariff_ids');
      if (id !== null) warn(w, `${path}tariff_ids`, 'wrong_type', 'a single id where a list is expected');
      return id === null ? [] : [id];
    }
    const out: string[] = [];
    for (let i = 0; i < list.length; i++) {
      const id = readId(list[i], w, path, `tariff_ids[${i}]`);
      if (id !== null) out.push(id);
    }
    return out;
  }
  if (single !== undefined && single !== null) {
    if (!is211) warn(w, `${path}tariff_id`, 'other_version_field', '2.1.1 field read as tariff_ids');
    const id = readId(single, w, path, 'tariff_id');
    return id === null ? [] : [id];
  }
  return [];
}

/** V x A for the phases in use; 2.1.1 has no power field at all (SPEC-DIGEST §5, "our note"). */
function derivePowerW(powerType: string | null, volts: number | null, amps: number | null): number | null {
  if (volts === null || amps === null) return null;
  if (powerType === 'AC_3_PHASE') {
    // OCPI wants line-to-neutral volts (230); many CPOs give line-to-line (400), where P = sqrt(3) U I.
    return volts > 250 ? Math.round(Math.sqrt(3) * volts * amps) : 3 * volts * amps;
  }
  // Two of the three phases connected; split-phase (US 120/240 V) reports the voltage across both legs.
  if (powerType === 'AC_2_PHASE') return 2 * volts * amps;
  return volts * amps;
}

// Above MCS's 3.75 MW nothing is plausible; LAKD sends 22000000 for its 22 kW sockets.
const IMPLAUSIBLE_W = 10_000_000;

/**
 * max_electric_power in W, repaired: values below 1 kW are kW (EV24 `22`, ITCharge `60`/`150`)
 * unless V x A agrees they are watts; values above 10 MW are 1000x too high.
 */
function resolvePowerW(
  given: number | null,
  derived: number | null,
  lineToLine: boolean,
  w: DataWarning[],
  path: string,
): number | null {
  if (given !== null) {
    if (given <= 0) {
      warn(w, `${path}max_electric_power`, 'zero_value', `${given} read as unknown`);
    } else if (given < 1000) {
      const wattsAgree = derived !== null && derived < given * 2 && derived > given / 2;
      if (wattsAgree) return given;
      const watts = Math.round(given * 1000);
      const why = derived === null ? 'below 1000 W' : `V x A gives ${derived} W`;
      warn(
        w,
        `${path}max_electric_power`,
        'power_in_kw',
        `value ${given} looks like kW (${why}), stored as ${watts} W`,
      );
      return watts;
    } else if (given >= IMPLAUSIBLE_W) {
      const watts = Math.round(given / 1000);
      warn(
        w,
        `${path}max_electric_power`,
        'power_1000x',
        `value ${given} W is implausible, stored as ${watts} W`,
      );
      return watts;
    } else {
      return Math.round(given);
    }
  }
  if (derived !== null && lineToLine) {
    warn(
      w,
      `${path}max_voltage`,
      'line_to_line_voltage',
      `3-phase power taken as sqrt(3) x V x A = ${derived} W`,
    );
  }
  return derived;
}

function readConnector(
  raw: unknown,
  version: OcpiVersion,
  w: DataWarning[],
  path: string,
): Connector | QuarantineReason {
  if (!isRecord(raw))
    return reason(path || '(record)', 'wrong_shape', `expected a Connector object, got ${describe(raw)}`);
  const id = readId(raw.id, w, path, 'id');
  if (id === null) return reason(`${path}id`, 'missing', 'connector has no id');
  const is211 = version === '2.1.1';
  const vKey = is211 ? 'voltage' : 'max_voltage';
  const aKey = is211 ? 'amperage' : 'max_amperage';
  const powerType = readEnum(raw.power_type, POWER_TYPE, w, path, 'power_type', true);
  const volts = readElectrical(pick(raw, vKey, is211 ? 'max_voltage' : 'voltage', w, path), w, path, vKey);
  const amps = readElectrical(pick(raw, aKey, is211 ? 'max_amperage' : 'amperage', w, path), w, path, aKey);
  const givenW = readNumber(raw.max_electric_power, w, path, 'max_electric_power');
  if (is211 && givenW !== null)
    warn(w, `${path}max_electric_power`, 'other_version_field', '2.2+ field in 2.1.1');
  const derived = derivePowerW(powerType, volts, amps);
  const lineToLine = powerType === 'AC_3_PHASE' && volts !== null && volts > 250;
  return {
    id,
    standard: readConnectorType(raw.standard, w, path),
    format: readEnum(raw.format, CONNECTOR_FORMAT, w, path, 'format', true),
    powerType,
    maxVoltage: volts,
    maxAmperage: amps,
    maxPowerW: resolvePowerW(givenW, derived, lineToLine, w, path),
    tariffIds: readTariffIds(raw, is211, w, path),
    termsAndConditions: readText(raw.terms_and_conditions, w, path, 'terms_and_conditions', false, 255),
    lastUpdated: readDateTime(raw.last_updated, w, path, 'last_updated', true),
  };
}

function readConnectors(v: unknown, version: OcpiVersion, w: DataWarning[], path: string): Connector[] {
  if (!Array.isArray(v) || v.length === 0) {
    // Connector + (1..n) in every version; an EVSE without one is kept (Toger has 22).
    if (v !== undefined && v !== null && !Array.isArray(v)) {
      warn(w, `${path}connectors`, 'wrong_type', `${describe(v)} where a list is expected`);
    } else warn(w, `${path}connectors`, 'missing', 'EVSE has no connectors');
    return [];
  }
  const out: Connector[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < v.length; i++) {
    const cPath = `${path}connectors[${i}].`;
    const c = readConnector(v[i], version, w, cPath);
    if (isReason(c)) {
      warn(w, `${path}connectors[${i}]`, 'dropped', c.message);
      continue;
    }
    const key = c.id.toLowerCase();
    if (seen.has(key)) {
      warn(w, `${cPath}id`, 'duplicate', `connector id ${c.id} repeated in this EVSE; dropped`);
      continue;
    }
    seen.add(key);
    out.push(c);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// EVSE

/** EVSE-level coordinates are optional: unusable ones are dropped with a warning, not fatal. */
function readOptionalGeoLocation(
  v: unknown,
  w: DataWarning[],
  path: string,
): { lat: number; lon: number } | null {
  if (v === undefined || v === null) return null;
  const g = readGeoLocation(v, `${path}coordinates`);
  if (isReason(g)) {
    warn(w, g.field, g.rule as FindingRule, `${g.message}; EVSE coordinates ignored`);
    return null;
  }
  return g;
}

function readEvse(
  raw: unknown,
  version: OcpiVersion,
  w: DataWarning[],
  path: string,
): Evse | QuarantineReason {
  if (!isRecord(raw))
    return reason(path || '(record)', 'wrong_shape', `expected an EVSE object, got ${describe(raw)}`);
  let evseId = readText(raw.evse_id, w, path, 'evse_id', false, 48);
  if (evseId === null && typeof raw.id === 'string' && raw.id.trim() !== '') {
    // OCPI 2.1 / the first 2.1.1 release named it `id`; stadtnavi still does.
    evseId = raw.id.trim();
    warn(w, `${path}id`, 'other_version_field', 'read as evse_id');
  }
  if (evseId !== null && !EMI3_EVSE_ID.test(evseId.toUpperCase())) {
    warn(w, `${path}evse_id`, 'invalid_format', `${JSON.stringify(evseId)} is not an eMI3 EVSE id`);
  }
  let uid = readId(raw.uid, w, path, 'uid');
  if (uid === null) {
    if (evseId === null) return reason(`${path}uid`, 'missing', 'EVSE has neither uid nor evse_id');
    uid = evseId;
    warn(w, `${path}uid`, 'missing', `evse_id ${evseId} used as uid`);
  }
  if (uid.length > (version === '2.1.1' ? 39 : 36)) warn(w, `${path}uid`, 'too_long', `${uid.length} chars`);
  if (version === '2.3.0' && Array.isArray(raw.parking) && raw.parking.some((p) => !isRecord(p))) {
    // v2.3.0's own Location examples list parking ids as plain strings (fixed in edition 2).
    warn(w, `${path}parking`, 'wrong_type', 'EVSEParking entries are not objects');
  }
  return {
    uid,
    evseId,
    status: readEnum(raw.status, STATUS, w, path, 'status', true) ?? 'UNKNOWN',
    capabilities: readEnumList(raw.capabilities, CAPABILITY, w, path, 'capabilities'),
    floorLevel: readText(raw.floor_level, w, path, 'floor_level', false, 4),
    physicalReference: readText(raw.physical_reference, w, path, 'physical_reference', false, 16),
    coordinates: readOptionalGeoLocation(raw.coordinates, w, path),
    parkingRestrictions: readEnumList(
      raw.parking_restrictions,
      PARKING_RESTRICTION,
      w,
      path,
      'parking_restrictions',
    ),
    connectors: readConnectors(raw.connectors, version, w, path),
    lastUpdated: readDateTime(raw.last_updated, w, path, 'last_updated', true),
  };
}

function readEvses(list: unknown[], version: OcpiVersion, w: DataWarning[]): Evse[] {
  const out: Evse[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const path = `evses[${i}].`;
    const e = readEvse(list[i], version, w, path);
    if (isReason(e)) {
      warn(w, `evses[${i}]`, 'dropped', e.message);
      continue;
    }
    if (seen.has(e.uid.toLowerCase())) {
      // LAKD 2024: location 250 lists two different EVSEs (…-1Z3E-A and …-1Z3E-B) under uid 1332.
      if (e.evseId === null || seen.has(e.evseId.toLowerCase())) {
        warn(w, `${path}uid`, 'duplicate', `uid ${e.uid} repeated in this location; EVSE dropped`);
        continue;
      }
      warn(
        w,
        `${path}uid`,
        'duplicate',
        `uid ${e.uid} repeated in this location; keyed by evse_id ${e.evseId}`,
      );
      e.uid = e.evseId;
    }
    seen.add(e.uid.toLowerCase());
    out.push(e);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Location parts

function readBusinessDetails(v: unknown, w: DataWarning[], key: string): BusinessDetails | null {
  if (v === undefined || v === null) return null;
  if (!isRecord(v)) {
    warn(w, key, 'wrong_type', `${describe(v)} where BusinessDetails is expected`);
    return null;
  }
  const name = readText(v.name, w, `${key}.`, 'name', true, 100);
  if (name === null) return null;
  return { name, website: readText(v.website, w, `${key}.`, 'website', false, 255) };
}

/** Location.country is alpha-3; ITCharge sends alpha-2, EV24 "Polska". */
function readCountry(v: unknown, w: DataWarning[]): string | null {
  const s = readText(v, w, '', 'country', true);
  if (s === null) return null;
  const upper = s.toUpperCase();
  if (isAlpha3(upper)) return upper;
  const a3 = upper.length === 2 ? alpha2ToAlpha3(upper) : null;
  if (a3 !== null) {
    warn(w, 'country', 'alpha2_country', `${s} mapped to ${a3}`);
    return a3;
  }
  warn(w, 'country', 'unknown_value', `${JSON.stringify(s)} is not an ISO 3166 alpha-3 code; dropped`);
  return null;
}

// IANA names: Area/Location[/Sub], or UTC-like single words. ChargeSini sends "Asia/Kuala Lumpur".
const IANA_ZONE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

function readTimeZone(v: unknown, required: boolean, w: DataWarning[]): string | null {
  const tz = readText(v, w, '', 'time_zone', required, 255);
  if (tz !== null && !IANA_ZONE.test(tz))
    warn(w, 'time_zone', 'invalid_format', `${JSON.stringify(tz)} is not an IANA zone name`);
  return tz;
}

function readPeriods(
  v: unknown,
  w: DataWarning[],
  path: string,
): { periodBegin: string; periodEnd: string }[] {
  if (!Array.isArray(v)) {
    if (v !== undefined && v !== null) warn(w, path, 'wrong_type', `${describe(v)} where a list is expected`);
    return [];
  }
  const out: { periodBegin: string; periodEnd: string }[] = [];
  for (let i = 0; i < v.length; i++) {
    const p = v[i];
    const pPath = `${path}[${i}].`;
    if (!isRecord(p)) {
      warn(w, `${path}[${i}]`, 'dropped', `${describe(p)} is not a period`);
      continue;
    }
    const periodBegin = readDateTime(p.period_begin, w, pPath, 'period_begin', true);
    const periodEnd = readDateTime(p.period_end, w, pPath, 'period_end', true);
    if (periodBegin === null || periodEnd === null) {
      warn(w, `${path}[${i}]`, 'dropped', 'period without a usable begin and end');
      continue;
    }
    out.push({ periodBegin, periodEnd });
  }
  return out;
}

function readRegularHours(v: unknown, w: DataWarning[], path: string): OpeningTimes['regularHours'] {
  if (!Array.isArray(v)) {
    if (v !== undefined && v !== null) warn(w, path, 'wrong_type', `${describe(v)} where a list is expected`);
    return [];
  }
  const out: OpeningTimes['regularHours'] = [];
  for (let i = 0; i < v.length; i++) {
    const r = v[i];
    const rPath = `${path}[${i}].`;
    if (!isRecord(r)) {
      warn(w, `${path}[${i}]`, 'dropped', `${describe(r)} is not a RegularHours object`);
      continue;
    }
    let weekday = readNumber(r.weekday, w, rPath, 'weekday');
    if (weekday === 0) {
      // ITCharge numbers days 0..6 from Sunday (JavaScript's getDay), OCPI 1..7 from Monday.
      warn(w, `${rPath}weekday`, 'invalid_format', '0 read as 7 (Sunday)');
      weekday = 7;
    }
    const periodBegin = readTimeOfDay(r.period_begin, w, rPath, 'period_begin', false);
    const periodEnd = readTimeOfDay(r.period_end, w, rPath, 'period_end', true);
    if (weekday === null || !Number.isInteger(weekday) || weekday < 1 || weekday > 7) {
      warn(w, `${path}[${i}]`, 'dropped', `weekday ${describe(r.weekday)} is not 1..7`);
      continue;
    }
    if (periodBegin === null || periodEnd === null) {
      warn(w, `${path}[${i}]`, 'dropped', 'regular hours without a usable begin and end');
      continue;
    }
    out.push({ weekday, periodBegin, periodEnd });
  }
  return out;
}

/**
 * Hours in the 2.2 shape. 2.1.1 has regular_hours *or* twentyfourseven, so regular hours without
 * the flag mean twentyfourseven=false; 2.2+ always sends the flag (a missing one is warned).
 */
export function normalizeHours(
  v: unknown,
  version: OcpiVersion,
  w: DataWarning[],
  path = 'opening_times',
): OpeningTimes | null {
  if (v === undefined || v === null) return null;
  if (!isRecord(v)) {
    warn(w, path, 'wrong_type', `${describe(v)} where Hours is expected`);
    return null;
  }
  const regularHours = readRegularHours(v.regular_hours, w, `${path}.regular_hours`);
  const exceptionalOpenings = readPeriods(v.exceptional_openings, w, `${path}.exceptional_openings`);
  const exceptionalClosings = readPeriods(v.exceptional_closings, w, `${path}.exceptional_closings`);
  let twentyfourseven = readBoolean(v.twentyfourseven, w, `${path}.`, 'twentyfourseven');
  if (twentyfourseven === null) {
    if (regularHours.length === 0) {
      warn(
        w,
        `${path}.twentyfourseven`,
        'missing',
        'Hours with neither twentyfourseven nor regular_hours ignored',
      );
      return null;
    }
    if (version !== '2.1.1')
      warn(w, `${path}.twentyfourseven`, 'missing', 'false, since regular_hours are given');
    twentyfourseven = false;
  } else if (!twentyfourseven && regularHours.length === 0) {
    warn(w, `${path}.regular_hours`, 'missing', 'twentyfourseven is false but no regular hours are given');
  }
  return { twentyfourseven, regularHours, exceptionalOpenings, exceptionalClosings };
}

interface Owner {
  countryCode: string;
  partyId: string;
}

function operatorFromEvseIds(evses: Evse[]): { countryCode: string; partyId: string; evseId: string } | null {
  for (const e of evses) {
    if (e.evseId === null) continue;
    const m = EVSE_ID_OPERATOR.exec(e.evseId);
    if (m && alpha2ToAlpha3(m[1]!) !== null) {
      return { countryCode: m[1]!.toUpperCase(), partyId: m[2]!.toUpperCase(), evseId: e.evseId };
    }
  }
  return null;
}

const OWNER_FIELDS = [
  ['countryCode', 'country_code', 2],
  ['partyId', 'party_id', 3],
] as const;

/**
 * country_code and party_id (upper case) from the body (2.2 on; 2.1.1 bodies have none), else from
 * the caller's context, warned when the body should have had them; null where neither has one.
 * Locations and tariffs both start from this, then differ in what they fall back to.
 */
export function ownerIdsOf(
  raw: Record<string, unknown>,
  version: OcpiVersion,
  ctx: NormalizeContext,
  w: DataWarning[],
): { fromBody: boolean; countryCode: string | null; partyId: string | null } {
  const fromBody = version !== '2.1.1';
  const out = { fromBody, countryCode: null as string | null, partyId: null as string | null };
  for (const [key, field, limit] of OWNER_FIELDS) {
    out[key] = fromBody ? (readText(raw[field], w, '', field, false, limit)?.toUpperCase() ?? null) : null;
  }
  for (const [key, field] of OWNER_FIELDS) {
    const given = ctx[key]?.trim();
    if (out[key] !== null || !given) continue;
    out[key] = given.toUpperCase();
    if (fromBody) warn(w, field, 'missing', 'taken from the caller context');
  }
  return out;
}

/**
 * country_code / party_id of the owning party. 2.2+ bodies carry them; 2.1.1 bodies do not, so
 * the caller's context wins there, then the operator part of an eMI3 EVSE id (OCPI does not
 * promise party_id = operator id, hence the warning), then the site's country with no party.
 */
function resolveOwner(
  raw: Record<string, unknown>,
  version: OcpiVersion,
  ctx: NormalizeContext,
  evses: Evse[],
  country: string | null,
  w: DataWarning[],
): Owner {
  let { fromBody, countryCode, partyId } = ownerIdsOf(raw, version, ctx, w);
  if (countryCode !== null && partyId !== null) return { countryCode, partyId };
  const fallbackRule: FindingRule = fromBody ? 'missing' : 'derived';
  if (countryCode === null || partyId === null) {
    const op = operatorFromEvseIds(evses);
    if (op !== null) {
      if (countryCode === null) {
        countryCode = op.countryCode;
        warn(w, 'country_code', fallbackRule, `taken from evse_id ${op.evseId}`);
      }
      if (partyId === null) {
        partyId = op.partyId;
        warn(w, 'party_id', fallbackRule, `taken from evse_id ${op.evseId}`);
      }
    }
  }
  if (countryCode === null) {
    countryCode = country === null ? '' : (alpha3ToAlpha2(country) ?? '');
    warn(w, 'country_code', fallbackRule, countryCode === '' ? 'unknown' : `taken from country ${country}`);
  }
  if (partyId === null) {
    partyId = '';
    warn(w, 'party_id', fallbackRule, 'unknown; left empty');
  }
  return { countryCode: countryCode.toUpperCase(), partyId: partyId.toUpperCase() };
}

/** Newest last_updated among EVSEs and connectors: a lower bound, since they bump their Location. */
function newestChildUpdate(evses: Evse[]): string | null {
  let newest: string | null = null;
  for (const e of evses) {
    if (e.lastUpdated !== null && (newest === null || e.lastUpdated > newest)) newest = e.lastUpdated;
    for (const c of e.connectors) {
      if (c.lastUpdated !== null && (newest === null || c.lastUpdated > newest)) newest = c.lastUpdated;
    }
  }
  return newest;
}

// ---------------------------------------------------------------------------------------------
// Public API

export function normalizeLocation(
  raw: unknown,
  version: OcpiVersion,
  ctx: NormalizeContext = {},
): NormalizeResult<Location> {
  const frame = locationFrame(raw);
  if (isReason(frame)) return { ok: false, reason: frame };
  const { record, w, id, place } = frame;
  const is211 = version === '2.1.1';
  if (id.length > (is211 ? 39 : 36)) warn(w, 'id', 'too_long', `${id.length} chars`);
  const evses = readEvses(frame.evses, version, w);
  const country = readCountry(record.country, w);
  const owner = resolveOwner(record, version, ctx, evses, country, w);
  const publish = readPublish(record, is211, w);
  const lastUpdated = readLocationLastUpdated(record, evses, w);
  // Key order is part of the stored content hash: keep it.
  return {
    ok: true,
    value: {
      countryCode: owner.countryCode,
      partyId: owner.partyId,
      id,
      publish,
      ...readAddress(record, is211, w),
      country,
      lat: place.lat,
      lon: place.lon,
      ...readSiteDetails(record, version, w),
      evses,
      lastUpdated,
      warnings: w,
    },
  };
}

/** What a Location cannot do without (an object, its id, coordinates, a list of EVSEs if any). */
function locationFrame(raw: unknown):
  | QuarantineReason
  | {
      record: Record<string, unknown>;
      w: DataWarning[];
      id: string;
      place: { lat: number; lon: number };
      evses: unknown[];
    } {
  if (!isRecord(raw)) {
    return reason('(record)', 'wrong_shape', `expected a Location object, got ${describe(raw)}`);
  }
  const w: DataWarning[] = [];
  const id = readId(raw.id, w, '', 'id');
  if (id === null) {
    return reason('id', 'missing', `Location id is ${raw.id === undefined ? 'absent' : describe(raw.id)}`);
  }
  const place = readGeoLocation(raw.coordinates, 'coordinates');
  if (isReason(place)) return place;
  const rawEvses = raw.evses;
  if (rawEvses !== undefined && rawEvses !== null && !Array.isArray(rawEvses)) {
    return reason('evses', 'wrong_shape', `evses is ${describe(rawEvses)}, expected a list`);
  }
  return { record: raw, w, id, place, evses: rawEvses ?? [] };
}

function readPublish(raw: Record<string, unknown>, is211: boolean, w: DataWarning[]): boolean {
  if (is211) return true;
  const p = readBoolean(raw.publish, w, '', 'publish');
  if (p !== null) return p;
  // publish is required in 2.2+; without it we assume the CPO meant to publish (as 2.1.1 did).
  if (raw.publish === undefined || raw.publish === null) warn(w, 'publish', 'missing', 'treated as true');
  return true;
}

function readLocationLastUpdated(raw: Record<string, unknown>, evses: Evse[], w: DataWarning[]): string {
  const lastUpdated = readDateTime(raw.last_updated, w, '', 'last_updated');
  if (lastUpdated !== null) return lastUpdated;
  const child = newestChildUpdate(evses);
  const rule: FindingRule =
    raw.last_updated === undefined || raw.last_updated === null ? 'missing' : 'derived';
  const used = child ?? UNKNOWN_LAST_UPDATED;
  warn(
    w,
    'last_updated',
    rule,
    child ? `newest EVSE/connector last_updated ${child} used` : `set to ${used}`,
  );
  return used;
}

function readAddress(raw: Record<string, unknown>, is211: boolean, w: DataWarning[]) {
  return {
    name: readText(raw.name, w, '', 'name', false, 255),
    address: readText(raw.address, w, '', 'address', true, is211 ? 45 : 255),
    city: readText(raw.city, w, '', 'city', true, 45),
    postalCode: readText(raw.postal_code, w, '', 'postal_code', is211, 10),
    state: is211 ? null : readText(raw.state, w, '', 'state', false, 45),
  };
}

function readSiteDetails(raw: Record<string, unknown>, version: OcpiVersion, w: DataWarning[]) {
  const is211 = version === '2.1.1';
  return {
    parkingType: readEnum(
      pick(raw, is211 ? 'type' : 'parking_type', is211 ? 'parking_type' : 'type', w, ''),
      PARKING_OR_LOCATION_TYPE,
      w,
      '',
      is211 ? 'type' : 'parking_type',
      is211,
    ),
    timeZone: readTimeZone(raw.time_zone, !is211, w),
    operator: readBusinessDetails(raw.operator, w, 'operator'),
    suboperator: readBusinessDetails(raw.suboperator, w, 'suboperator'),
    owner: readBusinessDetails(raw.owner, w, 'owner'),
    facilities: readEnumList(raw.facilities, FACILITY, w, '', 'facilities'),
    openingTimes: normalizeHours(raw.opening_times, version, w),
    chargingWhenClosed: readBoolean(raw.charging_when_closed, w, '', 'charging_when_closed'),
  };
}

/** One EVSE, e.g. the body of a PUT to …/{location_id}/{evse_uid}. Field paths are relative to it. */
export function normalizeEvse(raw: unknown, version: OcpiVersion): PartResult<Evse> {
  const w: DataWarning[] = [];
  const e = readEvse(raw, version, w, '');
  return isReason(e) ? { ok: false, reason: e } : { ok: true, value: e, warnings: w };
}

/** One Connector, e.g. the body of a PUT to …/{evse_uid}/{connector_id}. */
export function normalizeConnector(raw: unknown, version: OcpiVersion): PartResult<Connector> {
  const w: DataWarning[] = [];
  const c = readConnector(raw, version, w, '');
  return isReason(c) ? { ok: false, reason: c } : { ok: true, value: c, warnings: w };
}
