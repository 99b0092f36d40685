// One sync run of one OCPI source: discover, pull Locations and Tariffs page by page, write the
// pages as they arrive (Locations a few pages to a transaction, pending-pages.ts), and only after a
// complete full pull mark what the feed no longer lists.

import { bumpCountsVersionStmt } from '../db/queries/data-version.js';
import {
  heldLocationCount,
  removeUnseenLocationsStmts,
  removeUnseenTariffsStmt,
  unseenLocationPks,
} from '../db/queries/full-pull.js';
import { markSourceSuccessStmt, runCountersStmt } from '../db/queries/sync-runs.js';
import type { Db, Stmt } from '../db/types.js';
import { refreshSiteFeaturesStmts } from '../db/write-site-features.js';
import type { Logger } from '../log.js';
import { redact } from '../log.js';
import { iso } from '../model/iso-time.js';
import { normalizeLocation } from '../model/normalize-location.js';
import { normalizeTariff, summarizeTariff } from '../model/normalize-tariff.js';
import type { OcpiVersion } from '../model/types.js';
import { type Discovery, discover } from '../ocpi/client/discovery.js';
import type { OcpiClient } from '../ocpi/client/index.js';
import { pullPages } from '../ocpi/client/pages.js';
import { applyTariffPage, ocpiItem, type PageContext, queueLocationPage } from './apply-page.js';
import { registerSource } from './handshake.js';
import { PendingPages } from './pending-pages.js';
import { finishRun, type RunCounters, type RunStatus, startRun, zeroCounters } from './run-record.js';
import { loadSourceState, type SourceState, saveDiscovery, tokenFor } from './source-state.js';
import type { OcpiSourceConfig } from './sources-file.js';

export type SyncMode = 'auto' | 'full' | 'incremental';

export interface SyncDeps {
  db: Db;
  client: OcpiClient;
  clock: () => Date;
  log: Logger;
  /** Our public base URL, announced in a credentials handshake (ATLAS_PUBLIC_URL). */
  publicUrl?: string;
  /** Called after each written batch of pages (wakes live status streams). */
  notify?: () => void;
  /**
   * Rows of location pages held to a transaction (ATLAS_SYNC_BATCH_ROWS; pending-pages.ts); 0 = a
   * page a transaction. Default: ROW_BUDGET on SQLite, a page a batch on D1.
   */
  batchRows?: number;
}

export interface SyncProgress {
  sourceId: string;
  phase: 'locations' | 'tariffs';
  pages: number;
  records: number;
  /** The module's size as the CPO announced it (X-Total-Count of the latest page); null when not sent. */
  total: number | null;
}

export interface SyncOptions {
  mode?: SyncMode;
  onProgress?: (p: SyncProgress) => void;
  /** Overlap subtracted from the last successful start for date_from (writes are idempotent). */
  overlapSeconds?: number;
}

export interface SyncResult {
  sourceId: string;
  runId: number;
  kind: 'full' | 'incremental';
  status: RunStatus;
  counters: RunCounters;
  error: string | null;
}

/** Whether a run wrote or removed records (a failed run may have written pages before it failed). */
export const changedData = (r: SyncResult) => r.counters.upserted > 0 || r.counters.removed > 0;

/** Full or incremental, and from when: one choice for the node sync and the stepwise Workers sync. */
export function runPlan(mode: SyncMode, state: SourceState, overlapSeconds = 300) {
  const kind: 'full' | 'incremental' =
    mode === 'full' || (mode !== 'incremental' && !state.lastFullSuccessAt) || !state.lastSuccessAt
      ? 'full'
      : 'incremental';
  const dateFrom =
    kind === 'incremental' && state.lastSuccessAt
      ? iso(new Date(Date.parse(state.lastSuccessAt) - overlapSeconds * 1000))
      : null;
  return { kind, dateFrom };
}

export async function syncOcpiSource(
  source: OcpiSourceConfig,
  deps: SyncDeps,
  options: SyncOptions = {},
): Promise<SyncResult> {
  const { db, client, log } = deps;
  const started = deps.clock();
  const state = await loadSourceState(db, source.id);
  const { kind, dateFrom } = runPlan(options.mode ?? 'auto', state, options.overlapSeconds);
  const runId = await startRun(db, source.id, kind, iso(started), dateFrom);
  const counters = zeroCounters();
  const secrets = [source.token, source.push_token, state.tokenC];
  const statsBefore = { ...client.stats };
  const runLog = log.child({ source: source.id, run: runId, kind });
  runLog.info({ date_from: dateFrom }, 'sync started');
  const run: Run = {
    source,
    deps,
    options,
    runId,
    counters,
    version: null,
    ctx: { db, sourceId: source.id, runId, now: iso(started), counters, seen: new Map() },
    syncCounters: () => {
      counters.requests = client.stats.requests - statsBefore.requests;
      counters.retries = client.stats.retries - statsBefore.retries;
    },
  };
  try {
    const token =
      source.register && !state.tokenC
        ? await registerSource(db, source, client, deps.publicUrl, iso(started))
        : tokenFor(source, state);
    secrets.push(token);
    const found = await discoverSource(run, token, state, iso(started));
    const pull = {
      token,
      tokenEncoding: found.tokenEncoding,
      version: found.version,
      dateFrom: dateFrom ?? undefined,
      limit: source.page_size,
    };
    const { locationsSeen } = await pullModules(run, found, pull);
    const note =
      kind === 'full' ? await fullPullRemovals(run, locationsSeen, Boolean(found.endpoints.tariffs)) : null;
    if (note) runLog.warn({ reason: note }, 'full pull held back as suspect');
    return await finishedRun(run, runLog, kind, iso(started), note);
  } catch (err) {
    return failedRun(run, runLog, kind, redact(messageOf(err), secrets));
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Flags what a full pull no longer lists, unless that looks like a broken feed (the note says why). */
function fullPullRemovals(
  run: Run,
  locationsSeen: Parameters<typeof applyFullPullRemovals>[4],
  hasTariffs: boolean,
) {
  const { source, deps, runId, counters } = run;
  return applyFullPullRemovals(
    deps.db,
    source.id,
    source.suspect_ratio,
    runId,
    locationsSeen,
    hasTariffs,
    iso(deps.clock()),
    counters,
  );
}

async function finishedRun(
  run: Run,
  runLog: Logger,
  kind: 'full' | 'incremental',
  startedAt: string,
  note: string | null,
): Promise<SyncResult> {
  const { deps, runId, counters, source } = run;
  const status: RunStatus = note ? 'suspect' : 'ok';
  run.syncCounters();
  await finishRun(deps.db, runId, status, iso(deps.clock()), counters, run.version, note);
  if (status === 'ok') await markSuccess(deps.db, source.id, kind, startedAt);
  runLog.info({ ...counters, status }, 'sync finished');
  return { sourceId: source.id, runId, kind, status, counters, error: note };
}

async function failedRun(run: Run, runLog: Logger, kind: 'full' | 'incremental', message: string) {
  const { deps, runId, counters, source } = run;
  run.syncCounters();
  // With the disk full even this write may fail: the run is then closed as interrupted by the
  // next run of this source (startRun), and the result below still tells the caller.
  await finishRun(deps.db, runId, 'failed', iso(deps.clock()), counters, run.version, message).catch(
    (e: Error) => runLog.error({ error: e.message }, 'could not record the failed run'),
  );
  runLog.error({ error: message, ...counters }, 'sync failed');
  return { sourceId: source.id, runId, kind, status: 'failed' as const, counters, error: message };
}

/** One run under way: what its steps share. */
interface Run {
  source: OcpiSourceConfig;
  deps: SyncDeps;
  options: SyncOptions;
  runId: number;
  counters: RunCounters;
  /** The version agreed with the CPO, once discovered. */
  version: OcpiVersion | null;
  ctx: PageContext;
  /** Copies the client's request and retry counts since the start into the counters. */
  syncCounters(): void;
}

type Pull = Parameters<typeof pullPages>[1];

async function discoverSource(run: Run, token: string, state: SourceState, now: string): Promise<Discovery> {
  const { source, deps } = run;
  const found = await discover(
    {
      versionsUrl: source.versions_url,
      token,
      version: source.version,
      tokenEncoding: state.tokenEncoding ?? undefined,
    },
    deps.client,
  );
  run.version = found.version;
  await saveDiscovery(deps.db, source.id, found, now);
  if (!found.endpoints.locations)
    throw new Error(`the CPO's ${found.version} details list no locations endpoint`);
  return found;
}

/** Locations, then Tariffs when the CPO has them; resolves with the count of locations seen. */
async function pullModules(run: Run, found: Discovery, pull: Pull): Promise<{ locationsSeen: number }> {
  // 2.1.1 objects carry no owner ids: the party the source is configured for owns them.
  const party = run.source.parties[0];
  const owner = party ? { countryCode: party.country_code, partyId: party.party_id } : undefined;
  const { ctx, deps } = run;
  // Several pages a transaction (pending-pages.ts); the run's counters and live streams move when
  // they commit.
  const pending = new PendingPages(
    deps.db,
    run.counters,
    async () => deps.notify?.(),
    deps.batchRows,
    (after) => [countersStmt(run, after)],
  );
  let pullError: unknown = null;
  try {
    await pullModule(run, 'locations', found.endpoints.locations!, pull, (items) =>
      queueLocationPage(
        items.map((raw) => ocpiItem(raw, (r) => normalizeLocation(r, found.version, owner))),
        ctx,
        pending,
      ),
    );
  } catch (err) {
    pullError = err;
  }
  // A run that fails keeps the pages it took before, as it did with a commit per page (a write
  // that failed already dropped its pages: this is then a no-op).
  try {
    await pending.flush();
  } catch (flushError) {
    if (pullError === null) throw flushError;
    // Both failed: the run's message keeps the cause and says the held pages were not stored.
    throw new Error(
      `${messageOf(pullError)}; the pages taken before it were not stored: ${messageOf(flushError)}`,
    );
  }
  if (pullError !== null) throw pullError;
  const locationsSeen = ctx.seen.size;
  const tariffsUrl = found.endpoints.tariffs;
  if (tariffsUrl) {
    ctx.seen = new Map();
    await pullModule(run, 'tariffs', tariffsUrl, pull, (items) =>
      applyTariffPage(items, (raw) => normalizeTariff(raw, found.version, owner), summarizeTariff, ctx),
    );
  }
  return { locationsSeen };
}

/** Every page of one module, handed to `apply` as it arrives, with the run's counters and progress. */
async function pullModule(
  run: Run,
  phase: SyncProgress['phase'],
  url: string,
  pull: Pull,
  apply: (items: unknown[]) => Promise<void>,
): Promise<void> {
  const { deps, counters } = run;
  let records = 0;
  for await (const page of pullPages(url, pull, deps.client)) {
    run.ctx.now = iso(deps.clock());
    counters.pages++;
    records += page.items.length;
    await apply(page.items);
    // Locations are saved with their commit (pullModules), which may come pages later.
    if (phase !== 'locations') await saveCounters(run);
    const total = page.totalCount;
    run.options.onProgress?.({ sourceId: run.source.id, phase, pages: counters.pages, records, total });
  }
}

/** The run's counters as they are now, into its sync_runs row. */
async function saveCounters(run: Run): Promise<void> {
  await run.deps.db.batch([countersStmt(run, run.counters)]);
}

/** The statement that saves `counters` (the run's, or what they will be) with the client's requests. */
function countersStmt(run: Run, counters: RunCounters): Stmt {
  run.syncCounters();
  const { requests, retries } = run.counters;
  return runCountersStmt(run.deps.db, run.runId, { ...counters, requests, retries }, run.version);
}

/**
 * After a complete full pull, flags (never deletes) what the feed no longer lists. A pull that
 * lists far fewer records than we hold is more likely a broken feed than a mass closure: it is
 * reported as suspect and removes nothing. Returns the reason when suspect.
 */
export async function applyFullPullRemovals(
  db: Db,
  sourceId: string,
  suspectRatio: number,
  runId: number,
  seen: number,
  tariffsPulled: boolean,
  now: string,
  counters: RunCounters,
): Promise<string | null> {
  const holding = await heldLocationCount(db, sourceId);
  if (holding > 0 && seen < holding * suspectRatio) {
    return `full pull listed ${seen} locations but we hold ${holding}: below the suspect ratio ${suspectRatio}, nothing removed`;
  }
  // The unseen are read first so the same batch can refresh their sites' read model.
  const unseen = await unseenLocationPks(db, sourceId, runId);
  const removals = removeUnseenLocationsStmts(db, unseen, sourceId, runId, now);
  const stmts: Stmt[] = [...removals, ...refreshSiteFeaturesStmts({ locationPks: unseen })];
  // A removed location is no longer counted (src/db/counts-changes.ts).
  if (unseen.length > 0) stmts.push(bumpCountsVersionStmt(now));
  // Tariffs vanish only through a full pull of the tariffs module itself (spec §3).
  if (tariffsPulled) stmts.push(removeUnseenTariffsStmt(db, sourceId, runId, now));
  const changes = await db.batch(stmts);
  counters.removed = changes.slice(0, removals.length).reduce((a, b) => a + b, 0);
  return null;
}

async function markSuccess(db: Db, sourceId: string, kind: 'full' | 'incremental', startedAt: string) {
  await db.batch([markSourceSuccessStmt(db, sourceId, kind, startedAt)]);
}
