// The Worker's bindings, parsed with the same care as the Node environment (src/env.ts): a wrong
// value stops the cron run, and the API answers that it is misconfigured, naming the binding.
import { z } from 'zod';
import type { D1DatabaseLike } from '../db/d1.js';
import { DATE_RANGE_DAYS, MAX_TIMER_MS, wholeNumber } from '../env.js';
import { LOG_LEVELS } from './console-log.js';
import type { AssetsBinding } from './map-assets.js';

/** What wrangler.toml and `wrangler secret put` provide. */
export interface WorkerBindings {
  DB: D1DatabaseLike;
  /** The map page's files (wrangler.toml [assets]); without it /map links files that 404. */
  ASSETS?: AssetsBinding;
  /** The sources file's JSON (same format as ATLAS_SOURCES on Node); a secret when it holds tokens. */
  ATLAS_SOURCES_JSON?: string;
  ATLAS_SYNC_STEPS?: string;
  ATLAS_SYNC_WALL_S?: string;
  ATLAS_PUSH_WALL_S?: string;
  ATLAS_HTTP_RETRIES?: string;
  ATLAS_HTTP_TIMEOUT_MS?: string;
  ATLAS_PUBLIC_URL?: string;
  ATLAS_STALE_AFTER_S?: string;
  ATLAS_STATUS_RETENTION_DAYS?: string;
  LOG_LEVEL?: string;
  // ATLAS_TOKEN_<ID> / ATLAS_PUSH_TOKEN_<ID> secrets are looked up by name (src/workers/sources.ts).
}

const settingsSchema = z.object({
  /** Steps (discovery, one page, closing a run) one cron invocation may do, all sources together. */
  ATLAS_SYNC_STEPS: wholeNumber(1, 500).default(25),
  /** Seconds of wall time after which an invocation starts no new step (Cron Triggers stop at 900). */
  ATLAS_SYNC_WALL_S: wholeNumber(1, 780).default(600),
  /** Seconds of an invocation, after the syncs, spent delivering the push outbox (docs/ocpi-out.md). */
  ATLAS_PUSH_WALL_S: wholeNumber(1, 60).default(30),
  /** Retries per OCPI request within one step; the step itself is retried by later invocations. */
  ATLAS_HTTP_RETRIES: wholeNumber(0, 10).default(2),
  ATLAS_HTTP_TIMEOUT_MS: wholeNumber(1, MAX_TIMER_MS).default(30_000),
  /** Public base URL of this instance, announced to CPOs in the credentials handshake. */
  ATLAS_PUBLIC_URL: z.url().optional(),
  /** Seconds after which an EVSE status counts as stale. */
  ATLAS_STALE_AFTER_S: wholeNumber(1, DATE_RANGE_DAYS * 86_400).default(900),
  /** Days raw EVSE status events are kept before the Cron handler rolls them up into hourly figures. */
  ATLAS_STATUS_RETENTION_DAYS: wholeNumber(1, DATE_RANGE_DAYS).default(30),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

export type WorkerSettings = z.infer<typeof settingsSchema>;

export class WorkerConfigError extends Error {}

export function parseWorkerSettings(env: WorkerBindings): WorkerSettings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new WorkerConfigError(`invalid Worker bindings:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
