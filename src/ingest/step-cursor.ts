// Where a stepwise sync run resumes (sync_runs.cursor): the phase, the next page's URL, what
// discovery found, and what the pagination guards need. Never a token: the token is read from the
// source's configuration at every step.
import { z } from 'zod';

const cursorSchema = z.object({
  phase: z.enum(['discover', 'locations', 'tariffs', 'finish']),
  /** URL of the next page of the current phase; null in 'discover' and 'finish'. */
  next: z.string().nullable(),
  version: z.enum(['2.1.1', '2.2', '2.2.1', '2.3.0']).nullable(),
  tokenEncoding: z.enum(['base64', 'raw']).nullable(),
  tariffsUrl: z.string().nullable(),
  /** X-Total-Count of the previous page, to notice a feed shrinking mid-crawl. */
  lastTotal: z.number().int().nullable(),
  /** Pages fetched in the current phase (the max-pages guard). */
  pages: z.number().int(),
  /** Hashes of the page URLs visited in this phase, newest last (the loop guard). */
  visited: z.array(z.string()),
  /** Consecutive failed attempts of the current step. */
  failures: z.number().int(),
  lastError: z.string().nullable(),
  correlationId: z.string(),
});

export type StepCursor = z.infer<typeof cursorSchema>;
export type StepPhase = StepCursor['phase'];

/**
 * The loop guard keeps this many URL hashes (17 bytes each in JSON), so a cursor stays a few KB
 * however long the feed; a loop longer than this is still stopped by the max-pages guard.
 */
export const VISITED_KEPT = 500;

export function newCursor(correlationId: string): StepCursor {
  return {
    phase: 'discover',
    next: null,
    version: null,
    tokenEncoding: null,
    tariffsUrl: null,
    lastTotal: null,
    pages: 0,
    visited: [],
    failures: 0,
    lastError: null,
    correlationId,
  };
}

/** The cursor stored in D1, or null when it is missing or unreadable (a run no step can resume). */
export function parseCursor(stored: unknown): StepCursor | null {
  let value = stored;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  const parsed = cursorSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The cursor for the first page of a phase. */
export function enterPhase(cursor: StepCursor, phase: StepPhase, next: string | null): StepCursor {
  return { ...cursor, phase, next, lastTotal: null, pages: 0, visited: [], failures: 0, lastError: null };
}
