// One page of raw records -> validated, normalized, deduplicated within the run, and written in
// one batch, alone or with the pages held with it (pending-pages.ts): every location of the page
// lands with all its EVSEs and connectors, or none does.

import { pullCountsStmts } from '../db/counts-changes.js';
import { countsHashOf } from '../db/counts-hash.js';
import {
  heldStatuses,
  keepSeenStmt,
  quarantineRowStmt,
  replaceRefsStmts,
  storedHashes,
  touchTariffStmt,
} from '../db/queries/sync-page.js';
import { cellOf } from '../db/spatial-key.js';
import type { BatchOptions, Db, Stmt } from '../db/types.js';
import {
  absentCleanUpStmts,
  locationPkOf,
  touchLocationStmt,
  writeLocationStmts,
} from '../db/write-location.js';
import { refreshNewLocationsStmts, refreshSiteFeaturesStmts } from '../db/write-site-features.js';
import { tariffPkOf, writeTariffStmts } from '../db/write-tariff.js';
import { hash64 } from '../model/ids.js';
import type { ExternalRef, Location, NormalizeResult, QuarantineReason, Tariff } from '../model/types.js';
import { type RunCounters, zeroCounters } from './run-record.js';

/**
 * Locations per read-model refresh statement: with the statement journal in memory
 * (smallStatements) a statement's journal is held whole until it ends, and it grows with the sites
 * the statement rewrites (500 a statement peaked the full sync at 261-290 MB).
 */
const REFRESH_CHUNK = 100;

/** A location a page writes, with its cell (spatial-key.ts), by which its site is refreshed. */
export interface WrittenLocation {
  pk: string;
  cell: number;
  /** Inserted by this batch (WriteContext.fresh): it has no read-model row or site yet. */
  fresh: boolean;
}

/**
 * The read model of the written locations' sites, REFRESH_CHUNK locations a statement, run after
 * all the batch's other writes, in cell order: the B-trees it writes are keyed by place
 * (site_features' rowid and spread index, site_tiles, tile_cells), so consecutive statements then
 * write neighbouring leaves instead of leaves all over each tree. Measured (`npm run bench -- sync`,
 * 210k EVSEs, four pairs interleaved with refreshes per page in key order, load 1.2-2.9): 22.4 /
 * 23.8 / 21.8 / 25.0 s against 32.8 / 21.8 / 25.7 / 26.8 s; the page transactions 16.6 / 18.8 s
 * against 19.2 / 19.8 s in the two pairs timed per statement.
 */
function refreshWrittenStmts(written: readonly WrittenLocation[]): Stmt[] {
  const sorted = [...written].sort((a, b) => a.cell - b.cell || (a.pk < b.pk ? -1 : a.pk > b.pk ? 1 : 0));
  const out: Stmt[] = [];
  for (const [fresh, refresh] of [
    [true, refreshNewLocationsStmts],
    [false, (pks: string[]) => refreshSiteFeaturesStmts({ locationPks: pks })],
  ] as const) {
    const pks = sorted.filter((w) => w.fresh === fresh).map((w) => w.pk);
    for (let i = 0; i < pks.length; i += REFRESH_CHUNK) out.push(...refresh(pks.slice(i, i + REFRESH_CHUNK)));
  }
  return out;
}

export interface PageContext {
  db: Db;
  sourceId: string;
  runId: number;
  now: string;
  counters: RunCounters;
  /** Newest last_updated per record key seen in this run, to resolve duplicate ids across pages. */
  seen: Map<string, string>;
  /**
   * Statements that go last in the page's batch, given the run's counters as they are once it
   * commits (a Workers step's cursor and counters: saved with the page, never a page behind).
   */
  trailer?: (after: RunCounters) => Stmt[];
}

export interface Quarantined {
  objectType: 'location' | 'tariff';
  recordId: string | null;
  reason: QuarantineReason;
  raw: unknown;
}

export function quarantineStmt(ctx: Pick<PageContext, 'sourceId' | 'runId' | 'now'>, q: Quarantined): Stmt {
  return quarantineRowStmt({ ...q, sourceId: ctx.sourceId, runId: ctx.runId, now: ctx.now });
}

/** A record of a page after validation: kept (with optional explicit links) or to be quarantined. */
export type PageItem =
  | { ok: true; value: Location; refs?: ExternalRef[] }
  | { ok: false; reason: QuarantineReason; recordId: string | null; raw: unknown };

/** Adapts an OCPI normalizer to page items. */
export function ocpiItem(raw: unknown, normalize: (raw: unknown) => NormalizeResult<Location>): PageItem {
  const r = normalize(raw);
  return r.ok ? r : { ok: false, reason: r.reason, recordId: rawId(raw), raw };
}

export function rawId(raw: unknown): string | null {
  if (typeof raw === 'object' && raw !== null && 'id' in raw) {
    const id = (raw as { id: unknown }).id;
    if (typeof id === 'string' || typeof id === 'number') return String(id);
  }
  return null;
}

export interface Keyed<T> {
  pk: string;
  value: T;
  hash: string;
}

/**
 * Keeps the newest record per key within the page and across earlier pages of the run (a feed
 * that lists one id twice is resolved by last_updated, and counted).
 */
function dedupeInRun<T extends { lastUpdated: string }>(items: Keyed<T>[], ctx: PageContext): Keyed<T>[] {
  const byPk = new Map<string, Keyed<T>>();
  for (const item of items) {
    const earlier = ctx.seen.get(item.pk);
    const inPage = byPk.get(item.pk);
    if (earlier !== undefined || inPage) {
      ctx.counters.duplicates++;
      const newest = inPage ? inPage.value.lastUpdated : (earlier as string);
      if (item.value.lastUpdated < newest) continue;
    }
    byPk.set(item.pk, item);
  }
  for (const item of byPk.values()) ctx.seen.set(item.pk, item.value.lastUpdated);
  return [...byPk.values()];
}

/** What one page writes: its statements and how they are batched. */
interface PageBatch {
  stmts: Stmt[];
  options?: BatchOptions;
}

/** `counters` plus `more`, as a new object. */
export function addedCounters(counters: RunCounters, more: RunCounters): RunCounters {
  const sum = { ...counters };
  for (const k of Object.keys(more) as (keyof RunCounters)[]) sum[k] += more[k];
  return sum;
}

/**
 * Builds a page's batch with counters of its own and commits it with the context's trailer; the
 * page's counts reach the run's only once it committed: a failed write (disk full) must not leave
 * the run reporting rows it never stored.
 */
async function countedOnCommit(ctx: PageContext, build: (page: PageContext) => Promise<PageBatch>) {
  const page: PageContext = { ...ctx, counters: zeroCounters() };
  const { stmts, options } = await build(page);
  await commitCounted(ctx, page.counters, stmts, options);
}

/** Commits a page's statements with the context's trailer, then adds the page's counts to the run's. */
async function commitCounted(ctx: PageContext, page: RunCounters, stmts: Stmt[], options?: BatchOptions) {
  const after = addedCounters(ctx.counters, page);
  if (ctx.trailer) stmts.push(...ctx.trailer(after));
  if (stmts.length > 0) await ctx.db.batch(stmts, options);
  Object.assign(ctx.counters, after);
}

export async function applyLocationPage(items: PageItem[], ctx: PageContext): Promise<void> {
  const page = preparePage(items, { ...ctx, counters: zeroCounters() });
  await commitLocationPages([page], (stmts) =>
    commitCounted(ctx, page.ctx.counters, stmts, LOCATION_PAGE_BATCH),
  );
}

/**
 * Builds the batch of prepared location pages (locationBatchStmts) and has `commit` run it, with
 * the pages' counters as the build left them. A location that was new when read is inserted
 * (WriteContext.fresh); should the batch find one held after all (a push or another process wrote
 * it between the read and the batch), it fails on that primary key, and the same pages are read and
 * built again with every location upserted, their counters as before the first build.
 */
export async function commitLocationPages(
  pages: readonly PreparedPage[],
  commit: (stmts: Stmt[]) => Promise<void>,
): Promise<void> {
  const counters = pages.map((p) => ({ ...p.ctx.counters }));
  try {
    await commit(await locationBatchStmts(pages, 'insert new'));
  } catch (error) {
    if (!RECORD_KEY_CLASH.test(error instanceof Error ? error.message : String(error))) throw error;
    for (const [i, p] of pages.entries()) Object.assign(p.ctx.counters, counters[i]);
    await commit(await locationBatchStmts(pages, 'upsert all'));
  }
}

/**
 * The error of an insert of a location, EVSE or connector that is held (its primary key, or a
 * location's natural key), as better-sqlite3 and D1 both word it.
 */
const RECORD_KEY_CLASH = /UNIQUE constraint failed: (locations|evses|connectors)\./;

/**
 * The statements of one batch of prepared location pages, read against the store now: each page's
 * writes, then the read-model refresh of every site they touched. Run them with nothing but
 * microtasks in between (pageWriteStmts says why). `insert new`: locations not held when read are
 * inserted (commitLocationPages).
 */
async function locationBatchStmts(pages: readonly PreparedPage[], mode: WriteMode): Promise<Stmt[]> {
  const stmts: Stmt[] = [];
  const written: WrittenLocation[] = [];
  for (const page of pages) for (const s of await pageWriteStmts(page, written, mode)) stmts.push(s);
  for (const s of refreshWrittenStmts(written)) stmts.push(s);
  return stmts;
}

type WriteMode = 'insert new' | 'upsert all';

/** A location page's batch: many small statements, one of many written back to back. */
export const LOCATION_PAGE_BATCH = { smallStatements: true, bulk: true } as const;

/**
 * A location page made ready without reading the store: its quarantined records' statements, its
 * records kept (the newest per key in the run) in key order, their explicit links, and its context
 * with counters of its own.
 */
export interface PreparedPage {
  stmts: Stmt[];
  unique: Keyed<Location>[];
  refs: Map<string, ExternalRef[]>;
  ctx: PageContext;
}

/**
 * Location pages not committed yet, written later in one batch (PendingPages in pending-pages.ts).
 * A held page is read against the store only when its batch is built; one that names a location a
 * held page writes has the held pages committed first.
 */
export interface PageQueue {
  /** Whether a held page writes one of these location keys. */
  holdsAny(pks: readonly string[]): boolean;
  /** Holds a prepared page. */
  add(page: PreparedPage): Promise<void>;
  /** Reads, builds and commits the pages held. */
  flush(): Promise<void>;
}

/**
 * Adds a page to `queue`, which reads, builds and commits it later with the pages around it; the
 * page's counts reach the run's counters when that batch commits.
 */
export async function queueLocationPage(
  items: PageItem[],
  ctx: PageContext,
  queue: PageQueue,
): Promise<void> {
  const page = preparePage(items, { ...ctx, counters: zeroCounters() });
  // What is held is read when it is written: a location a held page writes must be read after it.
  if (queue.holdsAny(page.unique.map((k) => k.pk))) await queue.flush();
  await queue.add(page);
}

/** A page's records split into quarantined and kept, resolved against the run (no store reads). */
function preparePage(items: PageItem[], ctx: PageContext): PreparedPage {
  const stmts: Stmt[] = [];
  const keyed: Keyed<Location>[] = [];
  const refs = new Map<string, ExternalRef[]>();
  for (const r of items) {
    if (!r.ok) {
      ctx.counters.quarantined++;
      stmts.push(
        quarantineStmt(ctx, { objectType: 'location', recordId: r.recordId, reason: r.reason, raw: r.raw }),
      );
      // A record the feed still lists, even broken, is not gone: a full pull must not flag what we
      // hold of it as removed. The id alone (any party) is enough to keep it, which errs on keeping.
      if (r.recordId) stmts.push(keepSeenStmt(ctx.runId, ctx.sourceId, r.recordId));
      continue;
    }
    const pk = locationPkOf(ctx.sourceId, r.value);
    if (r.refs?.length) refs.set(pk, r.refs);
    keyed.push({ pk, value: r.value, hash: hash64(JSON.stringify([r.value, r.refs ?? null])) });
  }
  // In key order: the page's rows then land in each index keyed by location (its pk, the EVSEs'
  // and connectors' location indexes) in one pass, a leaf page at a time, instead of at random.
  const unique = dedupeInRun(keyed, ctx).sort((x, y) => (x.pk < y.pk ? -1 : x.pk > y.pk ? 1 : 0));
  return { stmts, unique, refs, ctx };
}

/**
 * The statements that write a prepared page, read against the store now, without the refresh of
 * the read model (refreshWrittenStmts); `written` receives the locations it writes. Its caller
 * runs them with nothing but microtasks in between: a push committed between these reads and that
 * write would be overwritten by a write built on what it replaced.
 */
async function pageWriteStmts(
  page: PreparedPage,
  written: WrittenLocation[],
  mode: WriteMode,
): Promise<Stmt[]> {
  const { unique, refs, ctx } = page;
  const stmts = [...page.stmts];
  const stored = await storedHashes(
    ctx.db,
    'locations',
    unique.map((k) => k.pk),
  );
  const toWrite = unique.filter(({ pk, hash }) => {
    const held = stored.get(pk);
    return !(held && held.hash === hash && !held.removed);
  });
  const statuses = await heldStatuses(
    ctx.db,
    toWrite.filter((k) => stored.has(k.pk)).map((k) => k.pk),
  );
  // Not held when read is no promise that it is not by the batch: the clean-up of every location
  // written is decided in SQL, before their writes, and so is whether they change a count.
  stmts.push(...absentCleanUpStmts(toWrite, ctx.now));
  const countsHashes = new Map(toWrite.map(({ pk, value }) => [pk, countsHashOf(value)]));
  const arriving = toWrite.some(({ pk }) => stored.get(pk)?.removed !== false);
  stmts.push(...pullCountsStmts(countsHashes, arriving, ctx.now));
  for (const { pk, value, hash } of unique) {
    const held = stored.get(pk);
    if (held && held.hash === hash && !held.removed) {
      ctx.counters.unchanged++;
      stmts.push(touchLocationStmt(pk, ctx.runId, ctx.now));
      continue;
    }
    ctx.counters.upserted++;
    ctx.counters.warnings += value.warnings.length;
    const fresh = mode === 'insert new' && held === undefined;
    stmts.push(
      ...writeLocationStmts(value, {
        sourceId: ctx.sourceId,
        now: ctx.now,
        via: 'pull',
        runId: ctx.runId,
        contentHash: hash,
        countsHash: countsHashes.get(pk),
        held: { statuses },
        cleanUp: false,
        refreshSite: false,
        fresh,
      }),
    );
    written.push({ pk, cell: cellOf(value.lat, value.lon), fresh });
    stmts.push(...replaceRefsStmts(pk, refs.get(pk) ?? [], fresh));
  }
  return stmts;
}

export function applyTariffPage(
  raws: unknown[],
  normalize: (raw: unknown) => NormalizeResult<Tariff>,
  summarize: (t: Tariff) => string,
  ctx: PageContext,
): Promise<void> {
  return countedOnCommit(ctx, (page) => writeTariffPage(raws, normalize, summarize, page));
}

async function writeTariffPage(
  raws: unknown[],
  normalize: (raw: unknown) => NormalizeResult<Tariff>,
  summarize: (t: Tariff) => string,
  ctx: PageContext,
): Promise<PageBatch> {
  const stmts: Stmt[] = [];
  const keyed: Keyed<Tariff>[] = [];
  for (const raw of raws) {
    const r = normalize(raw);
    if (!r.ok) {
      ctx.counters.quarantined++;
      stmts.push(quarantineStmt(ctx, { objectType: 'tariff', recordId: rawId(raw), reason: r.reason, raw }));
      continue;
    }
    keyed.push({
      pk: `t:${tariffPkOf(ctx.sourceId, r.value)}`,
      value: r.value,
      hash: hash64(JSON.stringify(r.value)),
    });
  }
  const unique = dedupeInRun(keyed, ctx);
  const stored = await storedHashes(
    ctx.db,
    'tariffs',
    unique.map((k) => k.pk.slice(2)),
  );
  for (const { pk, value, hash } of unique) {
    const tpk = pk.slice(2);
    const held = stored.get(tpk);
    if (held && held.hash === hash && !held.removed) {
      stmts.push(touchTariffStmt(ctx.runId, ctx.now, tpk));
      continue;
    }
    ctx.counters.tariffsUpserted++;
    stmts.push(
      ...writeTariffStmts(value, {
        sourceId: ctx.sourceId,
        now: ctx.now,
        runId: ctx.runId,
        contentHash: hash,
        summary: summarize(value),
      }),
    );
  }
  // Not smallStatements: a tariff that turns free or paid updates every site citing it in one
  // statement (site-free-triggers.ts), whose journal would then be held in memory whole.
  return { stmts };
}
