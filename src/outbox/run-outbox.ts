// The outbox loop on Node: wakes on a short poll (pulls by another process commit outside our
// sight) and at once when this process applied a change, and runs a delivery round (rounds.ts).
import { outboxRounds, type RoundOptions } from './rounds.js';

export interface OutboxOptions extends RoundOptions {
  /** How often the queue is looked at without a wake-up. Default 250 ms. */
  pollMs?: number;
}

export interface Outbox {
  /** Look at the queue now (after a commit that may have queued pushes). */
  wake(): void;
  /** Delivers until every client is empty or parked; resolves with the rows handled. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

/** Rounds until every client is empty or parked, or `maxMs` has passed (a Cron invocation's budget). */
export async function drainOutbox(opts: RoundOptions, maxMs = Number.POSITIVE_INFINITY): Promise<number> {
  const rounds = outboxRounds(opts);
  const started = Date.now();
  const timer = Number.isFinite(maxMs) ? setTimeout(() => void rounds.halt(), maxMs) : undefined;
  let total = 0;
  try {
    for (;;) {
      const n = await rounds.round();
      total += n;
      if (n === 0 || Date.now() - started >= maxMs) return total;
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    await rounds.halt();
  }
}

export function startOutbox(opts: OutboxOptions): Outbox {
  const { log } = opts;
  const rounds = outboxRounds(opts);
  const round = rounds.round;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  let running: Promise<unknown> | null = null;
  let again = false;
  function tick() {
    if (stopped || running) return;
    if (timer !== undefined) clearTimeout(timer);
    running = round()
      .catch((err: Error) => log.error({ err: { message: err.message } }, 'outbox round failed'))
      .finally(() => {
        running = null;
        if (stopped) return;
        if (again) {
          again = false;
          tick();
        } else timer = setTimeout(tick, opts.pollMs ?? 250);
      });
  }
  timer = setTimeout(tick, 0);

  return {
    wake() {
      if (running) again = true;
      else tick();
    },
    async drain() {
      let total = 0;
      for (;;) {
        const n = await round();
        total += n;
        if (n === 0) return total;
      }
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running?.catch(() => undefined);
      await rounds.halt();
    },
  };
}
