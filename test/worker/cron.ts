// Fires the Worker's Cron handler the way the runtime does (a ScheduledController and an
// ExecutionContext), and reads back what the syncs left in D1.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../src/worker.js';

export async function fireCron(bindings: Cloudflare.Env = env, at = new Date()): Promise<void> {
  const controller = createScheduledController({ scheduledTime: at, cron: '* * * * *' });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, bindings, ctx);
  await waitOnExecutionContext(ctx);
}

export interface RunRow {
  id: number;
  kind: string;
  status: string;
  pages: number;
  requests: number;
  upserted: number;
  unchanged: number;
  removed: number;
  quarantined: number;
  duplicates: number;
  tariffs_upserted: number;
  error: string | null;
  cursor: string | null;
}

export async function runs(sourceId: string): Promise<RunRow[]> {
  const { results } = await env.DB.prepare(
    `SELECT id, kind, status, pages, requests, upserted, unchanged, removed, quarantined, duplicates,
       tariffs_upserted, error, cursor FROM sync_runs WHERE source_id = ? ORDER BY id`,
  )
    .bind(sourceId)
    .all<RunRow>();
  return results;
}

/** Fires the trigger until no run of the source is going; returns how many invocations it took. */
export async function syncToCompletion(sourceId: string, maxInvocations = 30): Promise<number> {
  for (let n = 1; n <= maxInvocations; n++) {
    await fireCron();
    const all = await runs(sourceId);
    if (all.length > 0 && all.every((r) => r.status !== 'running')) return n;
  }
  throw new Error(`the sync of ${sourceId} did not finish within ${maxInvocations} invocations`);
}

export async function count(sql: string, ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
