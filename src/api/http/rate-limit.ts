// A token bucket per client, in memory (per process or isolate: a fair-use guard, not a quota).
import type { RateLimitOptions } from './options.js';

interface Bucket {
  tokens: number;
  at: number;
}

export interface RateDecision {
  allowed: boolean;
  remaining: number;
  /** Seconds until one request is allowed again (when refused). */
  retryAfterS: number;
}

export function createRateLimiter(opts: RateLimitOptions, nowMs: () => number) {
  const buckets = new Map<string, Bucket>();
  const maxClients = opts.maxClients ?? 100_000;
  // After this long without requests a bucket is full again, so forgetting it changes nothing.
  const refillMs = (opts.capacity / opts.refillPerSecond) * 1000;

  function forgetIdle(now: number) {
    for (const [k, b] of buckets) if (now - b.at >= refillMs) buckets.delete(k);
    // Still too many busy clients: drop the oldest (Map iterates in insertion order).
    for (const k of buckets.keys()) {
      if (buckets.size <= maxClients * 0.9) break;
      buckets.delete(k);
    }
  }

  return function take(client: string): RateDecision {
    const now = nowMs();
    let b = buckets.get(client);
    if (!b) {
      if (buckets.size >= maxClients) forgetIdle(now);
      b = { tokens: opts.capacity, at: now };
      buckets.set(client, b);
    } else {
      b.tokens = Math.min(opts.capacity, b.tokens + ((now - b.at) / 1000) * opts.refillPerSecond);
      b.at = now;
    }
    if (b.tokens < 1) {
      return {
        allowed: false,
        remaining: 0,
        retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / opts.refillPerSecond)),
      };
    }
    b.tokens -= 1;
    return { allowed: true, remaining: Math.floor(b.tokens), retryAfterS: 0 };
  };
}
