// Location pages of a pull written several to a transaction. Each page's index writes land all over
// every B-tree (record keys are hashes), so a commit copies to the WAL nearly as many pages as the
// transaction touched; pages written together share most of the leaves they dirty, which are then
// copied once. Measured (`npm run bench -- sync`, 210k EVSEs, pages of 1,000 locations, one run
// each, interleaved with main at load ~2): a commit a page 28.0 / 30.7 s (VmHWM 178 MB); ~2 pages
// a commit 25.4 s (186 MB), ~4 pages 23.2 s (198 MB), ~8 pages 26.7 s (212 MB): past ~4 the
// transaction's dirty pages outgrow the page cache many times over and spill (written to the WAL and
// read back) as often as a commit would have copied them.
// Memory is bounded by design: a page is held only as its statements (its raw records are gone by
// then), and pages are committed once the held statements reach STATEMENT_BUDGET.
// The price, in a server that syncs in process (node-cron): a batch is one synchronous transaction,
// so the event loop waits for it. The sync child's longest event-loop delay (monitorEventLoopDelay,
// 210k EVSEs, 2026-12-07, at d55c320) was 1,533 ms with ~4 pages a batch against 712 ms with a page a commit;
// every request a server takes during a full sync may wait that long (the event loop takes and sends
// every answer, even those worker threads render).
import type { Db, Stmt } from '../db/types.js';
import {
  LOCATION_PAGE_BATCH,
  type PageQueue,
  refreshWrittenStmts,
  type WrittenLocation,
} from './apply-page.js';
import type { RunCounters } from './run-record.js';

/** Statements held before a commit: about four pages of 1,000 locations of 3 EVSEs (~14k statements each). */
export const STATEMENT_BUDGET = 56_000;

export class PendingPages implements PageQueue {
  #stmts: Stmt[] = [];
  #pks = new Set<string>();
  #written: WrittenLocation[] = [];
  #counters: RunCounters[] = [];

  /**
   * `committed` runs after each commit, once the pages' counts are in `counters` (the run's); D1
   * gets one page a batch, as its statement limits want.
   */
  constructor(
    private readonly db: Db,
    private readonly counters: RunCounters,
    private readonly committed: () => Promise<void>,
    private readonly budget = db.kind === 'sqlite' ? STATEMENT_BUDGET : 0,
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
