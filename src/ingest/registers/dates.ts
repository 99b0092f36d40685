// Register dates come in several spellings; all are turned into ISO 8601 UTC timestamps.

/** When a register gives no usable date; `lastUpdated` is required, so this plus a warning. */
export const UNKNOWN_TIMESTAMP = '1970-01-01T00:00:00.000Z';

/** "04.08.2016" or "22.07.21" (BNetzA). Two-digit years are 20xx: the register started in 2015. */
export function isoFromGermanDate(text: string | null | undefined): string | null {
  const m = /^\s*(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})\s*$/.exec(text ?? '');
  if (!m) return null;
  const year = m[3]!.length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
  return isoFromParts(year, Number(m[2]), Number(m[1]));
}

/** "2022-07-21" (IRVE), "2023-02-14 15:54:11 UTC" (AFDC) or a full ISO timestamp (OCM). */
export function isoFromTimestamp(text: string | null | undefined): string | null {
  if (!text) return null;
  const t = text.trim();
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (dateOnly) return isoFromParts(Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3]));
  const spelled = t.replace(/ UTC$/, 'Z').replace(/^(\d{4}-\d{2}-\d{2}) /, '$1T');
  // A timestamp without zone is read as UTC, not as the importing machine's local time.
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(spelled) ? spelled : `${spelled}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function isoFromParts(year: number, month: number, day: number): string | null {
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return d.toISOString();
}
