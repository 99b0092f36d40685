// OCPI DateTime on the wire (digest §8): always UTC, emitted as YYYY-MM-DDTHH:MM:SSZ because 2.1.1
// allows no fraction; read leniently, since a missing Z still means UTC.
import { isCalendarDate, iso } from '../../model/iso-time.js';

export function formatOcpiDateTime(value: Date | string): string {
  const date = typeof value === 'string' ? new Date(parseOcpiDateTime(value) ?? Number.NaN) : value;
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a date-time: ${String(value)}`);
  return iso(date);
}

/**
 * Milliseconds since the epoch, or null when the text is no ISO 8601 date-time; a day the calendar
 * does not have (2026-02-30, which Date.parse rolls over to March 2) is none either.
 */
export function parseOcpiDateTime(text: string): number | null {
  const match = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text.trim());
  if (!match || !isCalendarDate(text.trim().slice(0, 10))) return null;
  const ms = Date.parse(match[3] ? text.trim() : `${text.trim()}Z`);
  return Number.isNaN(ms) ? null : ms;
}
