// One spelling of an instant: ISO 8601 in UTC to the second ("2030-06-03T10:00:00Z"), the form
// stored in every time column and served by every endpoint, so string comparison orders them.

/**
 * The last instant spelled and its spelling: a status PATCH spells its request's clock twice (the
 * push's time, the envelope's timestamp) and a server under load meets the same millisecond again
 * and again (push bench: ~1 us of a PATCH's CPU was this function).
 */
let lastMs = Number.NaN;
let lastIso = '';

export function iso(at: Date | number): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  if (ms === lastMs) return lastIso;
  const spelled = `${new Date(at).toISOString().slice(0, 19)}Z`;
  lastMs = ms;
  lastIso = spelled;
  return spelled;
}

/**
 * `YYYY-MM-DD` names a day of the calendar. Date.parse rolls an impossible day over instead of
 * refusing it ("2026-02-30" is March 2, "2026-11-31" December 1), so a parameter read with it
 * alone silently meant another day.
 */
export function isCalendarDate(ymd: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(ymd)) return false;
  const ms = Date.parse(`${ymd}T00:00:00Z`);
  return Number.isFinite(ms) && iso(ms).slice(0, 10) === ymd;
}
