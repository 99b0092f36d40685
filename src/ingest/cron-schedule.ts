// Cron expressions, read one way on both hosts: Node starts a croner job per schedule, Workers
// asks the same croner schedule whether a run fell due since the last start (one Cron Trigger
// fires every minute). Five fields, or six with leading seconds; Vixie cron's rule that a day
// matches when either restricted day field does. Times are UTC unless a source names an IANA
// time zone, so one sources file fires at the same instants wherever it runs.
import { Cron } from 'croner';

export class CronError extends Error {}

export const DEFAULT_TIMEZONE = 'UTC';

const OPTIONS = { mode: '5-or-6-parts', domAndDow: false } as const;

/** A schedule to ask for its next runs (never fires); throws CronError on a bad expression or zone. */
export function cronSchedule(expression: string, timezone = DEFAULT_TIMEZONE): Cron {
  try {
    // croner only checks the zone when it first computes a run; Intl checks it now.
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new CronError(`"${timezone}" is not an IANA time zone`);
  }
  try {
    return new Cron(expression, { ...OPTIONS, timezone, paused: true });
  } catch (err) {
    throw new CronError(`"${expression}" is not a cron expression: ${(err as Error).message}`);
  }
}

/** Starts a job that calls `fire` on every run of the schedule, until its stop() is called. */
export function startCron(expression: string, timezone: string, fire: () => void): Cron {
  // Validate first so an error names the expression the same way on both hosts.
  cronSchedule(expression, timezone);
  return new Cron(expression, { ...OPTIONS, timezone }, fire);
}

/** The first run strictly after `after`, or null when the schedule never fires again. */
export function nextFire(schedule: Cron, after: Date): Date | null {
  return schedule.nextRun(after);
}

/** True when the schedule fired after `since` (an ISO time; null means never ran) and at or before `now`. */
export function isDue(schedule: Cron, since: string | null, now: Date): boolean {
  if (since === null) return true;
  const next = nextFire(schedule, new Date(since));
  return next !== null && next.getTime() <= now.getTime();
}

/** A zod-friendly check: null when the expression (and zone) are valid, else why not. */
export function cronProblem(expression: string, timezone = DEFAULT_TIMEZONE): string | null {
  try {
    cronSchedule(expression, timezone);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
