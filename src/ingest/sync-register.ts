// One sync run of an open register (OCM, BNetzA, IRVE, AFDC): the whole file is read, imported in
// chunks, and, being a full snapshot, may flag records it no longer lists (unless suspect).
import { markSourceSuccessStmt } from '../db/queries/sync-runs.js';
import type { Db } from '../db/types.js';
import type { Logger } from '../log.js';
import { iso } from '../model/iso-time.js';
import { applyLocationPage, type PageContext, type PageItem } from './apply-page.js';
import { parseRegister } from './registers/index.js';
import { quarantineVerdict } from './registers/run-verdict.js';
import { finishRun, type RunStatus, startRun, zeroCounters } from './run-record.js';
import type { RegisterSourceConfig } from './sources-file.js';
import type { SyncProgress, SyncResult } from './sync-source.js';
import { applyFullPullRemovals } from './sync-source.js';

const CHUNK = 200;

function mostCommon(counts: Map<string, number>): string | null {
  let best: [string, number] | null = null;
  for (const entry of counts) if (best === null || entry[1] > best[1]) best = entry;
  return best ? `most often "${best[0]}" (${best[1]} times)` : null;
}
const SUSPECT_RATIO = 0.5;

export interface RegisterSyncDeps {
  db: Db;
  clock: () => Date;
  log: Logger;
  /** `encoding`: a WHATWG label, when the source names one (mapped registers). */
  readText: (pathOrUrl: string, encoding?: string) => Promise<string>;
}

export async function syncRegisterSource(
  source: RegisterSourceConfig,
  deps: RegisterSyncDeps,
  options: { onProgress?: (p: SyncProgress) => void } = {},
): Promise<SyncResult> {
  const { db } = deps;
  const started = iso(deps.clock());
  const runId = await startRun(db, source.id, 'full', started, null);
  const counters = zeroCounters();
  const ctx: PageContext = { db, sourceId: source.id, runId, now: started, counters, seen: new Map() };
  const log = deps.log.child({ source: source.id, run: runId });
  try {
    const text = await deps.readText(source.url, source.mapping?.format.encoding);
    counters.requests = 1;
    const parsed = parseRegister(source.type, text, source.mapping ? { mapping: source.mapping } : {});
    const reasons = await writeRecords(parsed, ctx, (pages, records) =>
      options.onProgress?.({ sourceId: source.id, phase: 'locations', pages, records, total: null }),
    );
    const failure = quarantineVerdict(
      source.type,
      text,
      parsed.summary,
      source.fail_quarantined_share ?? 1,
      mostCommon(reasons),
    );
    if (failure) throw new Error(failure);
    const verdict = await applyFullPullRemovals(
      db,
      source.id,
      SUSPECT_RATIO,
      runId,
      ctx.seen.size,
      false,
      iso(deps.clock()),
      counters,
    );
    const status: RunStatus = verdict ? 'suspect' : 'ok';
    await finishRun(db, runId, status, iso(deps.clock()), counters, null, verdict);
    if (status === 'ok') {
      await db.batch([markSourceSuccessStmt(db, source.id, 'full', started)]);
    }
    log.info({ ...counters, status }, 'register sync finished');
    return { sourceId: source.id, runId, kind: 'full', status, counters, error: verdict };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await finishRun(db, runId, 'failed', iso(deps.clock()), counters, null, message);
    log.error({ error: message }, 'register sync failed');
    return { sourceId: source.id, runId, kind: 'full', status: 'failed', counters, error: message };
  }
}

/**
 * Writes the parsed records in chunks of CHUNK (one transaction each), quarantining the bad ones;
 * resolves with how often each quarantine reason occurred.
 */
async function writeRecords(
  parsed: ReturnType<typeof parseRegister>,
  ctx: PageContext,
  progress: (pages: number, records: number) => void,
): Promise<Map<string, number>> {
  const reasons = new Map<string, number>();
  let chunk: PageItem[] = [];
  let records = 0;
  const flush = async () => {
    ctx.counters.pages++;
    await applyLocationPage(chunk, ctx);
    records += chunk.length;
    chunk = [];
    progress(ctx.counters.pages, records);
  };
  for (const rec of parsed) {
    if (!rec.ok) {
      const why = `${rec.reason.field}: ${rec.reason.message}`;
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
    }
    chunk.push(
      rec.ok
        ? { ok: true, value: rec.location, refs: rec.externalRefs }
        : { ok: false, reason: rec.reason, recordId: rec.recordId, raw: rec.raw },
    );
    if (chunk.length >= CHUNK) await flush();
  }
  if (chunk.length > 0) await flush();
  return reasons;
}
