// Cron expressions evaluated as data, for hosts without a resident scheduler (Workers: one Cron
// Trigger fires often, and each source's own `schedule` decides whether a run is due). Five fields
// (minute hour day-of-month month day-of-week) in UTC; a sixth, leading seconds field as node-cron
// accepts is ignored, since the trigger fires at most once a minute.

export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Vixie cron: when both day fields are restricted, a day matches if either does. */
  dayOr: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export class CronError extends Error {}

export function parseCron(expression: string): CronSchedule {
  let fields = expression.trim().split(/\s+/);
  if (fields.length === 6) fields = fields.slice(1);
  if (fields.length !== 5)
    throw new CronError(`"${expression}" is not a cron expression (5 fields expected)`);
  const [min, hour, dom, mon, dow] = fields as [string, string, string, string, string];
  const weekdays = parseField(dow, 0, 7, WEEKDAYS, expression);
  // 7 is Sunday too.
  if (weekdays.delete(7)) weekdays.add(0);
  return {
    minutes: parseField(min, 0, 59, null, expression),
    hours: parseField(hour, 0, 23, null, expression),
    days: parseField(dom, 1, 31, null, expression),
    months: parseField(mon, 1, 12, MONTHS, expression),
    weekdays,
    dayOr: !isStar(dom) && !isStar(dow),
  };
}

const isStar = (field: string) => field === '*' || field === '?';

function parseField(
  field: string,
  lo: number,
  hi: number,
  names: string[] | null,
  expr: string,
): Set<number> {
  const out = new Set<number>();
  const value = (text: string): number => {
    const named = names?.indexOf(text.toLowerCase()) ?? -1;
    const n =
      named >= 0 ? named + (names === MONTHS ? 1 : 0) : /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(n) || n < lo || n > hi)
      throw new CronError(`"${expr}": "${text}" is out of range ${lo}-${hi}`);
    return n;
  };
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronError(`"${expr}": bad step in "${part}"`);
    let from: number;
    let to: number;
    if (isStar(range)) [from, to] = [lo, hi];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [from, to] = [value(a), value(b)];
      if (from > to) throw new CronError(`"${expr}": range "${range}" runs backwards`);
    } else {
      from = value(range);
      to = stepText === undefined ? from : hi;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.days.has(d.getUTCDate());
  const dow = s.weekdays.has(d.getUTCDay());
  return s.months.has(d.getUTCMonth() + 1) && (s.dayOr ? dom || dow : dom && dow);
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Far enough back for any yearly schedule; Feb 29 schedules may look 8 years back, so they stop here. */
const SEARCH_DAYS = 400;

/** The latest minute at or before `at` the schedule fires, or null when none within ~13 months. */
export function previousFire(s: CronSchedule, at: Date): Date | null {
  const atMinute = Math.floor(at.getTime() / MINUTE) * MINUTE;
  const startOfDay = Math.floor(atMinute / DAY) * DAY;
  for (let day = 0; day <= SEARCH_DAYS; day++) {
    const dayStart = startOfDay - day * DAY;
    if (!dayMatches(s, new Date(dayStart))) continue;
    const latest = day === 0 ? atMinute : dayStart + DAY - MINUTE;
    for (let t = latest; t >= dayStart; t -= MINUTE) {
      const d = new Date(t);
      if (!s.hours.has(d.getUTCHours())) {
        // Skip to the last minute of the previous hour.
        t = t - d.getUTCMinutes() * MINUTE;
        continue;
      }
      if (s.minutes.has(d.getUTCMinutes())) return d;
    }
  }
  return null;
}

/** True when the schedule fired after `since` (an ISO time; null means never ran) and at or before `now`. */
export function isDue(s: CronSchedule, since: string | null, now: Date): boolean {
  if (since === null) return true;
  const fired = previousFire(s, now);
  return fired !== null && fired.getTime() > Date.parse(since);
}
