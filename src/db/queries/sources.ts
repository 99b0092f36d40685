// Source health: the sources table joined with their latest runs and quarantine counts. No
// token lives in these tables (secrets are in source_secrets, never selected here).
import type { Db } from '../types.js';
import { licenseAllowsSql, publishedRecordSql } from './publication.js';

export interface SourceRow {
  id: string;
  name: string;
  type: string;
  license: string | null;
  attribution: string | null;
  enabled: number;
  version: string | null;
  token_encoding: string | null;
  token_encoding_note: string | null;
  last_success_at: string | null;
  last_full_success_at: string | null;
}

export interface SyncRunRow {
  id: number;
  source_id: string;
  kind: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  version: string | null;
  date_from: string | null;
  pages: number;
  requests: number;
  retries: number;
  upserted: number;
  unchanged: number;
  removed: number;
  quarantined: number;
  duplicates: number;
  warnings: number;
  tariffs_upserted: number;
  error: string | null;
}

const SOURCE_COLUMNS = `id, name, type, license, attribution, enabled, version, token_encoding,
  token_encoding_note, last_success_at, last_full_success_at`;

export async function listSources(db: Db): Promise<SourceRow[]> {
  return db.all<SourceRow>(`SELECT ${SOURCE_COLUMNS} FROM sources ORDER BY id`);
}

export async function getSource(db: Db, id: string): Promise<SourceRow | undefined> {
  return db.get<SourceRow>(`SELECT ${SOURCE_COLUMNS} FROM sources WHERE id = ?`, [id]);
}

export async function latestRuns(db: Db, sourceId: string, limit: number): Promise<SyncRunRow[]> {
  return db.all<SyncRunRow>(
    `SELECT id, source_id, kind, status, started_at, finished_at, version, date_from, pages, requests, retries,
       upserted, unchanged, removed, quarantined, duplicates, warnings, tariffs_upserted, error
     FROM sync_runs WHERE source_id = ? ORDER BY id DESC LIMIT ?`,
    [sourceId, limit],
  );
}

export interface SourceCounts {
  locations: number;
  published_locations: number;
  removed_locations: number;
  /** Held with lifecycle `removed` (decommissioned): kept, never published. */
  decommissioned_locations: number;
  /** Held, but their own licence forbids republishing (e.g. an OCM POI from a NonCommercial provider). */
  license_withheld_locations: number;
  evses: number;
  tariffs: number;
  quarantined: number;
  warnings: number;
}

export async function sourceCounts(db: Db, sourceId: string): Promise<SourceCounts> {
  const row = await db.get<SourceCounts>(
    `SELECT
       (SELECT count(*) FROM locations WHERE source_id = ? AND removed_at IS NULL) AS locations,
       (SELECT count(*) FROM locations l WHERE l.source_id = ? AND ${publishedRecordSql('l')}) AS published_locations,
       (SELECT count(*) FROM locations WHERE source_id = ? AND removed_at IS NOT NULL) AS removed_locations,
       (SELECT count(*) FROM locations WHERE source_id = ? AND removed_at IS NULL AND lifecycle = 'removed')
         AS decommissioned_locations,
       (SELECT count(*) FROM locations l WHERE l.source_id = ? AND l.removed_at IS NULL
          AND NOT ${licenseAllowsSql('l.license')} AND l.license IS NOT NULL) AS license_withheld_locations,
       (SELECT count(*) FROM evses e JOIN locations l ON l.pk = e.location_pk
          WHERE l.source_id = ? AND e.removed_at IS NULL AND l.removed_at IS NULL) AS evses,
       (SELECT count(*) FROM tariffs WHERE source_id = ? AND removed_at IS NULL) AS tariffs,
       (SELECT count(*) FROM quarantine WHERE source_id = ?) AS quarantined,
       (SELECT coalesce(sum(json_array_length(warnings)), 0) FROM locations
          WHERE source_id = ? AND removed_at IS NULL) AS warnings`,
    Array(9).fill(sourceId),
  );
  return row!;
}

/** Data-quality warnings of a source's records, counted by field and rule. */
export async function warningCounts(
  db: Db,
  sourceId: string,
): Promise<{ field: string; rule: string; count: number }[]> {
  return db.all(
    `SELECT json_extract(w.value, '$.field') AS field, json_extract(w.value, '$.rule') AS rule, count(*) AS count
     FROM locations l, json_each(l.warnings) w
     WHERE l.source_id = ? AND l.removed_at IS NULL GROUP BY 1, 2 ORDER BY count DESC`,
    [sourceId],
  );
}

export interface QuarantineRow {
  id: number;
  run_id: number | null;
  object_type: string;
  record_id: string | null;
  field: string;
  rule: string;
  message: string;
  raw: string;
  created_at: string;
}

export async function quarantineOf(
  db: Db,
  sourceId: string,
  afterId: number,
  limit: number,
): Promise<QuarantineRow[]> {
  return db.all<QuarantineRow>(
    `SELECT id, run_id, object_type, record_id, field, rule, message, raw, created_at
     FROM quarantine WHERE source_id = ? AND id > ? ORDER BY id LIMIT ?`,
    [sourceId, afterId, limit],
  );
}
