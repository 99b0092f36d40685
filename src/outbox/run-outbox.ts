// The outbox loop: wakes on a short poll (pulls by another process commit outside our sight) and at
// once when this process applied a change, and drains each client's rows, clients in parallel,
// each client strictly in order. A failed delivery parks that client (backoff, doubled per failure)
// and leaves its rows where they are; the others go on.
import type { OcpiClientRow } from '../db/queries/ocpi-clients.js';
import type { Db } from '../db/types.js';
import type { Logger } from '../log.js';
import type { OcpiClient } from '../ocpi/client/http.js';
import { deliverRow, type OutboxRow, targetOf } from './deliver.js';

export interface OutboxOptions {
  db: Db;
  /** One attempt per request: retries are the outbox's own (backoff per client). */
  client: OcpiClient;
  log: Logger;
  clock?: () => Date;
  /** How often the queue is looked at without a wake-up. Default 250 ms. */
  pollMs?: number;
  /** Rows read per round. Default 200. */
  batch?: number;
  /** First retry delay after a failure, doubled per further failure up to backoffMaxMs. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export interface Outbox {
  /** Look at the queue now (after a commit that may have queued pushes). */
  wake(): void;
  /** Delivers until every client is empty or parked; resolves with the rows handled. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

const iso = (d: Date) => d.toISOString();

export function startOutbox(opts: OutboxOptions): Outbox {
  const { db, log } = opts;
  const clock = opts.clock ?? (() => new Date());
  const batch = opts.batch ?? 200;
  const base = opts.backoffBaseMs ?? 1_000;
  const max = opts.backoffMaxMs ?? 300_000;
  const busy = new Map<string, Promise<number>>();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function deliverClient(clientId: string): Promise<number> {
    let handled = 0;
    while (!stopped) {
      const row = await db.get<OcpiClientRow>(
        'SELECT * FROM ocpi_clients WHERE id = ? AND revoked_at IS NULL',
        [clientId],
      );
      if (!row) return handled;
      if (row.retry_at !== null && row.retry_at > iso(clock())) return handled;
      const rows = await db.all<OutboxRow>(
        'SELECT * FROM ocpi_outbox WHERE client_id = ? ORDER BY id LIMIT ?',
        [clientId, batch],
      );
      if (rows.length === 0) return handled;
      const target = targetOf(row, opts.client);
      for (const r of rows) {
        if (stopped) return handled;
        const outcome = await deliverRow(db, target, r, log);
        if (!outcome.done) {
          await park(row, outcome.error);
          return handled;
        }
        handled++;
        await acknowledge(row, r, outcome.upTo);
        // Later rows of this object up to upTo went with it: read the queue afresh.
        if (outcome.upTo !== undefined && outcome.upTo > r.id) break;
      }
      if (row.failures > 0) await db.batch([resetFailures(clientId)]);
    }
    return handled;
  }

  function acknowledge(client: OcpiClientRow, r: OutboxRow, upTo?: number) {
    const stmts = [
      upTo === undefined
        ? { sql: 'DELETE FROM ocpi_outbox WHERE id = ?', params: [r.id] }
        : {
            sql: 'DELETE FROM ocpi_outbox WHERE client_id = ? AND object_pk = ? AND id <= ?',
            params: [client.id, r.object_pk, upTo],
          },
      { sql: 'UPDATE ocpi_clients SET delivered_at = ? WHERE id = ?', params: [iso(clock()), client.id] },
    ];
    return db.batch(stmts);
  }

  const resetFailures = (clientId: string) => ({
    sql: 'UPDATE ocpi_clients SET failures = 0, retry_at = NULL, last_error = NULL WHERE id = ?',
    params: [clientId],
  });

  async function park(client: OcpiClientRow, error: string) {
    const failures = client.failures + 1;
    const delay = Math.min(max, base * 2 ** Math.min(failures - 1, 30));
    const retryAt = new Date(clock().getTime() + delay);
    log.warn({ client: client.id, failures, retry_in_ms: delay, reason: error }, 'push delivery failed');
    await db.batch([
      {
        sql: 'UPDATE ocpi_clients SET failures = ?, retry_at = ?, last_error = ? WHERE id = ?',
        params: [failures, iso(retryAt), error.slice(0, 500), client.id],
      },
    ]);
  }

  async function round(): Promise<number> {
    const due = await db.all<{ client_id: string }>(
      `SELECT DISTINCT o.client_id FROM ocpi_outbox o JOIN ocpi_clients c ON c.id = o.client_id
       WHERE c.revoked_at IS NULL AND (c.retry_at IS NULL OR c.retry_at <= ?)`,
      [iso(clock())],
    );
    const runs = due.map(({ client_id }) => {
      let run = busy.get(client_id);
      if (!run) {
        run = deliverClient(client_id).finally(() => busy.delete(client_id));
        busy.set(client_id, run);
      }
      return run;
    });
    return (await Promise.all(runs)).reduce((a, b) => a + b, 0);
  }

  let running: Promise<unknown> | null = null;
  let again = false;
  function tick() {
    if (stopped || running) return;
    clearTimeout(timer);
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
      clearTimeout(timer);
      await running?.catch(() => undefined);
      await Promise.all(busy.values()).catch(() => undefined);
    },
  };
}
