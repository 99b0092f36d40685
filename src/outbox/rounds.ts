// One delivery round of the push outbox (docs/ocpi-out.md): each client with rows due is drained,
// clients in parallel, each client strictly in id order. A failed delivery parks that client
// (backoff, doubled per failure) and leaves its rows where they are; the others go on. The Node
// loop (run-outbox.ts) runs rounds on wake-ups and a poll; the Worker runs them from its Cron Trigger.
import { liveClient, type OcpiClientRow } from '../db/queries/ocpi-clients.js';
import {
  acknowledgeStmts,
  clientsDue,
  parkClientStmt,
  queuedRows,
  resetFailuresStmt,
} from '../db/queries/ocpi-outbox.js';
import type { Db } from '../db/types.js';
import type { Logger } from '../log.js';
import type { OcpiClient } from '../ocpi/client/http.js';
import { deliverRow, targetOf } from './deliver.js';

export interface RoundOptions {
  db: Db;
  /** One attempt per request: retries are the outbox's own (backoff per client). */
  client: OcpiClient;
  log: Logger;
  clock?: () => Date;
  /** Rows read per query. Default 200. */
  batch?: number;
  /** First retry delay after a failure, doubled per further failure up to backoffMaxMs. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export interface Rounds {
  /** Delivers what is due now; resolves with the rows handled. */
  round(): Promise<number>;
  /** No further request is started; resolves when the ones under way are done. */
  halt(): Promise<void>;
}

// Times keep their milliseconds here (not model/iso-time's seconds): backoffs start at 1 s and tests
// run them at a few ms.
export function outboxRounds(opts: RoundOptions): Rounds {
  const { db } = opts;
  const clock = opts.clock ?? (() => new Date());
  const busy = new Map<string, Promise<number>>();
  const flag = { stopped: false };

  async function round(): Promise<number> {
    const due = await clientsDue(db, clock().toISOString());
    const runs = due.map((client_id) => {
      let run = busy.get(client_id);
      if (!run) {
        run = deliverClient(opts, clock, flag, client_id).finally(() => busy.delete(client_id));
        busy.set(client_id, run);
      }
      return run;
    });
    return (await Promise.all(runs)).reduce((a, b) => a + b, 0);
  }

  return {
    round,
    async halt() {
      flag.stopped = true;
      await Promise.all(busy.values()).catch(() => undefined);
    },
  };
}

/** Delivers one client's rows in id order until its queue is empty, it fails (parked) or we stop. */
async function deliverClient(
  opts: RoundOptions,
  clock: () => Date,
  flag: { stopped: boolean },
  clientId: string,
): Promise<number> {
  const { db, log } = opts;
  let handled = 0;
  while (!flag.stopped) {
    const row = await liveClient(db, clientId);
    if (!row) return handled;
    if (row.retry_at !== null && row.retry_at > clock().toISOString()) return handled;
    const rows = await queuedRows(db, clientId, opts.batch ?? 200);
    if (rows.length === 0) return handled;
    const target = targetOf(row, opts.client);
    for (const r of rows) {
      if (flag.stopped) return handled;
      const outcome = await deliverRow(db, target, r, log);
      if (!outcome.done) {
        await park(opts, clock, row, outcome.error);
        return handled;
      }
      handled++;
      await db.batch(acknowledgeStmts(r, outcome.upTo, clock().toISOString()));
      // Later rows of this object up to upTo went with it: read the queue afresh.
      if (outcome.upTo !== undefined && outcome.upTo > r.id) break;
    }
    if (row.failures > 0) await db.batch([resetFailuresStmt(clientId)]);
  }
  return handled;
}

async function park(opts: RoundOptions, clock: () => Date, client: OcpiClientRow, error: string) {
  const failures = client.failures + 1;
  const base = opts.backoffBaseMs ?? 1_000;
  const delay = Math.min(opts.backoffMaxMs ?? 300_000, base * 2 ** Math.min(failures - 1, 30));
  const retryAt = new Date(clock().getTime() + delay);
  opts.log.warn({ client: client.id, failures, retry_in_ms: delay, reason: error }, 'push delivery failed');
  await opts.db.batch([parkClientStmt(client.id, failures, retryAt.toISOString(), error)]);
}
