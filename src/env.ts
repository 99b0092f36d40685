// Configuration by environment, parsed once (DESIGN.md "Contracts").
import { z } from 'zod';

/** An IPv4 address or CIDR block, or an IPv6 address (src/api/http/client-address.ts reads them). */
const PROXY_ENTRY = /^(\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)$/;

/**
 * A whole number written in decimal, from `min` to `max` (the Worker's bindings too). Not
 * z.coerce.number(), which reads an empty value (`PORT=` from an unset variable in a compose file)
 * as 0, a random port, and "0x1F90" or " 80 " as numbers, and whose "expected number, received
 * NaN" does not say what was wrong.
 */
export function wholeNumber(min: number, max?: number) {
  const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
  // A number too: wrangler.toml's [vars] hand an unquoted value to the Worker as one.
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const s = String(v);
    const n = decimal(s);
    if (Number.isInteger(n) && n >= min && n <= (max ?? Number.MAX_SAFE_INTEGER)) return n;
    return invalidNumber(ctx, s, `a whole number ${range}`);
  });
}

/** A number above 0 written in decimal, with a fraction or not (why not z.coerce: wholeNumber). */
function positiveNumber() {
  return z.string().transform((s, ctx) => {
    const n = decimal(s);
    if (n > 0 && n <= Number.MAX_SAFE_INTEGER) return n;
    return invalidNumber(ctx, s, 'a number above 0');
  });
}

/** The number written in decimal (as `1500`, `1.5e3`); NaN for hex, blanks, "Infinity", "". */
function decimal(s: string): number {
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : Number.NaN;
}

/** The issue of a value that is not `what`; an empty one (an unset variable passed on) says so. */
function invalidNumber(ctx: z.RefinementCtx, s: string, what: string): never {
  const message =
    s === '' ? `is empty: unset it for the default, or give ${what}` : `${JSON.stringify(s)} is not ${what}`;
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

/** Days from now that still make a date (JavaScript's dates end 100,000,000 days from 1970). */
export const DATE_RANGE_DAYS = 100_000_000;

/** The longest setTimeout: Node fires a longer one after 1 ms (every heavy request would get 503 at once). */
export const MAX_TIMER_MS = 2_147_483_647;

const envSchema = z.object({
  PORT: wholeNumber(0, 65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  ATLAS_DB: z.string().min(1, 'is empty: unset it for the default data/atlas.db').default('data/atlas.db'),
  ATLAS_SOURCES: z.string().min(1, 'is empty: unset it for the demo source').optional(),
  /** Public base URL of this instance, announced to CPOs in the credentials handshake. */
  ATLAS_PUBLIC_URL: z.url().optional(),
  /** How many sources may sync at the same time. */
  ATLAS_SYNC_CONCURRENCY: wholeNumber(1).default(2),
  /** Rows of a sync's location pages written to one transaction (src/ingest/pending-pages.ts); 0 = a page each. */
  ATLAS_SYNC_BATCH_ROWS: wholeNumber(0).default(28_000),
  /** Seconds after which an EVSE status counts as stale. */
  ATLAS_STALE_AFTER_S: wholeNumber(1, DATE_RANGE_DAYS * 86_400).default(900),
  /** JSON file of site pairs to always or never merge (docs/dedupe.md). */
  ATLAS_DEDUPE_OVERRIDES: z.string().min(1, 'is empty: unset it for none').optional(),
  /** Days raw EVSE status events are kept before they are rolled up into hourly figures. */
  ATLAS_STATUS_RETENTION_DAYS: wholeNumber(1, DATE_RANGE_DAYS).default(30),
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
  ATLAS_RATE_LIMIT_BURST: wholeNumber(1).default(120),
  /** Requests per second a client may sustain. */
  ATLAS_RATE_LIMIT_PER_S: positiveNumber().default(10),
  /**
   * Worker threads rendering heavy reads (bbox pages, tiles, OGC items, SSE replay pages) off the
   * event loop, each with a read-only connection; statistics get one more of their own. 0:
   * everything in process. Unset: one fewer than the cores (read-workers.ts defaultReadWorkers).
   */
  ATLAS_READ_WORKERS: wholeNumber(0, 16).optional(),
  /** Heavy requests (those above, statistics) one client may have in flight; beyond it 429. */
  ATLAS_HEAVY_PER_CLIENT: wholeNumber(1).default(8),
  /** A heavy request waiting longer than this (ms) for a worker gets 503 with Retry-After. */
  ATLAS_HEAVY_WAIT_MS: wholeNumber(1, MAX_TIMER_MS).default(10_000),
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
