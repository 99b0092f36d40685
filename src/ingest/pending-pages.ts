// Location pages of a pull written several to a transaction, with the read-model refresh of their
// sites (in cell order) after their writes. Each page's index writes land all over every B-tree
// (record keys are hashes), so a commit copies to the WAL nearly as many pages as the transaction
// touched; pages written together share most of the leaves they dirty, which are then copied once.
// Measured (`npm run bench -- sync`, 210k EVSEs, pages of 1,000 locations, one run each,
// interleaved at load ~2): a commit a page 28.0 / 30.7 s (VmHWM 178 MB); ~2 pages a commit 25.4 s
// (186 MB), ~4 pages 23.2 s (198 MB), ~8 pages 26.7 s (212 MB): past ~4 the transaction's dirty
// pages outgrow the page cache and spill as often as a commit would have copied them.
// A held page is its normalized records, not yet read against the store: its reads (is a location
// new, its EVSEs' statuses) and statements are made in flush(), right before the batch, with only
// microtasks in between, so a CPO's push that the server commits while pages are held (the same
// connection) is read, not overwritten (test/ingest/held-pages-vs-push.test.ts; reading them when a
// page arrived lost or doubled status events, review of d55c320). Memory is bounded by ROW_BUDGET.
// The price in a server that syncs in process: a batch is one synchronous transaction, and the sync
// child's longest event-loop delay (monitorEventLoopDelay, 210k EVSEs, 2026-12-07, at d55c320) was
// 1,533 ms with ~4 pages a batch against 712 ms with a page a commit.
import type { Db, Stmt } from '../db/types.js';
import {
  addedCounters,
  commitLocationPages,
  LOCATION_PAGE_BATCH,
  type PageQueue,
  type PreparedPage,
} from './apply-page.js';
import type { RunCounters } from './run-record.js';

/**
 * Rows (locations, EVSEs, connectors, quarantined records) held before a commit: about four pages
 * of 1,000 locations of 3 EVSEs of one connector each.
 */
export const ROW_BUDGET = 28_000;

const rowsOf = (page: PreparedPage) =>
  page.stmts.length +
  page.unique.reduce((n, k) => n + 1 + k.value.evses.reduce((m, e) => m + 1 + e.connectors.length, 0), 0);

export class PendingPages implements PageQueue {
  #pages: PreparedPage[] = [];
  #pks = new Set<string>();
  #rows = 0;

  /**
   * `committed` runs after each commit, once the pages' counts are in `counters` (the run's); D1
   * gets one page a batch, as its statement limits want. `trailer` gives statements that go last
   * in each batch, given the run's counters as they are once it commits (the run's own row: saved
   * in a transaction of its own after each commit, it cost a full sync of 210k EVSEs ~0.5 s of
   * commits, the writer's WAL checkpoints falling in them; scripts/bench/sync.ts).
   */
  constructor(
    private readonly db: Db,
    private readonly counters: RunCounters,
    private readonly committed: () => Promise<void>,
    private readonly budget = db.kind === 'sqlite' ? ROW_BUDGET : 0,
    private readonly trailer: (after: RunCounters) => Stmt[] = () => [],
  ) {}

  holdsAny(pks: readonly string[]): boolean {
    return pks.some((pk) => this.#pks.has(pk));
  }

  /** Holds a prepared page; commits what is held once it reaches the budget. */
  async add(page: PreparedPage): Promise<void> {
    this.#pages.push(page);
    for (const k of page.unique) this.#pks.add(k.pk);
    this.#rows += rowsOf(page);
    if (this.#rows >= this.budget) await this.flush();
  }

  /** Reads, builds and commits the held pages in one batch, then adds their counts to the run's. */
  async flush(): Promise<void> {
    if (this.#pages.length === 0) return;
    const pages = this.#pages;
    this.#pages = [];
    this.#pks = new Set();
    this.#rows = 0;
    // From the first read to the batch, nothing but microtasks: see the header.
    await commitLocationPages(pages, async (stmts) => {
      const after = pages.reduce((sum, { ctx }) => addedCounters(sum, ctx.counters), this.counters);
      for (const s of this.trailer(after)) stmts.push(s);
      // A failed write (disk full) leaves the run counting none of these pages' rows.
      if (stmts.length > 0) await this.db.batch(stmts, LOCATION_PAGE_BATCH);
      Object.assign(this.counters, after);
    });
    await this.committed();
  }
}
