// Location pages of a pull, committed in batches with the read-model refresh of their sites (in cell
// order) after their writes. A sync holds none by default (DEFAULT_BUDGET: a page a batch): see
// there why holding several is switched off until a page's reads move into flush().
// Measured with pages held (`npm run bench -- sync`, 210k EVSEs, pages of 1,000 locations, one run
// each, interleaved at load ~2): a commit a page 28.0 / 30.7 s (VmHWM 178 MB); ~2 pages a commit
// 25.4 s (186 MB), ~4 pages 23.2 s (198 MB), ~8 pages 26.7 s (212 MB): pages written together share
// most of the index leaves they dirty (record keys are hashes), but past ~4 the transaction's dirty
// pages outgrow the page cache and spill as often as a commit would have copied them. A held page is
// its statements (its raw records are gone by then), counted against the budget.
// Holding has a second price in a server that syncs in process: a batch is one synchronous
// transaction, and the sync child's longest event-loop delay (monitorEventLoopDelay, 210k EVSEs,
// 2026-12-07, at d55c320) was 1,533 ms with ~4 pages a batch against 712 ms with a page a commit.
import type { Db, Stmt } from '../db/types.js';
import {
  LOCATION_PAGE_BATCH,
  type PageQueue,
  refreshWrittenStmts,
  type WrittenLocation,
} from './apply-page.js';
import type { RunCounters } from './run-record.js';

/**
 * Statements held before a commit, when a caller asks to hold pages: about four pages of 1,000
 * locations of 3 EVSEs (~14k statements each). Not the default, see DEFAULT_BUDGET.
 */
export const STATEMENT_BUDGET = 56_000;

/**
 * What a sync holds by default: nothing, a page a batch, its reads and its write separated by
 * microtasks only. Holding pages (STATEMENT_BUDGET) was ~10-20 % faster, but a page's reads (is the
 * location new, its EVSEs' statuses) then ran up to four page fetches before its write, and a CPO's
 * push committed in between (same process and connection in a server) was overwritten by a write
 * built on the older state: a status event duplicated or lost, a pushed EVSE the feed no longer
 * lists left live (review of d55c320, test/ingest/held-pages-vs-push.test.ts). Holding again needs
 * the page's reads and statements built in flush(), right before its batch.
 */
export const DEFAULT_BUDGET = 0;

export class PendingPages implements PageQueue {
  #stmts: Stmt[] = [];
  #pks = new Set<string>();
  #written: WrittenLocation[] = [];
  #counters: RunCounters[] = [];

  /**
   * `committed` runs after each commit, once the pages' counts are in `counters` (the run's); by
   * default a page a batch (DEFAULT_BUDGET), which is also what D1's statement limits want.
   */
  constructor(
    private readonly db: Db,
    private readonly counters: RunCounters,
    private readonly committed: () => Promise<void>,
    private readonly budget = DEFAULT_BUDGET,
  ) {}

  holdsAny(pks: readonly string[]): boolean {
    return pks.some((pk) => this.#pks.has(pk));
  }

  /** Holds a built page; commits what is held once it reaches the budget. */
  async add(
    stmts: Stmt[],
    pks: readonly string[],
    written: WrittenLocation[],
    counters: RunCounters,
  ): Promise<void> {
    for (const s of stmts) this.#stmts.push(s);
    for (const pk of pks) this.#pks.add(pk);
    for (const w of written) this.#written.push(w);
    this.#counters.push(counters);
    if (this.#stmts.length >= this.budget) await this.flush();
  }

  /** Commits the held pages in one batch, then adds their counts to the run's. */
  async flush(): Promise<void> {
    if (this.#counters.length === 0) return;
    const stmts = this.#stmts;
    for (const s of refreshWrittenStmts(this.#written)) stmts.push(s);
    const pages = this.#counters;
    this.#stmts = [];
    this.#pks = new Set();
    this.#written = [];
    this.#counters = [];
    // A failed write (disk full) leaves the run counting none of these pages' rows.
    if (stmts.length > 0) await this.db.batch(stmts, LOCATION_PAGE_BATCH);
    for (const page of pages) {
      for (const k of Object.keys(page) as (keyof RunCounters)[]) this.counters[k] += page[k];
    }
    await this.committed();
  }
}
