// Heavy reads never run on the event loop that answers everyone: a bbox page, a tile, an OGC items
// page, the statistics or an availability answer allowed to read more than 1,000 rows (its limit:
// availability.ts IN_PROCESS_ROWS) are rendered by a worker thread (read-workers.ts), and how many
// run at once is capped per route class ("lane") rather than weighed by a cost guessed in advance.
// Measured on the 1M-EVSE database (in process, a loaded machine): a page of 100 sites 2 ms, of
// 1,000 sites 58 ms, with a connector filter up to 1.5 s, an OGC CQL2 page 230 ms, /v1/stats
// minutes with a cold cache. No weight known before the query runs fits that spread; a cap on
// concurrent work bounds the real cost whatever each request turns out to cost.
//
// Per lane: `workers` run at once, `maxQueued` more wait; beyond that a 503. A client has at most
// `perClient` heavy requests in flight (429 beyond), so one client cannot fill the queue. A request
// that waited `maxWaitMs` gets a 503 (the work goes on if it had started: the statistics then sit
// in the worker's freshness cache for the retry); a statistics request the worker has not answered
// within a second gets the last answer to it, if there is one (last-answers.ts). Identical requests
// in flight share one rendering.
import { availabilityMayReadMuch } from '../api/availability.js';
import { errorBody } from '../api/errors.js';
import { STATISTICS_PATH } from '../api/http/data-version.js';
import { type OffloadedAnswer, ownedCopy } from '../api/http/options.js';
import type { Bbox } from '../model/geo.js';
import { DEFAULT_LAST_ANSWERS, type LastAnswerOptions, LastAnswers } from './last-answers.js';

export type Lane = 'pages' | 'aggregates';

/** What a worker needs to render a request (a Request does not cross threads). */
export interface ReadRequest {
  url: string;
  accept: string | null;
  /** Computes costly answers anew (fresh-for.ts) instead of serving those the worker holds. */
  renew?: boolean;
}

/** A page of an SSE replay (availability-stream.ts catchUp): answered as JSON `{ events, lastId }`. */
export interface ReplayRequest {
  replay: { afterId: number; limit: number; bbox: Bbox };
}

export type WorkerTask = ReadRequest | ReplayRequest;

export interface LaneLimits {
  /** Requests rendered at once (worker threads of the lane). */
  workers: number;
  /** Requests waiting beyond those; more are refused with 503. */
  maxQueued: number;
}

export interface HeavyReadOptions {
  lanes: Record<Lane, LaneLimits>;
  /** Heavy requests one client may have in flight (queued or running); more get 429. */
  perClient: number;
  /** A request waiting longer than this (queued or rendering) gets 503. */
  maxWaitMs: number;
  /** Renders a request on slot `slot` (0..workers-1) of `lane`; one request per slot at a time. */
  execute: (lane: Lane, slot: number, req: WorkerTask) => Promise<OffloadedAnswer>;
  /** Statistics served from their last answer while the worker is busy (last-answers.ts). */
  lastAnswers?: LastAnswerOptions;
}

export const DEFAULT_HEAVY_READS: Omit<HeavyReadOptions, 'execute'> = {
  // The page lane's width is set by startHeavyReads (ATLAS_READ_WORKERS, default cores - 1, so the
  // event loop keeps a core); statistics get a slot of their own so a slow aggregate never holds up
  // pages. These two page slots serve only where no width is given (tests).
  lanes: { pages: { workers: 2, maxQueued: 32 }, aggregates: { workers: 1, maxQueued: 8 } },
  perClient: 8,
  maxWaitMs: 10_000,
};

/** Seconds a refused client is asked to wait: a heavy answer takes tens of ms to seconds. */
const RETRY_AFTER_S = 2;

const LANES: [RegExp, Lane][] = [
  [/^\/v1\/(sites|locations)\/?$/, 'pages'],
  [/^\/v1\/tiles\/\d+\/\d+\/\d+\.mvt$/, 'pages'],
  [/^\/ogc\/collections\/[^/]+\/items\/?$/, 'pages'],
  [/^\/v1\/stats(\/by-[a-z-]+|\/occupancy)?\/?$/, 'aggregates'],
  [/^\/v1\/operators\/?$/, 'aggregates'],
];

/**
 * Routes whose cost shows in the query, not the path: on the lane only when the query says so
 * (/v1/availability with a limit over 1,000; a smaller limit, or a list of locations, stays here).
 */
const LANES_BY_QUERY: [RegExp, Lane, (query: URLSearchParams) => boolean][] = [
  [/^\/v1\/availability\/?$/, 'pages', (q) => availabilityMayReadMuch(Object.fromEntries(q))],
];

/** The lane of a public GET, or null for a request cheap enough to answer in process. */
export function heavyLaneOf(path: string, query = new URLSearchParams()): Lane | null {
  const byQuery = LANES_BY_QUERY.find(([re]) => re.test(path));
  if (byQuery) return byQuery[2](query) ? byQuery[1] : null;
  return LANES.find(([re]) => re.test(path))?.[1] ?? null;
}

interface Job {
  key: string;
  req: WorkerTask;
  waiters: number;
  /** Whether more than one request ever waited for it: then its answer's body is shared. */
  shared: boolean;
  started: boolean;
  done: Promise<OffloadedAnswer>;
  settle: (a: Promise<OffloadedAnswer>) => void;
}

interface LaneState {
  limits: LaneLimits;
  idle: number[];
  queue: Job[];
}

function refusal(status: 429 | 503, code: string, message: string): OffloadedAnswer {
  return {
    status,
    headers: {
      'content-type': 'application/json',
      'retry-after': String(RETRY_AFTER_S),
      'cache-control': 'no-store',
    },
    body: new TextEncoder().encode(JSON.stringify(errorBody(code, message))),
  };
}

const busy = () => refusal(503, 'busy', `heavy requests are at capacity; retry after ${RETRY_AFTER_S} s`);

/** The lanes, the requests in flight and the per-client counts of one server's heavy reads. */
class HeavyReads {
  private readonly lanes: Map<Lane, LaneState>;
  private readonly inFlight = new Map<string, Job>();
  private readonly perClient = new Map<string, number>();
  /** Last answers of the statistics: their one worker is held for a minute by each refresh. */
  private readonly last: LastAnswers;

  constructor(private readonly opts: HeavyReadOptions) {
    this.last = new LastAnswers(opts.lastAnswers ?? DEFAULT_LAST_ANSWERS);
    this.lanes = new Map(
      (Object.entries(opts.lanes) as [Lane, LaneLimits][]).map(([name, limits]) => [
        name,
        { limits, idle: Array.from({ length: limits.workers }, (_, i) => i), queue: [] },
      ]),
    );
  }

  /** The answer of a heavy GET rendered by a worker, or null when `req` is not heavy. */
  readonly offload = (req: Request, client: string): Promise<OffloadedAnswer> | null => {
    const url = new URL(req.url);
    const path = url.pathname;
    const lane = heavyLaneOf(path, url.searchParams);
    if (!lane || req.method !== 'GET') return null;
    const held = this.perClient.get(client) ?? 0;
    if (held >= this.opts.perClient) return Promise.resolve(this.perClientRefusal());
    const read: ReadRequest = { url: req.url, accept: req.headers.get('accept') };
    const key = `${read.url}|${read.accept ?? ''}`;
    // Statistics follow the counts by the minute, not by the write (stats.ts STATS_FRESH_MS), so an
    // earlier answer may stand in while their worker is busy.
    const last = STATISTICS_PATH.test(path) ? this.last : null;
    // Statistics hold no link to the host they were asked at: their last answers are kept by path,
    // query and Accept, so a server restarted on another port or name still finds them.
    const lastKey = `${path}${url.search}|${read.accept ?? ''}`;
    const job = this.inFlight.get(key) ?? this.enqueue(lane, key, read);
    if (!job) return Promise.resolve(last?.earlier(lastKey) ?? busy());
    this.perClient.set(client, held + 1);
    const answer = this.wait(lane, job);
    return (last ? last.serve(lastKey, answer) : answer).finally(() => this.release(client));
  };

  /**
   * Runs a task on `lane` outside any client's cap (an SSE replay is capped by the stream's own
   * limits): queued like a request, shared with an identical task in flight, 503 when full.
   */
  readonly run = (lane: Lane, key: string, task: WorkerTask): Promise<OffloadedAnswer> => {
    const job = this.inFlight.get(key) ?? this.enqueue(lane, key, task);
    return job ? this.wait(lane, job) : Promise.resolve(busy());
  };

  /** Drops the statistics' last answers, so none stands in until they are computed again. */
  readonly forgetLastAnswers = () => this.last.clear();

  /** Heavy requests admitted and not yet answered (queued, rendering or sharing one). */
  readonly admitted = () => [...this.perClient.values()].reduce((a, b) => a + b, 0);

  private perClientRefusal() {
    const max = this.opts.perClient;
    return refusal(
      429,
      'rate_limited',
      `at most ${max} heavy requests per client at once; retry after ${RETRY_AFTER_S} s`,
    );
  }

  private release(client: string) {
    const n = (this.perClient.get(client) ?? 1) - 1;
    if (n > 0) this.perClient.set(client, n);
    else this.perClient.delete(client);
  }

  /** Starts queued jobs while the lane has idle slots. */
  private pump(lane: Lane) {
    const s = this.lanes.get(lane)!;
    while (s.idle.length > 0 && s.queue.length > 0) {
      const job = s.queue.shift()!;
      const slot = s.idle.pop()!;
      job.started = true;
      const run = this.opts.execute(lane, slot, job.req).then((a) => ownedOnce(a, job));
      job.settle(run);
      run
        .catch(() => undefined)
        .finally(() => {
          this.inFlight.delete(job.key);
          s.idle.push(slot);
          this.pump(lane);
        });
    }
  }

  /** A new job in the lane's queue, or null when the queue is full. */
  private enqueue(lane: Lane, key: string, req: WorkerTask): Job | null {
    const s = this.lanes.get(lane)!;
    if (s.idle.length === 0 && s.queue.length >= s.limits.maxQueued) return null;
    let settle!: Job['settle'];
    const done = new Promise<OffloadedAnswer>((resolve) => {
      settle = resolve;
    });
    const job: Job = { key, req, waiters: 0, shared: false, started: false, done, settle };
    this.inFlight.set(key, job);
    s.queue.push(job);
    this.pump(lane);
    return job;
  }

  /** Waits for the job, at most maxWaitMs; a queued job nobody waits for any more is dropped. */
  private async wait(lane: Lane, job: Job): Promise<OffloadedAnswer> {
    job.waiters++;
    if (job.waiters > 1) job.shared = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.opts.maxWaitMs);
    });
    try {
      const a = await Promise.race([job.done, timeout]);
      if (!a) return busy();
      return a;
    } catch {
      return refusal(503, 'unavailable', 'the request could not be rendered; retry later');
    } finally {
      clearTimeout(timer);
      job.waiters--;
      if (job.waiters === 0 && !job.started) this.drop(lane, job);
    }
  }

  private drop(lane: Lane, job: Job) {
    const q = this.lanes.get(lane)!.queue;
    q.splice(q.indexOf(job), 1);
    this.inFlight.delete(job.key);
  }
}

/**
 * The answer as its waiters may use it. A body several requests share is copied out of the memory
 * it was lent in (read-workers.ts: a slot of the body pool, or a transferred buffer its release
 * empties), which is released at once: one of them must not free it while another still sends
 * it. A body nobody waits for any more (they timed out) is released at once. (A request cannot
 * join once the answer is out: the job leaves inFlight in the turn it settles.)
 */
function ownedOnce(a: OffloadedAnswer, job: Job): OffloadedAnswer {
  if (!a.release) return a;
  if (job.waiters === 0) {
    a.release();
    return { ...a, body: null, release: undefined };
  }
  return job.shared ? ownedCopy(a) : a;
}

export function createHeavyReads(opts: HeavyReadOptions) {
  return new HeavyReads(opts);
}
