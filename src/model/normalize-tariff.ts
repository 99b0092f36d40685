// OCPI Tariff (2.1.1, 2.2, 2.2.1, 2.3.0) -> canonical model, and a one-line human summary.
// Quarantined only without an id, a currency or an elements list: without them no price can be
// attached to a connector. Everything else is kept with DataWarnings, as for Locations.

import type { NormalizeContext } from './normalize-location.js';
import { ownerIdsOf, UNKNOWN_LAST_UPDATED } from './normalize-location.js';
import {
  describe,
  type FindingRule,
  isRecord,
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
  DAY_OF_WEEK,
  RESERVATION_RESTRICTION_TYPE,
  TARIFF_DIMENSION_TYPE,
  TARIFF_TYPE,
  TAX_INCLUDED,
} from './ocpi-enums.js';
import type {
  DataWarning,
  NormalizeResult,
  OcpiVersion,
  PriceComponent,
  QuarantineReason,
  Tariff,
  TariffElement,
  TariffRestrictions,
} from './types.js';

function reject(field: string, rule: FindingRule, message: string): { ok: false; reason: QuarantineReason } {
  return { ok: false, reason: { field, rule, message } };
}

// ---------------------------------------------------------------------------------------------
// Elements

function readPriceComponent(
  v: unknown,
  version: OcpiVersion,
  w: DataWarning[],
  path: string,
): PriceComponent | null {
  if (!isRecord(v)) {
    warn(w, path.slice(0, -1), 'dropped', `${describe(v)} is not a PriceComponent`);
    return null;
  }
  const type = readEnum(v.type, TARIFF_DIMENSION_TYPE, w, path, 'type', true);
  const price = readNumber(v.price, w, path, 'price');
  if (type === null || price === null) {
    warn(w, path.slice(0, -1), 'dropped', 'price component without a usable type and price');
    return null;
  }
  // vat is 2.2+; NDW adds it to its (2.2.1) components too. Absent means "no VAT applies".
  const vat = readNumber(v.vat, w, path, 'vat');
  if (vat !== null && version === '2.1.1')
    warn(w, `${path}vat`, 'other_version_field', '2.2+ field in 2.1.1');
  let stepSize = readNumber(v.step_size, w, path, 'step_size');
  if (stepSize === null || stepSize < 0 || !Number.isInteger(stepSize)) {
    // 2.2.1 errata and 2.3.0 advise step_size 1, i.e. no rounding.
    warn(w, `${path}step_size`, stepSize === null ? 'missing' : 'invalid_format', 'read as 1');
    stepSize = 1;
  }
  return { type, price, vat, stepSize };
}

const NUMERIC_RESTRICTIONS = [
  'min_kwh',
  'max_kwh',
  'min_current',
  'max_current',
  'min_power',
  'max_power',
  'min_duration',
  'max_duration',
] as const;

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * TariffRestrictions kept as the spec's snake_case object, with null members left out (NDW sends
 * every key, mostly null) and times read as HH:MM. An object with nothing set is no restriction.
 */
function readRestrictionObject(
  v: Record<string, unknown>,
  w: DataWarning[],
  path: string,
): TariffRestrictions | null {
  const out: TariffRestrictions = {};
  const startTime = readTimeOfDay(v.start_time, w, path, 'start_time', false);
  if (startTime !== null) out.start_time = startTime;
  const endTime = readTimeOfDay(v.end_time, w, path, 'end_time', true);
  if (endTime !== null) out.end_time = endTime;
  for (const key of ['start_date', 'end_date'] as const) {
    const d = v[key];
    if (typeof d === 'string' && LOCAL_DATE.test(d.trim())) out[key] = d.trim();
    else if (d !== undefined && d !== null)
      warn(w, path + key, 'invalid_format', `${describe(d)} is not YYYY-MM-DD`);
  }
  for (const key of NUMERIC_RESTRICTIONS) {
    const n = readNumber(v[key], w, path, key);
    if (n !== null) out[key] = n;
  }
  const days = readEnumList(v.day_of_week, DAY_OF_WEEK, w, path, 'day_of_week');
  if (days.length > 0) out.day_of_week = days;
  const reservation = readEnum(v.reservation, RESERVATION_RESTRICTION_TYPE, w, path, 'reservation');
  if (reservation !== null) out.reservation = reservation;
  return Object.keys(out).length > 0 ? out : null;
}

/**
 * The restrictions of one element. chargecloud sends a list of restriction objects (0 or 1 in
 * practice); a list of several is read as alternatives and split into one element each, which
 * keeps "first matching element wins" (SPEC-DIGEST §10) giving the same answer.
 */
function readRestrictions(v: unknown, w: DataWarning[], path: string): (TariffRestrictions | null)[] {
  if (v === undefined || v === null) return [null];
  if (isRecord(v)) return [readRestrictionObject(v, w, `${path}.`)];
  if (Array.isArray(v)) {
    warn(w, path, 'wrong_type', `a list of ${v.length} where one TariffRestrictions object is expected`);
    const out: (TariffRestrictions | null)[] = [];
    for (let i = 0; i < v.length; i++) {
      const r = v[i];
      if (isRecord(r)) out.push(readRestrictionObject(r, w, `${path}[${i}].`));
      else warn(w, `${path}[${i}]`, 'dropped', `${describe(r)} is not a TariffRestrictions object`);
    }
    return out.length === 0 ? [null] : out;
  }
  warn(w, path, 'wrong_type', `${describe(v)} where TariffRestrictions is expected; ignored`);
  return [null];
}

function readElements(list: unknown[], version: OcpiVersion, w: DataWarning[]): TariffElement[] {
  const out: TariffElement[] = [];
  for (let i = 0; i < list.length; i++) {
    const el = list[i];
    const path = `elements[${i}]`;
    if (!isRecord(el) || !Array.isArray(el.price_components)) {
      warn(
        w,
        path,
        'dropped',
        isRecord(el) ? 'no price_components list' : `${describe(el)} is not a TariffElement`,
      );
      continue;
    }
    const priceComponents: PriceComponent[] = [];
    for (let j = 0; j < el.price_components.length; j++) {
      const pc = readPriceComponent(el.price_components[j], version, w, `${path}.price_components[${j}].`);
      if (pc !== null) priceComponents.push(pc);
    }
    if (priceComponents.length === 0) {
      warn(w, path, 'dropped', 'no usable price component');
      continue;
    }
    for (const restrictions of readRestrictions(el.restrictions, w, `${path}.restrictions`)) {
      out.push({ priceComponents, restrictions });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tariff fields

/** 2.2.1 Price {excl_vat, incl_vat} and 2.3.0 PriceLimit {before_taxes, after_taxes}, either way. */
function readPriceLimit(v: unknown, w: DataWarning[], key: string): Tariff['minPrice'] {
  if (v === undefined || v === null) return null;
  if (!isRecord(v)) {
    warn(w, key, 'wrong_type', `${describe(v)} where a price is expected`);
    return null;
  }
  const before = readNumber(
    v.before_taxes ?? v.excl_vat,
    w,
    `${key}.`,
    'before_taxes' in v ? 'before_taxes' : 'excl_vat',
  );
  const after = readNumber(
    v.after_taxes ?? v.incl_vat,
    w,
    `${key}.`,
    'after_taxes' in v ? 'after_taxes' : 'incl_vat',
  );
  if (before === null) {
    warn(w, key, 'missing', 'no price before taxes; ignored');
    return null;
  }
  return { beforeTaxes: before, afterTaxes: after };
}

function readAltText(v: unknown, w: DataWarning[]): Tariff['altText'] {
  if (!Array.isArray(v)) {
    if (v !== undefined && v !== null)
      warn(w, 'tariff_alt_text', 'wrong_type', `${describe(v)} where a list is expected`);
    return [];
  }
  const out: Tariff['altText'] = [];
  for (let i = 0; i < v.length; i++) {
    const d = v[i];
    const text = isRecord(d) ? readText(d.text, w, `tariff_alt_text[${i}].`, 'text', true, 512) : null;
    if (!isRecord(d) || text === null) {
      warn(w, `tariff_alt_text[${i}]`, 'dropped', 'not a DisplayText with text');
      continue;
    }
    out.push({
      language: readText(d.language, w, `tariff_alt_text[${i}].`, 'language', true, 2) ?? '',
      text,
    });
  }
  return out;
}

/** Owner ids: in the body from 2.2 on; 2.1.1 tariffs (and chargecloud's) need the caller's context. */
function readOwner(
  raw: Record<string, unknown>,
  version: OcpiVersion,
  ctx: NormalizeContext,
  w: DataWarning[],
): { countryCode: string; partyId: string } {
  const { fromBody, countryCode, partyId } = ownerIdsOf(raw, version, ctx, w);
  const why = fromBody ? 'unknown; left empty' : '2.1.1 tariffs carry no owner; pass ctx';
  if (countryCode === null) warn(w, 'country_code', 'missing', why);
  if (partyId === null) warn(w, 'party_id', 'missing', why);
  return { countryCode: countryCode ?? '', partyId: partyId ?? '' };
}

export function normalizeTariff(
  raw: unknown,
  version: OcpiVersion,
  ctx: NormalizeContext = {},
): NormalizeResult<Tariff> {
  if (!isRecord(raw))
    return reject('(record)', 'wrong_shape', `expected a Tariff object, got ${describe(raw)}`);
  const w: DataWarning[] = [];
  const id = readId(raw.id, w, '', 'id');
  if (id === null)
    return reject('id', 'missing', `Tariff id is ${raw.id === undefined ? 'absent' : describe(raw.id)}`);
  const currency = readText(raw.currency, w, '', 'currency', false, 3);
  if (currency === null) return reject('currency', 'missing', 'Tariff has no currency');
  if (!Array.isArray(raw.elements)) {
    return reject(
      'elements',
      raw.elements == null ? 'missing' : 'wrong_shape',
      `elements is ${describe(raw.elements)}`,
    );
  }
  if (!/^[A-Za-z]{3}$/.test(currency)) warn(w, 'currency', 'invalid_format', `${currency} is not ISO 4217`);
  const elements = readElements(raw.elements, version, w);
  if (elements.length === 0) warn(w, 'elements', 'missing', 'no usable TariffElement');

  const is22 = version !== '2.1.1';
  const is230 = version === '2.3.0';
  const owner = readOwner(raw, version, ctx, w);
  let lastUpdated = readDateTime(raw.last_updated, w, '', 'last_updated');
  if (lastUpdated === null) {
    // Required in every version, yet the spec's own tariff_put_example.json and all chargecloud tariffs lack it.
    if (raw.last_updated === undefined || raw.last_updated === null)
      warn(w, 'last_updated', 'missing', `set to ${UNKNOWN_LAST_UPDATED}`);
    lastUpdated = UNKNOWN_LAST_UPDATED;
  }
  let taxIncluded: string | null = null;
  if (is230) {
    taxIncluded = readEnum(raw.tax_included, TAX_INCLUDED, w, '', 'tax_included', true);
  }

  return {
    ok: true,
    value: {
      countryCode: owner.countryCode,
      partyId: owner.partyId,
      id,
      currency: currency.toUpperCase(),
      type: is22 ? readEnum(raw.type, TARIFF_TYPE, w, '', 'type') : null,
      elements,
      altText: readAltText(raw.tariff_alt_text, w),
      altUrl: readText(raw.tariff_alt_url, w, '', 'tariff_alt_url', false, 255),
      minPrice: is22 ? readPriceLimit(raw.min_price, w, 'min_price') : null,
      maxPrice: is22 ? readPriceLimit(raw.max_price, w, 'max_price') : null,
      startDateTime: is22 ? readDateTime(raw.start_date_time, w, '', 'start_date_time') : null,
      endDateTime: is22 ? readDateTime(raw.end_date_time, w, '', 'end_date_time') : null,
      taxIncluded,
      lastUpdated,
      warnings: w,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Summary

function formatAmount(n: number): string {
  const two = n.toFixed(2);
  if (Math.abs(Number(two) - n) < 1e-9) return two;
  return n.toFixed(4).replace(/0+$/, '');
}

/** TIME/PARKING_TIME are priced per hour; per minute reads better when it is a whole number of cents. */
function perTime(pricePerHour: number, currency: string): string {
  const centsPerMinute = (pricePerHour * 100) / 60;
  if (Math.abs(centsPerMinute - Math.round(centsPerMinute)) < 1e-6) {
    return `${formatAmount(pricePerHour / 60)} ${currency}/min`;
  }
  return `${formatAmount(pricePerHour)} ${currency}/h`;
}

function describeComponent(pc: PriceComponent, currency: string): string {
  switch (pc.type) {
    case 'ENERGY':
      return `${formatAmount(pc.price)} ${currency}/kWh`;
    case 'TIME':
      return perTime(pc.price, currency);
    case 'PARKING_TIME':
      return `${perTime(pc.price, currency)} parking`;
    case 'FLAT':
      return `${formatAmount(pc.price)} ${currency} per session`;
    default:
      return `${formatAmount(pc.price)} ${currency} ${pc.type}`;
  }
}

function formatDuration(seconds: number): string {
  if (seconds % 60 !== 0) return `${seconds} s`;
  const h = Math.floor(seconds / 3600);
  const min = (seconds % 3600) / 60;
  if (h === 0) return `${min} min`;
  return min === 0 ? `${h} h` : `${h} h ${min} min`;
}

const DAY_ABBREVIATIONS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

function titleAbbrev(day: string): string {
  return day.charAt(0) + day.slice(1, 3).toLowerCase();
}

/** "Mon-Fri", "Sat, Sun", or '' for every day. */
function formatDays(days: unknown): string {
  if (!Array.isArray(days)) return '';
  const idx = [
    ...new Set(days.map((d) => DAY_ABBREVIATIONS.indexOf(String(d))).filter((i) => i >= 0)),
  ].sort();
  if (idx.length === 0 || idx.length === 7) return '';
  const runs: string[] = [];
  let start = idx[0]!;
  let prev = start;
  for (const i of [...idx.slice(1), -1]) {
    if (i === prev + 1) {
      prev = i;
      continue;
    }
    const a = titleAbbrev(DAY_ABBREVIATIONS[start]!);
    const b = titleAbbrev(DAY_ABBREVIATIONS[prev]!);
    runs.push(start === prev ? a : prev === start + 1 ? `${a}, ${b}` : `${a}-${b}`);
    start = i;
    prev = i;
  }
  return runs.join(', ');
}

const ALL_DAY_ENDS = new Set(['23:59', '24:00', '00:00']);

function describeRestrictions(r: TariffRestrictions | null): string {
  if (r === null) return '';
  const out: string[] = [];
  const num = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : null);
  const minDuration = num('min_duration');
  const maxDuration = num('max_duration');
  if (minDuration !== null && minDuration > 0) out.push(`after ${formatDuration(minDuration)}`);
  if (maxDuration !== null) out.push(`for the first ${formatDuration(maxDuration)}`);
  const minKwh = num('min_kwh');
  const maxKwh = num('max_kwh');
  if (minKwh !== null && minKwh > 0) out.push(`after ${minKwh} kWh`);
  if (maxKwh !== null) out.push(`for the first ${maxKwh} kWh`);
  const minPower = num('min_power');
  const maxPower = num('max_power');
  if (minPower !== null && minPower > 0) out.push(`from ${minPower} kW`);
  if (maxPower !== null) out.push(`below ${maxPower} kW`);
  const minCurrent = num('min_current');
  const maxCurrent = num('max_current');
  if (minCurrent !== null && minCurrent > 0) out.push(`from ${minCurrent} A`);
  if (maxCurrent !== null) out.push(`below ${maxCurrent} A`);
  const days = formatDays(r.day_of_week);
  if (days !== '') out.push(`on ${days}`);
  const start = typeof r.start_time === 'string' ? r.start_time : '00:00';
  const end = typeof r.end_time === 'string' ? r.end_time : '24:00';
  // NDW's CPOs write "all day" as 00:00-23:59.
  if (start !== '00:00' || !ALL_DAY_ENDS.has(end)) out.push(`${start}-${end}`);
  if (typeof r.start_date === 'string') out.push(`from ${r.start_date}`);
  if (typeof r.end_date === 'string') out.push(`until ${r.end_date}`);
  if (r.reservation === 'RESERVATION') out.push('while reserved');
  if (r.reservation === 'RESERVATION_EXPIRES') out.push('when a reservation expires');
  return out.join(' ');
}

/**
 * A short human reading of a tariff, e.g. "0.39 EUR/kWh, 0.10 EUR/min after 3 h" or
 * "Free of charge". Zero-priced components are left out; elements are listed in order.
 */
export function summarizeTariff(t: Tariff): string {
  const parts: string[] = [];
  for (const el of t.elements) {
    const priced = el.priceComponents
      .filter((pc) => pc.price > 0)
      .map((pc) => describeComponent(pc, t.currency));
    if (priced.length === 0) continue;
    const when = describeRestrictions(el.restrictions);
    const text = when === '' ? priced.join(' + ') : `${priced.join(' + ')} ${when}`;
    if (!parts.includes(text)) parts.push(text);
  }
  if (parts.length === 0) return t.elements.length === 0 ? 'No price information' : 'Free of charge';
  if (t.minPrice) parts.push(`min ${formatAmount(t.minPrice.beforeTaxes)} ${t.currency}`);
  if (t.maxPrice) parts.push(`max ${formatAmount(t.maxPrice.beforeTaxes)} ${t.currency}`);
  return parts.join(', ');
}
