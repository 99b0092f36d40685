// Lenient readers for single OCPI field values. Each takes the raw value, records a DataWarning
// when it had to repair or drop something, and returns the canonical value. The field path is
// built only when a warning is recorded (`path` + `key`), because normalizeLocation runs over
// hundreds of thousands of EVSEs per sync.
import { decodeEntities } from './html-entities.js';
import { iso } from './iso-time.js';
import type { DataWarning } from './types.js';

/** The rules a DataWarning or QuarantineReason can name. */
export type FindingRule =
  /** required by the spec but absent, null, '' (or an empty list where the spec wants 1+) */
  | 'missing'
  /** longer than the spec's s(n) / ci(n) limit; kept in full */
  | 'too_long'
  /** a JSON type other than the spec's (number for a string, string for a number...); converted */
  | 'wrong_type'
  /** an enum value we do not know; kept as sent (trimmed) */
  | 'unknown_value'
  /** a string in the wrong format (DateTime, HH:MM, eMI3 EVSE id, IANA zone...) */
  | 'invalid_format'
  /** a DateTime with a UTC offset, which OCPI does not allow; converted to UTC */
  | 'timezone_offset'
  /** a value that is plainly kW where OCPI wants W; multiplied by 1000 */
  | 'power_in_kw'
  /** a power value 1000x too high (e.g. 22000000 for a 22 kW socket); divided by 1000 */
  | 'power_1000x'
  /** a 3-phase connector whose voltage is line-to-line (400 V) instead of line-to-neutral */
  | 'line_to_line_voltage'
  /** a physical quantity of 0 (voltage, amperage, power) that can only mean "unknown" */
  | 'zero_value'
  /** ISO 3166 alpha-2 where the spec wants alpha-3 (Location.country); mapped */
  | 'alpha2_country'
  /** a field of another OCPI version (e.g. 2.1.1 `voltage` in a 2.2.1 feed); read anyway */
  | 'other_version_field'
  /** a value we had to fill in from elsewhere (ctx, evse_id, children) */
  | 'derived'
  /** a second object with the same id inside one parent */
  | 'duplicate'
  /** a nested object that could not be kept (EVSE without any id, connector without id...) */
  | 'dropped'
  /** the record is not an object of the expected shape (quarantine only) */
  | 'wrong_shape'
  /** coordinates outside +-90 / +-180 (quarantine) */
  | 'out_of_range'
  /** coordinates 0,0, a placeholder for "unknown" (quarantine) */
  | 'null_island';

export function warn(w: DataWarning[], field: string, rule: FindingRule, detail?: string): void {
  w.push(detail === undefined ? { field, rule } : { field, rule, detail });
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Short description of an unexpected value for warning details and quarantine messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/**
 * A string field: trimmed; '' and the 2.2+ placeholder '#NA' become null. Numbers are accepted
 * (CPOs send postal codes and physical references as numbers) and turned into strings.
 */
export function readText(
  v: unknown,
  w: DataWarning[],
  path: string,
  key: string,
  required = false,
  maxLength = 0,
): string | null {
  let s: string;
  if (typeof v === 'string') s = decodeEntities(v).trim();
  else if (typeof v === 'number' && Number.isFinite(v)) {
    warn(w, path + key, 'wrong_type', `number ${v} where a string is expected`);
    s = String(v);
  } else {
    if (v !== undefined && v !== null)
      warn(w, path + key, 'wrong_type', `${describe(v)} where a string is expected`);
    else if (required) warn(w, path + key, 'missing');
    return null;
  }
  if (s === '' || s === '#NA') {
    if (required) warn(w, path + key, 'missing', s === '' ? 'empty string' : '#NA');
    return null;
  }
  if (maxLength > 0 && s.length > maxLength)
    warn(w, path + key, 'too_long', `${s.length} > ${maxLength} chars`);
  return s;
}

/** An id (string, or a number as LAKD sends them). Null when absent or empty: the caller decides. */
export function readId(v: unknown, w: DataWarning[], path: string, key: string): string | null {
  if (typeof v === 'string') {
    const s = v.trim();
    return s === '' ? null : s;
  }
  if (typeof v === 'number' && Number.isFinite(v)) {
    warn(w, path + key, 'wrong_type', `number ${v} where a string id is expected`);
    return String(v);
  }
  return null;
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A JSON number; numeric strings (PowerGo's `"max_voltage": "230"`) are converted with a warning. */
export function readNumber(v: unknown, w: DataWarning[], path: string, key: string): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') {
    const s = v.trim();
    if (NUMERIC.test(s)) {
      warn(w, path + key, 'wrong_type', `string ${JSON.stringify(v)} where a number is expected`);
      return Number(s);
    }
  }
  warn(w, path + key, 'wrong_type', `${describe(v)} where a number is expected`);
  return null;
}

export function readBoolean(v: unknown, w: DataWarning[], path: string, key: string): boolean | null {
  if (typeof v === 'boolean') return v;
  if (v === undefined || v === null) return null;
  if (v === 'true' || v === 'false') {
    warn(w, path + key, 'wrong_type', `string ${JSON.stringify(v)} where a boolean is expected`);
    return v === 'true';
  }
  warn(w, path + key, 'wrong_type', `${describe(v)} where a boolean is expected`);
  return null;
}

/**
 * An enum value: trimmed and upper-cased when that gives a known member (PowerGo sends "socket",
 * "ac_3_phase" and "CHARGING "); anything else is kept as sent, trimmed, with a warning.
 */
export function readEnum(
  v: unknown,
  known: ReadonlySet<string>,
  w: DataWarning[],
  path: string,
  key: string,
  required = false,
): string | null {
  if (typeof v !== 'string') {
    if (v !== undefined && v !== null)
      warn(w, path + key, 'wrong_type', `${describe(v)} where an enum string is expected`);
    else if (required) warn(w, path + key, 'missing');
    return null;
  }
  if (known.has(v)) return v;
  const s = v.trim();
  if (s === '') {
    if (required) warn(w, path + key, 'missing', 'empty string');
    return null;
  }
  const upper = s.toUpperCase();
  if (known.has(upper)) return upper;
  warn(w, path + key, 'unknown_value', JSON.stringify(s));
  return s;
}

/** A list of enum values; a non-list is dropped with a warning, a null element skipped. */
export function readEnumList(
  v: unknown,
  known: ReadonlySet<string>,
  w: DataWarning[],
  path: string,
  key: string,
): string[] {
  if (!Array.isArray(v)) {
    if (v !== undefined && v !== null)
      warn(w, path + key, 'wrong_type', `${describe(v)} where a list is expected`);
    return [];
  }
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    // A known member as sent needs no path for a warning (a string per element otherwise).
    const e = v[i];
    if (typeof e === 'string' && known.has(e)) {
      out.push(e);
      continue;
    }
    const value = readEnum(e, known, w, path, `${key}[${i}]`);
    if (value !== null) out.push(value);
  }
  return out;
}

// YYYY-MM-DD, 'T' or ' ', HH:MM[:SS[.fff]], then Z, an offset or nothing (= UTC, SPEC-DIGEST §8).
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})([Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?$/;
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

interface ParsedDateTime {
  iso: string;
  hadOffset: boolean;
  hadSpace: boolean;
}

/** The digit at `i` of `s` as a number (0-9 for a digit, anything else out of that range). */
const digitAt = (s: string, i: number) => s.charCodeAt(i) - 48;

const isDigitAt = (s: string, i: number) => {
  const d = digitAt(s, i);
  return d >= 0 && d <= 9;
};

/**
 * `s` itself when it is already in our form, `YYYY-MM-DDTHH:MM:SSZ` with a real date, a real time
 * and seconds below 60 (what nearly every CPO sends), else null: then parseDateTime decides. The
 * same answer as parseDateTime's (test/model/canonical-timestamps.test.ts) without its regex's
 * groups and a new string. The sync bench's feed (70k locations, ~490k timestamps) parsed and
 * normalized a page of 1,000 at a time: normalizing took 240-331 ms against 528-735 ms with the
 * regex for every timestamp (three runs each, interleaved, GC included).
 */
function canonicalUtc(s: string): string | null {
  if (s.length !== 20 || s.charCodeAt(19) !== 90 /* Z */ || s.charCodeAt(10) !== 84 /* T */) return null;
  for (const i of DIGITS_OF_CANONICAL) if (!isDigitAt(s, i)) return null;
  if (s[4] !== '-' || s[7] !== '-' || s[13] !== ':' || s[16] !== ':') return null;
  const month = digitAt(s, 5) * 10 + digitAt(s, 6);
  const day = digitAt(s, 8) * 10 + digitAt(s, 9);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]!) return null;
  if (month === 2 && day === 29) return null; // leap years: parseDateTime's Date check decides
  const hour = digitAt(s, 11) * 10 + digitAt(s, 12);
  const minute = digitAt(s, 14) * 10 + digitAt(s, 15);
  const second = digitAt(s, 17) * 10 + digitAt(s, 18);
  return hour > 23 || minute > 59 || second > 59 ? null : s;
}

const DIGITS_OF_CANONICAL = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

function parseDateTime(s: string): ParsedDateTime | null {
  const m = DATE_TIME.exec(s);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[5]);
  const minute = Number(m[6]);
  const second = m[7] === undefined ? 0 : Number(m[7]);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]!) return null;
  if (hour > 23 || minute > 59 || second > 60) return null;
  const hadSpace = m[4] === ' ';
  if (m[9] === undefined) {
    // Already UTC: format without a Date round trip (the common case, thousands per page).
    if (month === 2 && day === 29 && new Date(Date.UTC(year, 1, 29)).getUTCMonth() !== 1) return null;
    const iso = `${m[1]}-${m[2]}-${m[3]}T${m[5]}:${m[6]}:${pad2(Math.min(second, 59))}Z`;
    return { iso, hadOffset: false, hadSpace };
  }
  const offsetMinutes = (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0));
  const ms = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59)) - offsetMinutes * 60_000;
  return { iso: iso(ms), hadOffset: offsetMinutes !== 0, hadSpace };
}

/**
 * An OCPI DateTime as `YYYY-MM-DDTHH:MM:SSZ` (fractions dropped, so all our timestamps compare as
 * strings). No zone means UTC (SPEC-DIGEST §8); offsets are converted; null if unreadable.
 */
export function toUtcIso(s: string): string | null {
  if (s === lastRead) return lastUtcIso;
  if (canonicalUtc(s) !== null) return s;
  const read = parseDateTime(CANONICAL.test(s) ? s : s.trim())?.iso ?? null;
  lastRead = s;
  lastUtcIso = read;
  return read;
}

/**
 * toUtcIso's last answer: a status PATCH reads its last_updated twice (the future check, then the
 * write), ~0.5 us a PATCH in the push bench's profile.
 */
let lastRead: string | undefined;
let lastUtcIso: string | null = null;

export function readDateTime(
  v: unknown,
  w: DataWarning[],
  path: string,
  key: string,
  required = false,
): string | null {
  if (typeof v === 'string' && canonicalUtc(v) !== null) return v;
  if (typeof v !== 'string' || v.trim() === '') {
    if (v !== undefined && v !== null && v !== '')
      warn(w, path + key, 'wrong_type', `${describe(v)} where a DateTime is expected`);
    else if (required) warn(w, path + key, 'missing');
    return null;
  }
  const p = parseDateTime(CANONICAL.test(v) ? v : v.trim());
  if (!p) {
    warn(w, path + key, 'invalid_format', `${describe(v)} is not a DateTime`);
    return null;
  }
  if (p.hadOffset) warn(w, path + key, 'timezone_offset', `${v} converted to ${p.iso}`);
  else if (p.hadSpace) warn(w, path + key, 'invalid_format', `space instead of 'T' in ${v}`);
  return p.iso;
}

/**
 * A WGS84 coordinate: OCPI sends strings, EVIO and others numbers; surrounding spaces (Toger's
 * `" 28.67736435772519"`) and a decimal comma are tolerated. Null when not a number at all.
 * Range checks are the caller's, since only the caller knows latitude from longitude.
 */
export function parseCoordinate(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  let s = v.trim();
  if (s.indexOf(',') !== -1 && s.indexOf('.') === -1) s = s.replace(',', '.');
  return NUMERIC.test(s) ? Number(s) : null;
}

// HH:MM, tolerating H:MM and a seconds part; 24:00 is accepted as an end of day (SPEC-DIGEST §8).
const TIME_OF_DAY = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/**
 * A local time of day as "HH:MM". Seconds are dropped; an end time at :59 seconds (chargecloud's
 * inclusive "19:59:59") is rounded up to the next minute, since OCPI end times are exclusive.
 */
export function readTimeOfDay(
  v: unknown,
  w: DataWarning[],
  path: string,
  key: string,
  isEnd: boolean,
): string | null {
  if (typeof v !== 'string') {
    if (v !== undefined && v !== null)
      warn(w, path + key, 'wrong_type', `${describe(v)} where "HH:MM" is expected`);
    return null;
  }
  const m = TIME_OF_DAY.exec(v.trim());
  if (!m) {
    warn(w, path + key, 'invalid_format', `${describe(v)} is not HH:MM`);
    return null;
  }
  let hour = Number(m[1]);
  let minute = Number(m[2]);
  if (hour > 24 || minute > 59 || (hour === 24 && minute > 0)) {
    warn(w, path + key, 'invalid_format', `${describe(v)} is not a time of day`);
    return null;
  }
  if (m[3] !== undefined || m[1]!.length === 1) {
    if (isEnd && m[3] === '59') {
      minute += 1;
      if (minute === 60) {
        minute = 0;
        hour = (hour + 1) % 24;
      }
    }
    const out = `${pad2(hour)}:${pad2(minute)}`;
    warn(w, path + key, 'invalid_format', `${v} read as ${out}`);
    return out;
  }
  return v.trim();
}
