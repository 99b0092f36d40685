// THE publication rule: whether a stored location may appear in any public output (API lists and
// single items, stats, dumps, tiles, OGC, the OCPI sender). Every public reader calls
// `publishedSql(alias)` (or uses `PUBLISHED` on alias `l`) rather than writing its own condition:
//
// - the source's operator did not mark it unpublished (OCPI publish = true);
// - we still hold it (removed_at is null) and its life cycle is not `removed` (a decommissioned
//   POI, a location whose EVSEs are all REMOVED: kept and flagged, never served);
// - the source's licence allows republishing (a source without a licence is synced, not served);
// - and so does the record's own licence when it states one (an Open Charge Map POI imported
//   from a NonCommercial provider stays out while the source's other POIs are served).
//
// `licenseAllowsRepublishing` is the same licence test in TypeScript, for values outside SQL
// (site documents, source health, the dump's LICENSE.txt); it lives in model/licenses.ts so that
// dedupe and the importers use it too.
import {
  licenseAllowsRepublishing,
  NOT_REPUBLISHABLE_LICENSES,
  RESTRICTIVE_LICENSE_MARKS,
} from '../../model/licenses.js';

export { licenseAllowsRepublishing, NOT_REPUBLISHABLE_LICENSES };

/** The same test as SQL on a text expression (the marks are constants, never user input). */
export function licenseAllowsSql(expr: string): string {
  const l = `lower(trim(${expr}))`;
  const listed = NOT_REPUBLISHABLE_LICENSES.map((v) => `'${v}'`).join(', ');
  const marks = RESTRICTIVE_LICENSE_MARKS.map((m) => `instr(${l}, '${m}') = 0`).join(' AND ');
  return `(${expr} IS NOT NULL AND ${l} NOT IN (${listed}) AND ${marks})`;
}

/** Ids of the sources whose licence allows republishing. */
export const REPUBLISHABLE_SOURCES = `SELECT id FROM sources WHERE ${licenseAllowsSql('license')}`;

/** A record's own licence, when it states one, must allow republishing too. */
const recordLicenseAllows = (alias: string) =>
  `(${alias}.license IS NULL OR ${licenseAllowsSql(`${alias}.license`)})`;

/** The record-level part: everything but the source's licence (source health counts by it). */
export const publishedRecordSql = (alias: string) =>
  `${alias}.publish = 1 AND ${alias}.removed_at IS NULL AND ${alias}.lifecycle <> 'removed' AND ${recordLicenseAllows(alias)}`;

/**
 * The publication condition on a `locations` alias (see the file comment). The unary `+` keeps the
 * source test off locations_source_seen: without statistics (a deployment's file: nothing runs
 * ANALYZE) the planner took the IN list for an equality on that index and walked every record of
 * the republishable sources in place of the spread, tile or primary-key order (1M-EVSE copy without
 * sqlite_stat1: /v1/sites?status=available&limit=100 5 ms -> 2.6 s, test/db/unanalyzed-plans.test.ts).
 */
export const publishedSql = (alias: string) =>
  `${publishedRecordSql(alias)} AND +${alias}.source_id IN (${REPUBLISHABLE_SOURCES})`;

/** `publishedSql('l')`. */
export const PUBLISHED = publishedSql('l');

/** The record-level part as a plain predicate, for rows already in memory (dedupe, site documents). */
export function recordPublishable(record: {
  publish: boolean;
  lifecycle: string;
  license?: string | null;
}): boolean {
  return (
    record.publish &&
    record.lifecycle !== 'removed' &&
    (record.license == null || licenseAllowsRepublishing(record.license))
  );
}

/**
 * The same rule for a record that is gone (removed by its source or by a full pull, or life cycle
 * `removed`) but was publishable otherwise: what the OCPI sender reports with status REMOVED.
 */
export const publishedButGoneSql = (alias: string) =>
  `${alias}.publish = 1 AND (${alias}.removed_at IS NOT NULL OR ${alias}.lifecycle = 'removed')
   AND ${recordLicenseAllows(alias)} AND ${alias}.source_id IN (${REPUBLISHABLE_SOURCES})`;
