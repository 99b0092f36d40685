// A sync run split into steps whose progress lives in the database (sync_runs.cursor), for hosts
// that cannot hold a pull open (Workers: bounded CPU, subrequests and wall time per invocation).
// A step is discovery, one page, or the closing of the run. Each step's writes and the cursor that
// points past it are one Db.batch, so a step that fails leaves nothing behind and the next
// invocation repeats it; it never half-applies. The rules are those of syncOcpiSource (Node).
import { seenLocationCount, takenInRun, unseenLocationCount } from '../db/queries/full-pull.js';
import {
  closeRunStmt,
  markSourceSuccessStmt,
  runCountersStmt,
  runningRun,
  saveRunCursorStmt,
} from '../db/queries/sync-runs.js';
import type { Db, Stmt } from '../db/types.js';
import { locationPkOf } from '../db/write-location.js';
import { tariffPkOf } from '../db/write-tariff.js';
import type { Logger } from '../log.js';
import { redact } from '../log.js';
import { hash64 } from '../model/ids.js';
import { iso } from '../model/iso-time.js';
import { type NormalizeContext, normalizeLocation } from '../model/normalize-location.js';
import { normalizeTariff, summarizeTariff } from '../model/normalize-tariff.js';
import type { OcpiVersion } from '../model/types.js';
import { discover } from '../ocpi/client/discovery.js';
import { OcpiClientError, OcpiDiscoveryError } from '../ocpi/client/errors.js';
import type { OcpiClient } from '../ocpi/client/http.js';
import {
  DEFAULT_MAX_PAGES,
  fetchPage,
  firstPageUrl,
  guardNextPage,
  nextPageUrl,
  visitKey,
} from '../ocpi/client/pages.js';
import { safeUrl } from '../ocpi/client/safe-url.js';
import { applyLocationPage, applyTariffPage, ocpiItem, type PageContext } from './apply-page.js';
import { registerSource } from './handshake.js';
import { type RunCounters, type RunStatus, startRun, zeroCounters } from './run-record.js';
import { loadSourceState, type SourceState, saveDiscovery, tokenFor } from './source-state.js';
import type { OcpiSourceConfig } from './sources-file.js';
import { enterPhase, newCursor, parseCursor, type StepCursor, VISITED_KEPT } from './step-cursor.js';
import { applyFullPullRemovals, runPlan, type SyncMode } from './sync-source.js';

export interface StepDeps {
  db: Db;
  client: OcpiClient;
  clock: () => Date;
  log: Logger;
  /** Our public base URL, announced in a credentials handshake (ATLAS_PUBLIC_URL). */
  publicUrl?: string;
}

/** A running stepwise run as stored: its sync_runs row and cursor. */
export interface StepRun {
  id: number;
  sourceId: string;
  kind: 'full' | 'incremental';
  startedAt: string;
  dateFrom: string | null;
  counters: RunCounters;
  cursor: StepCursor;
}

export type StepOutcome =
  | { state: 'continue' }
  /** The step failed and was not applied; a later invocation tries it again. */
  | { state: 'retry'; error: string }
  | { state: 'finished'; status: RunStatus; error: string | null };

/**
 * Invocations in a row a step may fail before its run is closed as failed. Each attempt already
 * includes the client's own retries with backoff, so five spans several cron periods: long enough
 * for a CPO's restart, short enough that a dead feed does not hold its source forever.
 */
export const MAX_STEP_ATTEMPTS = 5;

/** The source's running run, or null. A running run without a readable cursor cannot resume: it is closed as failed. */
export async function runningStepRun(deps: StepDeps, sourceId: string): Promise<StepRun | null> {
  const row = await runningRun(deps.db, sourceId);
  if (!row) return null;
  const counters: RunCounters = {
    pages: row.pages,
    requests: row.requests,
    retries: row.retries,
    upserted: row.upserted,
    unchanged: row.unchanged,
    removed: row.removed,
    quarantined: row.quarantined,
    duplicates: row.duplicates,
    warnings: row.warnings,
    tariffsUpserted: row.tariffsUpserted,
  };
  const cursor = parseCursor(row.cursor);
  if (!cursor) {
    const error = 'interrupted: the run has no cursor to resume from';
    await deps.db.batch(
      closeRunStmts(deps.db, row.id, sourceId, 'failed', iso(deps.clock()), counters, null, error, null),
    );
    deps.log.warn({ source: sourceId, run: row.id }, 'closed a run that cannot be resumed');
    return null;
  }
  const kind = row.kind === 'incremental' ? 'incremental' : 'full';
  return { id: row.id, sourceId, kind, startedAt: row.startedAt, dateFrom: row.dateFrom, counters, cursor };
}

export async function startStepRun(
  source: OcpiSourceConfig,
  mode: SyncMode,
  deps: StepDeps,
): Promise<StepRun> {
  const started = deps.clock();
  const state = await loadSourceState(deps.db, source.id);
  const { kind, dateFrom } = runPlan(mode, state);
  const id = await startRun(deps.db, source.id, kind, iso(started), dateFrom);
  // A crash before this lands leaves a run without cursor, closed by runningStepRun next time.
  const cursor = newCursor(crypto.randomUUID());
  await deps.db.batch([saveRunCursorStmt(deps.db, id, cursor)]);
  deps.log.info({ source: source.id, run: id, kind, date_from: dateFrom }, 'sync started (stepwise)');
  return {
    id,
    sourceId: source.id,
    kind,
    startedAt: iso(started),
    dateFrom,
    counters: zeroCounters(),
    cursor,
  };
}

/** Does the next step of the run. `run` is updated in place when the step lands. */
export async function syncStep(source: OcpiSourceConfig, run: StepRun, deps: StepDeps): Promise<StepOutcome> {
  const statsBefore = { requests: deps.client.stats.requests, retries: deps.client.stats.retries };
  const counters: RunCounters = { ...run.counters };
  const countRequests = () => {
    counters.requests = run.counters.requests + deps.client.stats.requests - statsBefore.requests;
    counters.retries = run.counters.retries + deps.client.stats.retries - statsBefore.retries;
  };
  let state: SourceState | null = null;
  const secrets: (string | null | undefined)[] = [source.token, source.push_token];
  try {
    state = await loadSourceState(deps.db, source.id);
    secrets.push(state.tokenC);
    // A source given a token A registers once, in the discovery step; the C it gets is kept.
    const token =
      source.register && !state.tokenC && run.cursor.phase === 'discover'
        ? await registerSource(deps.db, source, deps.client, deps.publicUrl, iso(deps.clock()))
        : tokenFor(source, state);
    secrets.push(token);
    switch (run.cursor.phase) {
      case 'discover':
        return await discoverStep(source, run, token, state, counters, countRequests, deps);
      case 'locations':
      case 'tariffs':
        return await pageStep(source, run, token, counters, countRequests, deps);
      case 'finish':
        return await finishStep(source, run, counters, deps);
    }
  } catch (err) {
    countRequests();
    return failStep(source, run, err, counters, secrets, deps);
  }
}

async function discoverStep(
  source: OcpiSourceConfig,
  run: StepRun,
  token: string,
  state: SourceState,
  counters: RunCounters,
  countRequests: () => void,
  deps: StepDeps,
): Promise<StepOutcome> {
  const found = await discover(
    {
      versionsUrl: source.versions_url,
      token,
      version: source.version,
      tokenEncoding: state.tokenEncoding ?? undefined,
      correlationId: run.cursor.correlationId,
    },
    deps.client,
  );
  const where = safeUrl(found.detailsUrl, token);
  const locationsUrl = found.endpoints.locations;
  if (!locationsUrl) {
    throw new OcpiDiscoveryError(`the CPO's ${found.version} details list no locations endpoint`, {
      url: where,
      retryable: false,
    });
  }
  countRequests();
  const now = iso(deps.clock());
  await saveDiscovery(deps.db, source.id, found, now);
  const next = enterPhase(
    {
      ...run.cursor,
      version: found.version,
      tokenEncoding: found.tokenEncoding,
      tariffsUrl: found.endpoints.tariffs ?? null,
    },
    'locations',
    firstPageUrl(locationsUrl, { limit: source.page_size, dateFrom: run.dateFrom }),
  );
  await deps.db.batch([
    runCountersStmt(deps.db, run.id, counters, found.version),
    saveRunCursorStmt(deps.db, run.id, next),
  ]);
  run.counters = counters;
  run.cursor = next;
  return { state: 'continue' };
}

async function pageStep(
  source: OcpiSourceConfig,
  run: StepRun,
  token: string,
  counters: RunCounters,
  countRequests: () => void,
  deps: StepDeps,
): Promise<StepOutcome> {
  const { cursor } = run;
  const version = cursor.version;
  const url = cursor.next;
  if (!url || !version || !cursor.tokenEncoding)
    throw new Error(`cursor of run ${run.id} lacks a page URL or version`);
  const where = safeUrl(url, token);
  const key = hash64(visitKey(url));
  guardNextPage(where, cursor.visited.includes(key), cursor.pages, DEFAULT_MAX_PAGES);

  const page = await fetchPage(
    url,
    { token, tokenEncoding: cursor.tokenEncoding, version, correlationId: cursor.correlationId },
    deps.client,
  );
  countRequests();
  counters.pages++;
  const after = cursorAfter(source, run, url, key, page);

  const ctx: PageContext = {
    db: deps.db,
    sourceId: source.id,
    runId: run.id,
    now: iso(deps.clock()),
    counters,
    seen: new Map(),
    // The page's writes and the step's bookkeeping land together or not at all (a page with
    // nothing to write still moves the cursor), the counters with the page's own counts in them.
    trailer: (committed) => [
      runCountersStmt(deps.db, run.id, committed, version),
      saveRunCursorStmt(deps.db, run.id, after),
    ],
  };
  await writePage(source, run, page.items, version, ctx, deps.db);
  run.counters = counters;
  run.cursor = after;
  deps.log.debug(
    { source: source.id, run: run.id, phase: cursor.phase, url: where, items: page.items.length },
    'sync step',
  );
  return { state: 'continue' };
}

/** Where the run stands once this page is written: the next page, or the next phase. */
function cursorAfter(
  source: OcpiSourceConfig,
  run: StepRun,
  url: string,
  key: string,
  page: Awaited<ReturnType<typeof fetchPage>>,
): StepCursor {
  const { cursor } = run;
  const { next, rewound } = nextPageUrl(url, page, cursor.lastTotal, source.page_size);
  const after: StepCursor = {
    ...cursor,
    next,
    lastTotal: page.totalCount ?? cursor.lastTotal,
    pages: cursor.pages + 1,
    visited: rewound ? [] : [...cursor.visited, key].slice(-VISITED_KEPT),
    failures: 0,
    lastError: null,
  };
  if (next !== null) return after;
  if (cursor.phase === 'locations' && cursor.tariffsUrl) {
    const first = firstPageUrl(cursor.tariffsUrl, { limit: source.page_size, dateFrom: run.dateFrom });
    return enterPhase(after, 'tariffs', first);
  }
  return enterPhase(after, 'finish', null);
}

/** One page of the cursor's phase, normalized and written with what the run saw before it. */
async function writePage(
  source: OcpiSourceConfig,
  run: StepRun,
  raws: unknown[],
  version: OcpiVersion,
  ctx: PageContext,
  db: Db,
): Promise<void> {
  const owner = ownerOf(source);
  if (run.cursor.phase === 'locations') {
    const items = raws.map((raw) => ocpiItem(raw, (r) => normalizeLocation(r, version, owner)));
    const pks = items.flatMap((i) => (i.ok ? [locationPkOf(source.id, i.value)] : []));
    ctx.seen = await seenInRun(db, 'locations', run, pks, '');
    await applyLocationPage(items, ctx);
    return;
  }
  const normalize = (raw: unknown) => normalizeTariff(raw, version, owner);
  const pks = raws.flatMap((raw) => {
    const r = normalize(raw);
    return r.ok ? [tariffPkOf(source.id, r.value)] : [];
  });
  ctx.seen = await seenInRun(db, 'tariffs', run, pks, 't:');
  await applyTariffPage(raws, normalize, summarizeTariff, ctx);
}

async function finishStep(
  source: OcpiSourceConfig,
  run: StepRun,
  counters: RunCounters,
  deps: StepDeps,
): Promise<StepOutcome> {
  const { db } = deps;
  const now = iso(deps.clock());
  const version = run.cursor.version;
  let status: RunStatus = 'ok';
  let note: string | null = null;
  if (run.kind === 'full') {
    // What syncOcpiSource counts in its in-run map: the valid locations this run took.
    const seen = await seenLocationCount(db, source.id, run);
    // Counted before the removal lands, so the removal and the closing of the run are one batch.
    counters.removed = await unseenLocationCount(db, source.id, run.id);
    const commit = committingWith(db, () =>
      closeRunStmts(db, run.id, source.id, 'ok', now, counters, version, null, run),
    );
    note = await applyFullPullRemovals(
      commit.db,
      source.id,
      source.suspect_ratio,
      run.id,
      seen,
      Boolean(run.cursor.tariffsUrl),
      now,
      counters,
    );
    if (note) {
      status = 'suspect';
      counters.removed = 0;
      await db.batch(closeRunStmts(db, run.id, source.id, status, now, counters, version, note, run));
      deps.log.warn({ source: source.id, run: run.id, reason: note }, 'full pull held back as suspect');
    } else if (!commit.committed()) {
      await db.batch(commit.trailer());
    }
  } else {
    await db.batch(closeRunStmts(db, run.id, source.id, 'ok', now, counters, version, null, run));
  }
  run.counters = counters;
  deps.log.info({ source: source.id, run: run.id, kind: run.kind, status, ...counters }, 'sync finished');
  return { state: 'finished', status, error: note };
}

async function failStep(
  source: OcpiSourceConfig,
  run: StepRun,
  err: unknown,
  counters: RunCounters,
  secrets: (string | null | undefined)[],
  deps: StepDeps,
): Promise<StepOutcome> {
  // Nothing of the failed step was written; only the requests it made are counted.
  const attempted: RunCounters = { ...run.counters, requests: counters.requests, retries: counters.retries };
  const message = redact(err instanceof Error ? err.message : String(err), secrets);
  const failures = run.cursor.failures + 1;
  // Client errors say whether trying again can help; anything else (a D1 hiccup) is worth a retry.
  const retryable = err instanceof OcpiClientError ? err.retryable : true;
  const log = deps.log.child({ source: source.id, run: run.id });
  if (!retryable || failures >= MAX_STEP_ATTEMPTS) {
    const error = retryable ? `${message} (gave up after ${failures} attempts)` : message;
    await deps.db.batch(
      closeRunStmts(
        deps.db,
        run.id,
        source.id,
        'failed',
        iso(deps.clock()),
        attempted,
        run.cursor.version,
        error,
        null,
      ),
    );
    run.counters = attempted;
    log.error({ error, phase: run.cursor.phase, ...attempted }, 'sync failed');
    return { state: 'finished', status: 'failed', error };
  }
  const cursor: StepCursor = { ...run.cursor, failures, lastError: message };
  await deps.db.batch([
    runCountersStmt(deps.db, run.id, attempted, run.cursor.version),
    saveRunCursorStmt(deps.db, run.id, cursor),
  ]);
  run.counters = attempted;
  run.cursor = cursor;
  log.warn(
    { error: message, phase: cursor.phase, attempt: failures },
    'sync step failed; it will be retried',
  );
  return { state: 'retry', error: message };
}

/** 2.1.1 objects carry no owner ids: the party the source is configured for owns them. */
function ownerOf(source: OcpiSourceConfig): NormalizeContext | undefined {
  const party = source.parties[0];
  return party ? { countryCode: party.country_code, partyId: party.party_id } : undefined;
}

/**
 * Closes a run: final counters, status, no cursor, and on success the source's last success
 * times (from the run's start, as syncOcpiSource does). Pass `succeeded` only for status 'ok'.
 */
function closeRunStmts(
  db: Db,
  runId: number,
  sourceId: string,
  status: RunStatus,
  finishedAt: string,
  counters: RunCounters,
  version: string | null,
  error: string | null,
  succeeded: Pick<StepRun, 'kind' | 'startedAt'> | null,
): Stmt[] {
  const stmts: Stmt[] = [
    runCountersStmt(db, runId, counters, version),
    closeRunStmt(db, runId, status, finishedAt, error),
  ];
  if (status === 'ok' && succeeded) {
    stmts.push(markSourceSuccessStmt(db, sourceId, succeeded.kind, succeeded.startedAt));
  }
  return stmts;
}

/**
 * Records this run already took from earlier pages, keyed as applyLocationPage/applyTariffPage key
 * their in-run `seen` map: what lets them resolve an id listed on two pages. Written or touched by
 * this run means last_seen_run and a synced_at from this run (a quarantined copy only marks the row
 * it keeps as seen, without syncing it).
 */
async function seenInRun(
  db: Db,
  table: 'locations' | 'tariffs',
  run: StepRun,
  pks: string[],
  prefix: string,
): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  if (pks.length === 0) return seen;
  const rows = await takenInRun(db, table, run, pks);
  for (const r of rows) seen.set(prefix + r.pk, r.last_updated);
  return seen;
}

/**
 * A Db whose batches carry the given trailing statements (the cursor and counters), so a page's
 * writes and the step's bookkeeping land together or not at all. Results are reported for the
 * caller's own statements only.
 */
function committingWith(db: Db, trailer: () => Stmt[]) {
  let committed = false;
  const wrapped: Db = {
    ...db,
    async batch(stmts: Stmt[]) {
      // A second batch would land after the cursor already moved past the page: refuse it.
      if (committed) throw new Error('a sync step must write its page in one batch');
      const results = await db.batch([...stmts, ...trailer()]);
      committed = true;
      return results.slice(0, stmts.length);
    },
  };
  return { db: wrapped, committed: () => committed, trailer };
}
