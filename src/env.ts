// Configuration by environment, parsed once (DESIGN.md "Contracts").
import { z } from 'zod';

/** An IPv4 address or CIDR block, or an IPv6 address (src/api/http/client-address.ts reads them). */
const PROXY_ENTRY = /^(\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)$/;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  ATLAS_DB: z.string().min(1).default('data/atlas.db'),
  ATLAS_SOURCES: z.string().min(1).optional(),
  /** Public base URL of this instance, announced to CPOs in the credentials handshake. */
  ATLAS_PUBLIC_URL: z.url().optional(),
  /** How many sources may sync at the same time. */
  ATLAS_SYNC_CONCURRENCY: z.coerce.number().int().positive().default(2),
  /** Rows of a sync's location pages written to one transaction (src/ingest/pending-pages.ts); 0 = a page each. */
  ATLAS_SYNC_BATCH_ROWS: z.coerce.number().int().min(0).default(28_000),
  /** Seconds after which an EVSE status counts as stale. */
  ATLAS_STALE_AFTER_S: z.coerce.number().int().positive().default(900),
  /** JSON file of site pairs to always or never merge (docs/dedupe.md). */
  ATLAS_DEDUPE_OVERRIDES: z.string().min(1).optional(),
  /** Days raw EVSE status events are kept before they are rolled up into hourly figures. */
  ATLAS_STATUS_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
  /**
   * Let a CPO registering with us name a versions URL on loopback, private or link-local addresses
   * (docs/security.md). Off by default; the demo turns it on for its own loopback CPO.
   */
  ATLAS_OCPI_ALLOW_PRIVATE_TARGETS: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /** Our role towards eMSP clients of the OCPI sender (docs/ocpi-out.md). */
  ATLAS_OCPI_ROLE: z.enum(['NAP', 'HUB']).default('NAP'),
  /** 1: answer token-less OCPI reads (versions, details, sender GETs), rate-limited like the API. */
  ATLAS_OCPI_PUBLIC: z
    .enum(['0', '1', 'false', 'true'])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  /** Requests a client may make at once (the rate limiter's bucket). */
  ATLAS_RATE_LIMIT_BURST: z.coerce.number().int().positive().default(120),
  /** Requests per second a client may sustain. */
  ATLAS_RATE_LIMIT_PER_S: z.coerce.number().positive().default(10),
  /**
   * Worker threads rendering heavy reads (bbox pages, tiles, OGC items, SSE replay pages) off the
   * event loop, each with a read-only connection; statistics get one more of their own. 0:
   * everything in process. Unset: one fewer than the cores (read-workers.ts defaultReadWorkers).
   */
  ATLAS_READ_WORKERS: z.coerce.number().int().min(0).max(16).optional(),
  /** Heavy requests (those above, statistics) one client may have in flight; beyond it 429. */
  ATLAS_HEAVY_PER_CLIENT: z.coerce.number().int().positive().default(8),
  /** A heavy request waiting longer than this (ms) for a worker gets 503 with Retry-After. */
  ATLAS_HEAVY_WAIT_MS: z.coerce.number().int().positive().default(10_000),
  /**
   * Reverse proxies (addresses or IPv4 CIDR blocks, comma-separated) whose client-address header is
   * believed for rate limiting. Empty by default: the socket address counts, the header is ignored.
   */
  ATLAS_TRUST_PROXY: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const entries = s
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      for (const e of entries) {
        if (!PROXY_ENTRY.test(e)) {
          ctx.addIssue({
            code: 'custom',
            message: `${JSON.stringify(e)} is not an address or IPv4 CIDR block`,
          });
        }
      }
      return entries;
    }),
  /** The header those proxies name the client in: X-Forwarded-For (nginx), CF-Connecting-IP (Cloudflare). */
  ATLAS_CLIENT_IP_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'a header name')
    .default('x-forwarded-for')
    .transform((h) => h.toLowerCase()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

export function parseEnv(env: Record<string, string | undefined>): Env {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    // One line naming each variable at fault (the CLI prints it as it is).
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment: ${problems.join('; ')}`);
  }
  return parsed.data;
}
