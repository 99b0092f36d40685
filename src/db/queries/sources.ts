// Source health: the sources table joined with their latest runs and quarantine counts. No
// token lives in these tables (secrets are in source_secrets, never selected here).
import { desc, eq } from 'drizzle-orm';
import { sources, syncRuns } from '../schema.js';
import type { Db } from '../types.js';
import { licenseAllowsSql, publishedRecordSql } from './publication.js';

/** Source health columns in the API's snake_case; row types come from the schema, not by hand. */
const SOURCE_COLUMNS = {
  id: sources.id,
  name: sources.name,
  type: sources.type,
  license: sources.license,
  attribution: sources.attribution,
  enabled: sources.enabled,
  version: sources.version,
  token_encoding: sources.tokenEncoding,
  token_encoding_note: sources.tokenEncodingNote,
  last_success_at: sources.lastSuccessAt,
  last_full_success_at: sources.lastFullSuccessAt,
};

const RUN_COLUMNS = {
  id: syncRuns.id,
  source_id: syncRuns.sourceId,
  kind: syncRuns.kind,
  status: syncRuns.status,
  started_at: syncRuns.startedAt,
  finished_at: syncRuns.finishedAt,
  version: syncRuns.version,
  date_from: syncRuns.dateFrom,
  pages: syncRuns.pages,
  requests: syncRuns.requests,
  retries: syncRuns.retries,
  upserted: syncRuns.upserted,
  unchanged: syncRuns.unchanged,
  removed: syncRuns.removed,
  quarantined: syncRuns.quarantined,
  duplicates: syncRuns.duplicates,
  warnings: syncRuns.warnings,
  tariffs_upserted: syncRuns.tariffsUpserted,
  error: syncRuns.error,
};

export type SourceRow = Awaited<ReturnType<typeof listSources>>[number];
export type SyncRunRow = Awaited<ReturnType<typeof latestRuns>>[number];

export async function listSources(db: Db) {
  return db.orm.select(SOURCE_COLUMNS).from(sources).orderBy(sources.id);
}

export async function getSource(db: Db, id: string): Promise<SourceRow | undefined> {
  const [row] = await db.orm.select(SOURCE_COLUMNS).from(sources).where(eq(sources.id, id));
  return row;
}

export async function latestRuns(db: Db, sourceId: string, limit: number) {
  return db.orm
    .select(RUN_COLUMNS)
    .from(syncRuns)
    .where(eq(syncRuns.sourceId, sourceId))
    .orderBy(desc(syncRuns.id))
    .limit(limit);
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
