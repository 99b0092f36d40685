// The per-record statements and lookups of a pulled page (src/ingest/apply-page.ts): what we hold of
// the page's records, and the quarantine, reference and "seen in this run" writes beside the
// location and tariff writes (src/db/write-*.ts).
//
// Raw SQL on purpose: these run once per record of a full sync (bench `sync`, 210k EVSEs), where
// building each statement with the query builder costs more than the write it describes.
import type { ExternalRef, QuarantineReason } from '../../model/types.js';
import type { Db, Stmt } from '../types.js';

const INSERT_QUARANTINE = `INSERT INTO quarantine (source_id, run_id, object_type, record_id, field, rule, message, raw,
  created_at) VALUES (?,?,?,?,?,?,?,?,?)`;

export interface QuarantineRow {
  sourceId: string;
  runId: number;
  now: string;
  objectType: 'location' | 'tariff';
  recordId: string | null;
  reason: QuarantineReason;
  raw: unknown;
}

/** A record kept out, with its reason and the raw object as received (for source health). */
export function quarantineRowStmt(q: QuarantineRow): Stmt {
  return {
    sql: INSERT_QUARANTINE,
    params: [
      q.sourceId,
      q.runId,
      q.objectType,
      q.recordId,
      q.reason.field,
      q.reason.rule,
      q.reason.message,
      JSON.stringify(q.raw) ?? 'null',
      q.now,
    ],
  };
}

/** A held location the run listed without a valid copy: it is seen (not removed), and kept as held. */
export function keepSeenStmt(runId: number, sourceId: string, ocpiId: string): Stmt {
  return {
    sql: 'UPDATE locations SET last_seen_run = ? WHERE source_id = ? AND ocpi_id = ?',
    params: [runId, sourceId, ocpiId],
  };
}

/** An unchanged tariff the run listed. */
export function touchTariffStmt(runId: number, now: string, pk: string): Stmt {
  return {
    sql: 'UPDATE tariffs SET last_seen_run = ?, synced_at = ? WHERE pk = ?',
    params: [runId, now, pk],
  };
}

const INSERT_REF =
  'INSERT OR IGNORE INTO location_refs (location_pk, kind, value, provider) VALUES (?,?,?,?)';

/**
 * The location's stated references, replacing what it stated before; `fresh`: a location the batch
 * inserts (WriteContext.fresh), which stated none, so nothing is deleted (a statement per location
 * of a first sync, most of which state no references at all).
 */
export function replaceRefsStmts(pk: string, refs: readonly ExternalRef[], fresh = false): Stmt[] {
  const added = refs.map((ref) => ({
    sql: INSERT_REF,
    params: [pk, ref.kind, ref.value, ref.provider ?? null],
  }));
  return fresh ? added : [{ sql: 'DELETE FROM location_refs WHERE location_pk = ?', params: [pk] }, ...added];
}

/** Content hashes of records we already hold (one bound JSON list: D1's parameter limit). */
export async function storedHashes(db: Db, table: 'locations' | 'tariffs', pks: string[]) {
  const out = new Map<string, { hash: string; removed: boolean }>();
  if (pks.length === 0) return out;
  const rows = await db.all<{ pk: string; content_hash: string; removed_at: string | null }>(
    `SELECT pk, content_hash, removed_at FROM ${table} WHERE pk IN (SELECT value FROM json_each(?))`,
    [JSON.stringify(pks)],
  );
  for (const r of rows) out.set(r.pk, { hash: r.content_hash, removed: r.removed_at != null });
  return out;
}

/** Current status of every EVSE of the given locations, in one query. */
export async function heldStatuses(db: Db, locationPks: string[]) {
  const out = new Map<string, { status: string; updatedAt: string | null }>();
  if (locationPks.length === 0) return out;
  const rows = await db.all<{ pk: string; status: string; status_updated_at: string | null }>(
    'SELECT pk, status, status_updated_at FROM evses WHERE location_pk IN (SELECT value FROM json_each(?))',
    [JSON.stringify(locationPks)],
  );
  for (const r of rows) out.set(r.pk, { status: r.status, updatedAt: r.status_updated_at });
  return out;
}
