// Misbehaviours of real CPOs, on demand: each mode hits one page of one list (default: page 2 of
// locations) so a test can show that what came before was processed and what follows is handled.
import { formatOcpiDateTime } from '../ocpi/client/datetime.js';

export const FAULT_MODES = [
  'timeout',
  '500',
  '503-retry-after',
  '401',
  'malformed-json',
  'truncated-body',
  'wrong-envelope',
  'lying-total',
  'link-loop',
  'empty-page',
  'duplicate-ids',
  'schema-violation',
  'slow-drip',
] as const;

export type FaultMode = (typeof FAULT_MODES)[number];

export interface FaultOptions {
  /** 1-based page the fault hits (page = floor(offset / limit) + 1). Default 2. */
  page?: number;
  /** Which list. Default 'locations'. */
  module?: 'locations' | 'tariffs';
  /** '500' and '503-retry-after': failing hits of the page before it answers (default: always / 2). */
  times?: number;
  /** '503-retry-after': the Retry-After in seconds. Default 1. */
  retryAfterSeconds?: number;
  /** 'timeout': the page answers after this long; default: never (until the client hangs up). */
  stallMs?: number;
  /** 'lying-total': how many more objects X-Total-Count claims than exist. Default 25. */
  extraTotal?: number;
  /** 'duplicate-ids': how many locations of page 1 reappear on the fault page. Default 2. */
  duplicates?: number;
  /** 'slow-drip': bytes per chunk and pause before each. Defaults 256 and 10 ms. */
  chunkBytes?: number;
  chunkDelayMs?: number;
}

/** What a list response is about to say; shape faults rewrite it before it is rendered. */
export interface PagePlan {
  items: unknown[];
  total: number;
  /** Absolute URL of the next page, or null on the last page. */
  next: string | null;
  offset: number;
  limit: number;
  /** URL of the same query at another offset (filters kept). */
  urlAt: (offset: number, extraParams?: Record<string, string>) => string;
  /** Everything the query matches, for faults that repeat earlier objects. */
  matching: unknown[];
  /** Whether this request is the continuation an 'empty-page' fault pointed to. */
  resumed: boolean;
}

/** Marks the request an 'empty-page' Link points to, so the same offset then serves its data. */
export const RESUME_PARAM = 'resume';

/**
 * Faults that hold back or replace the page: 'timeout' stalls (then the page is served, if anyone
 * still listens); '500', '503-retry-after' and '401' answer with that status instead.
 */
export async function interruption(
  mode: FaultMode,
  hitCount: number,
  options: FaultOptions,
  signal: AbortSignal,
): Promise<{ status: 401 | 500 | 503; headers: Record<string, string> } | null> {
  switch (mode) {
    case 'timeout':
      await stall(signal, options.stallMs);
      return null;
    case '500':
      return hitCount <= (options.times ?? Number.POSITIVE_INFINITY) ? { status: 500, headers: {} } : null;
    case '503-retry-after':
      if (hitCount > (options.times ?? 2)) return null;
      return { status: 503, headers: { 'Retry-After': String(options.retryAfterSeconds ?? 1) } };
    case '401':
      return { status: 401, headers: {} };
    default:
      return null;
  }
}

/** Faults that change what the page says (the reply stays well-formed HTTP). */
export function shapePage(
  mode: FaultMode,
  plan: PagePlan,
  hitsPage: boolean,
  options: FaultOptions,
): PagePlan {
  // A CPO that counts wrong does so on every page, and sends no Link because it computes none.
  if (mode === 'lying-total') return { ...plan, total: plan.total + (options.extraTotal ?? 25), next: null };
  if (!hitsPage) return plan;
  switch (mode) {
    case 'link-loop':
      return { ...plan, next: plan.urlAt(Math.max(0, plan.offset - plan.limit)) };
    case 'empty-page':
      if (plan.resumed) return plan;
      return { ...plan, items: [], next: plan.urlAt(plan.offset, { [RESUME_PARAM]: '1' }) };
    case 'duplicate-ids':
      return {
        ...plan,
        items: [...plan.items, ...laterCopies(plan.matching.slice(0, options.duplicates ?? 2))],
      };
    case 'schema-violation':
      return { ...plan, items: plan.items.map((item, i) => (i < 2 ? brokenRecord(item, i) : item)) };
    default:
      return plan;
  }
}

/** The same objects, updated an hour later: ingest must keep the newer copy. */
function laterCopies(items: unknown[]): unknown[] {
  return items.map((item) => {
    const copy = structuredClone(item) as { last_updated?: unknown };
    const at = typeof copy.last_updated === 'string' ? Date.parse(copy.last_updated) : Number.NaN;
    if (!Number.isNaN(at)) copy.last_updated = formatOcpiDateTime(new Date(at + 3_600_000));
    return copy;
  });
}

/** First record: no coordinates at all; second: `evses` as an object instead of a list. */
function brokenRecord(item: unknown, index: number): unknown {
  const copy = structuredClone(item) as Record<string, unknown>;
  if (index === 0) delete copy.coordinates;
  else copy.evses = { broken: true };
  return copy;
}

/** Faults in the bytes of an otherwise fine reply. */
export function renderBody(mode: FaultMode | undefined, text: string, hitsPage: boolean): string {
  if (!hitsPage) return text;
  // A doubled comma keeps brackets balanced: broken JSON, not a cut-off one.
  if (mode === 'malformed-json') return text.replace(',', ',,');
  if (mode === 'truncated-body') return text.slice(0, Math.floor(text.length / 2));
  return text;
}

/** Resolves after `ms`, or when the client hangs up; never, if neither happens. */
function stall(signal: AbortSignal, ms: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = ms === undefined ? undefined : setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    if (signal.aborted) done();
    else signal.addEventListener('abort', done, { once: true });
  });
}

/** A body streamed in small pieces with pauses, like a CPO behind a congested link. */
export function drip(text: string, chunkBytes: number, delayMs: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let sent = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= bytes.length) {
        controller.close();
        return;
      }
      await new Promise((resolve) => {
        timer = setTimeout(resolve, delayMs);
      });
      controller.enqueue(bytes.slice(sent, sent + chunkBytes));
      sent += chunkBytes;
    },
    cancel() {
      clearTimeout(timer);
    },
  });
}
