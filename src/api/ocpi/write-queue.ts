// Group commit for pushes: the statement lists of pushes that arrive together are written in one
// transaction, each push as if in its own savepoint (Db.batchGroup), so one that fails is undone
// and answered alone while the others commit. A CPO pushing status changes over many connections then pays for one commit
// per group instead of one per PATCH (measured in scripts/bench/push.ts). Every push is answered
// only after the commit that holds it. Should the transaction as a whole fail (a full disk), its
// pushes are retried one by one, so each gets its own answer.

import { aloneCountsStmts, groupCountsStmts } from '../../db/counts-changes.js';
import { bumpDataVersionStmt } from '../../db/queries/data-version.js';
import type { Db, GroupResult, Stmt } from '../../db/types.js';
import { statusOnlyRefresh } from '../../db/write-evse.js';
import { groupRefreshStmts, mergeSiteRefreshes } from '../../db/write-site-features.js';

interface Pending {
  stmts: Stmt[];
  resolve: (changes: number[]) => void;
  reject: (err: unknown) => void;
}

export interface WriteQueue {
  /** Resolves, with the rows changed per statement, once `stmts` are committed (with whatever else waited). */
  write(db: Db, stmts: Stmt[]): Promise<number[]>;
}

/**
 * Pushes per transaction: bounds a group's latency (and the work one failure retries). The bench's
 * 64 connections never fill it; more connections would.
 */
const MAX_GROUP = 512;

/** Node's setImmediate (groups exist on better-sqlite3 only); this core also compiles for Workers. */
const afterIo: (run: () => void) => void =
  (globalThis as { setImmediate?: (run: () => void) => void }).setImmediate ?? ((run) => setTimeout(run, 0));

/** The change counts of a list as its caller wrote it: 0 where a merged site refresh stood. */
const expand = (slots: number[], changes: number[]) => slots.map((at) => (at < 0 ? 0 : changes[at]!));

/** One push alone, in its own transaction (D1; the fallback when a group's transaction fails). */
async function writeAlone(db: Db, stmts: Stmt[]): Promise<number[]> {
  const now = new Date().toISOString();
  const counts = aloneCountsStmts(stmts, now);
  const changes = await db.batch([...counts.before, ...stmts, ...counts.after, bumpDataVersionStmt(now)]);
  // The caller's statements' change counts, as it numbers them.
  return changes.slice(counts.before.length, counts.before.length + stmts.length);
}

async function commitGroup(db: Db, part: Pending[]): Promise<void> {
  // Pushes change what the API serves outside sync runs: one data-version bump per commit (and a
  // counts' bump when a push may have changed a count: counts-changes.ts), and one read-model
  // refresh for all the sites the group touched (status PATCHes come in bursts per site), of their
  // status columns only where the group's writes to them were status changes that kept their EVSE
  // set (known once the lists have run).
  const { lists, slots, targets } = mergeSiteRefreshes(part.map((p) => p.stmts));
  const tail = (results: GroupResult[]) => {
    const now = new Date().toISOString();
    return [
      ...groupRefreshStmts(
        targets,
        results.map((r, k) => (r.ok ? statusOnlyRefresh(lists[k]!, r.changes) : null)),
      ),
      ...groupCountsStmts(lists, results, now),
      bumpDataVersionStmt(now),
    ];
  };
  try {
    const done = await db.batchGroup!(lists, tail);
    part.forEach((p, k) => {
      const r = done.results[k]!;
      if (r.ok) p.resolve(expand(slots[k]!, r.changes));
      else p.reject(r.error);
    });
  } catch {
    for (const p of part) await writeAlone(db, p.stmts).then(p.resolve, p.reject);
  }
}

export function createWriteQueue(): WriteQueue {
  const waiting = new Map<Db, Pending[]>();

  async function flush(db: Db): Promise<void> {
    const group = waiting.get(db) ?? [];
    waiting.delete(db);
    for (let i = 0; i < group.length; i += MAX_GROUP) await commitGroup(db, group.slice(i, i + MAX_GROUP));
  }

  return {
    write(db, stmts) {
      // On Workers each request is its own I/O context: a commit made in one request may not settle
      // another's promises, and D1 is one network round trip per batch anyway. No grouping there.
      if (!db.batchGroup) return writeAlone(db, stmts);
      return new Promise<number[]>((resolve, reject) => {
        const group = waiting.get(db);
        if (group) {
          group.push({ stmts, resolve, reject });
          return;
        }
        waiting.set(db, [{ stmts, resolve, reject }]);
        // After the current I/O phase, not in a microtask: the requests read off the sockets in that
        // phase join. Not a timer either: setTimeout(0) waits at least 1 ms, during which a server
        // whose clients all wait for their answers sat idle (push bench: 3,151 -> 4,899 PATCHes/s).
        afterIo(() => void flush(db));
      });
    },
  };
}
