// Group commit for pushes: the statement batches of pushes that arrive together are written in one
// transaction, each push still all-or-nothing. A CPO pushing status changes over many connections
// then pays for one commit per group instead of one per PATCH (measured in scripts/bench/push.ts).
// Should the group's transaction fail, its pushes are retried one by one, so only the push at
// fault fails.

import { bumpDataVersionStmt } from '../../db/queries/data-version.js';
import type { Db, Stmt } from '../../db/types.js';
import { mergeSiteRefreshes } from '../../db/write-site-features.js';

interface Pending {
  stmts: Stmt[];
  resolve: (changes: number[]) => void;
  reject: (err: unknown) => void;
}

export interface WriteQueue {
  /** Resolves, with the rows changed per statement, once `stmts` are committed (with whatever else waited). */
  write(db: Db, stmts: Stmt[]): Promise<number[]>;
}

/** Pushes per transaction: bounds a group's size on D1 and its latency everywhere. */
const MAX_GROUP = 256;

export function createWriteQueue(): WriteQueue {
  const waiting = new Map<Db, Pending[]>();

  async function flush(db: Db): Promise<void> {
    const group = waiting.get(db) ?? [];
    waiting.delete(db);
    for (let i = 0; i < group.length; i += MAX_GROUP) {
      const part = group.slice(i, i + MAX_GROUP);
      try {
        // Pushes change what the API serves outside sync runs: one data-version bump per commit,
        // and one read-model refresh for all the sites the group touched (status PATCHes come in
        // bursts per site; measured in scripts/bench/push.ts).
        const { stmts, slots } = mergeSiteRefreshes(part.map((p) => p.stmts));
        const changes = await db.batch([...stmts, bumpDataVersionStmt(new Date().toISOString())]);
        part.forEach((p, k) => {
          p.resolve(slots[k]!.map((at) => (at < 0 ? 0 : changes[at]!)));
        });
      } catch {
        for (const p of part) {
          try {
            p.resolve(await db.batch([...p.stmts, bumpDataVersionStmt(new Date().toISOString())]));
          } catch (err) {
            p.reject(err);
          }
        }
      }
    }
  }

  return {
    write(db, stmts) {
      // On Workers each request is its own I/O context: a commit made in one request may not settle
      // another's promises, and D1 is one network round trip per batch anyway. No grouping there.
      if (db.kind !== 'sqlite') return db.batch([...stmts, bumpDataVersionStmt(new Date().toISOString())]);
      return new Promise<number[]>((resolve, reject) => {
        const group = waiting.get(db);
        if (group) {
          group.push({ stmts, resolve, reject });
          return;
        }
        waiting.set(db, [{ stmts, resolve, reject }]);
        // A macrotask, not a microtask: lets the other requests already read off the sockets join.
        setTimeout(() => void flush(db), 0);
      });
    },
  };
}
