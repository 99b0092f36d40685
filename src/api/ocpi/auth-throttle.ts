// Failed authentication at /ocpi, per client address: a token bucket that only failures drain, so a
// CPO pushing thousands of valid requests a second is never slowed, while someone trying tokens is
// answered 429 without a lookup after a short burst. And the refusal log line, sampled: one line per
// address and interval, carrying how many refusals it stands for.

export interface FailureThrottleOptions {
  /** Failures an address may have at once before it is refused outright. */
  burst: number;
  /** Failures forgiven per second. */
  perSecond: number;
  /** Addresses tracked at most (the oldest are forgotten first). */
  maxClients: number;
}

export const DEFAULT_FAILURE_THROTTLE: FailureThrottleOptions = {
  burst: 20,
  perSecond: 1,
  maxClients: 10_000,
};

interface Debt {
  failures: number;
  at: number;
}

export type FailureThrottle = ReturnType<typeof createFailureThrottle>;

// Times come from the request's clock (the app's, which tests drive).
export function createFailureThrottle(opts: FailureThrottleOptions) {
  const debts = new Map<string, Debt>();
  const settle = (d: Debt, now: number) => {
    d.failures = Math.max(0, d.failures - ((now - d.at) / 1000) * opts.perSecond);
    d.at = now;
  };
  return {
    /** Whether any address has failed yet: until then every address may go ahead (waitS is 0). */
    tracking(): boolean {
      return debts.size > 0;
    },
    /** Seconds this address must wait before its next attempt counts (0: go ahead). */
    waitS(address: string, now: number): number {
      const d = debts.get(address);
      if (!d) return 0;
      settle(d, now);
      return d.failures < opts.burst
        ? 0
        : Math.max(1, Math.ceil((d.failures - opts.burst + 1) / opts.perSecond));
    },
    failed(address: string, now: number): void {
      let d = debts.get(address);
      if (!d) {
        if (debts.size >= opts.maxClients) debts.delete(debts.keys().next().value!);
        d = { failures: 0, at: now };
        debts.set(address, d);
      }
      settle(d, now);
      d.failures += 1;
    },
  };
}

/** Returns how many events the next line stands for (itself included), or 0 when it is suppressed. */
export function createLogSampler(intervalMs: number) {
  const seen = new Map<string, { at: number; suppressed: number }>();
  return (key: string, now: number): number => {
    const s = seen.get(key);
    if (s && now - s.at < intervalMs) {
      s.suppressed += 1;
      return 0;
    }
    if (seen.size >= 10_000) seen.clear();
    seen.set(key, { at: now, suppressed: 0 });
    return (s?.suppressed ?? 0) + 1;
  };
}
