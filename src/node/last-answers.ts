// Statistics while their worker is busy computing them. The statistics worker answers /v1/stats
// from its freshness cache in milliseconds (fresh-for.ts), but a refresh holds its thread for the
// whole computation (16-17 s of CPU on 1M EVSEs before session 16, 7-8 s since, in the stats bench; 44-90 s of wall time on a loaded machine before; a minute apart), and every statistics request meanwhile
// waited ATLAS_HEAVY_WAIT_MS for a 503 `busy`. The event loop keeps the last answer to each such
// request instead, and serves it when the worker has not answered within a second: the same
// bytes the worker's cache would have given a moment earlier, with an `Age` header saying how old.
// A server may start with the answers its predecessor kept (answer-file.ts).
import type { OffloadedAnswer } from '../api/http/options.js';

interface Kept {
  answer: OffloadedAnswer;
  /** When it was rendered (ms since the epoch by the clock, `nowMs`). */
  at: number;
}

/** A kept answer as handed out to be saved, or given back at a start. */
export interface KeptAnswer extends Kept {
  key: string;
}

export interface LastAnswerOptions {
  /** How long a request waits for the worker before an earlier answer is served instead. */
  patienceMs: number;
  /** Answers kept (distinct statistics queries); the oldest goes first. */
  maxKeys: number;
  /** Only answers up to this size are kept (statistics are a few KB; an operators page more). */
  maxBytes: number;
  nowMs?: () => number;
  /** Answers kept by an earlier server, still standing for the data (answer-file.ts). */
  restored?: KeptAnswer[];
  /** Called with every kept answer whenever the set changes (to save them for the next start). */
  onChange?: (answers: KeptAnswer[]) => void;
}

export const DEFAULT_LAST_ANSWERS: LastAnswerOptions = { patienceMs: 1_000, maxKeys: 64, maxBytes: 1 << 20 };

export class LastAnswers {
  private readonly kept = new Map<string, Kept>();
  private readonly now: () => number;

  constructor(private readonly opts: LastAnswerOptions = DEFAULT_LAST_ANSWERS) {
    this.now = opts.nowMs ?? Date.now;
    for (const r of opts.restored?.slice(-opts.maxKeys) ?? [])
      this.kept.set(r.key, { answer: r.answer, at: r.at });
  }

  /**
   * `pending`'s answer if it comes within the patience, else the last answer to `key` when there
   * is one (then `pending`'s answer, when it comes, is kept for the next request and its lent body
   * given back). Every 200 that comes is kept, copied out of memory lent by the worker.
   */
  serve(key: string, pending: Promise<OffloadedAnswer>): Promise<OffloadedAnswer> {
    return new Promise((resolve, reject) => {
      // Whichever comes first answers; `settled` decides it in one turn, so a lent body that
      // arrives after an earlier answer went out is always given back.
      let settled = false;
      const timer = this.kept.has(key)
        ? setTimeout(() => {
            const e = this.earlier(key);
            if (e && !settled) {
              settled = true;
              resolve(e);
            }
          }, this.opts.patienceMs)
        : undefined;
      pending.then(
        (a) => {
          clearTimeout(timer);
          this.keep(key, a);
          if (settled) a.release?.();
          else {
            settled = true;
            resolve(a);
          }
        },
        (err: unknown) => {
          clearTimeout(timer);
          if (!settled) {
            settled = true;
            reject(err);
          }
        },
      );
    });
  }

  /** Forgets every answer: they no longer stand for the data (the server's first sync). */
  clear(): void {
    this.kept.clear();
    this.changed();
  }

  /** The last answer to `key` with its age, or null: for a request refused before it waited. */
  earlier(key: string): OffloadedAnswer | null {
    const k = this.kept.get(key);
    if (!k) return null;
    const age = Math.max(0, Math.floor((this.now() - k.at) / 1000));
    return { ...k.answer, headers: { ...k.answer.headers, age: String(age) } };
  }

  private keep(key: string, a: OffloadedAnswer): void {
    if (a.status !== 200 || !a.body || a.body.byteLength > this.opts.maxBytes) return;
    const before = this.kept.get(key);
    this.kept.delete(key);
    // The same bytes again (the worker's minute-fresh copy): they are as old as when they first
    // came, and nothing changed that is worth saving. Only their place among the newest keys moves.
    if (before?.answer.body && Buffer.from(before.answer.body).equals(a.body)) {
      this.kept.set(key, before);
      return;
    }
    if (this.kept.size >= this.opts.maxKeys) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(key, {
      // A copy: a lent body is a Buffer over the pool, and Buffer's slice() is a view.
      answer: { status: a.status, headers: a.headers, body: new Uint8Array(a.body) },
      at: this.now(),
    });
    this.changed();
  }

  private changed(): void {
    this.opts.onChange?.([...this.kept].map(([key, k]) => ({ key, ...k })));
  }
}
