// What dedupe writes, as statements for the one batch a run commits: sites, their membership,
// merges, removals and the site events a reader of ids follows.
import { and, eq, isNull, sql } from 'drizzle-orm';
import { locations, siteEvents, sites } from '../schema.js';
import type { Db, Stmt } from '../types.js';
import { chunked, inJsonList } from './json-list.js';
import { stmtOf } from './stmt.js';

/** Rows per statement in the JSON-driven bulk writes (keeps each bound document well under 1 MB). */
const WRITE_CHUNK = 200;

/** A site as written: [id, lat, lon, cell, fields JSON]. */
export type SiteRow = [id: string, lat: number, lon: number, cell: number, fields: string];

/**
 * Sites as JSON rows: one statement per chunk, two bound parameters whatever the chunk holds
 * (D1's parameter limit; and one statement per site was the largest cost of a full run, bench
 * `dedupe`), hence raw SQL.
 */
export function upsertSitesStmts(rows: readonly SiteRow[], now: string): Stmt[] {
  return chunked(rows, WRITE_CHUNK).map((chunk) => ({
    sql: `INSERT INTO sites (id, lat, lon, cell, fields, merged_into, updated_at)
      SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
        json_extract(value, '$[3]'), json_extract(value, '$[4]'), NULL, ?
      FROM json_each(?) WHERE true
      ON CONFLICT(id) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, cell = excluded.cell,
        fields = excluded.fields, merged_into = NULL, updated_at = excluded.updated_at`,
    params: [now, JSON.stringify(chunk)],
  }));
}

/** Locations into sites, as [pk, site id] pairs: one statement per chunk (as above, bench `dedupe`). */
export function assignSitesStmts(pairs: readonly [string, string][]): Stmt[] {
  return chunked(pairs).map((chunk) => ({
    sql: `UPDATE locations SET site_id = j.site
      FROM (SELECT json_extract(value, '$[0]') AS pk, json_extract(value, '$[1]') AS site FROM json_each(?)) AS j
      WHERE locations.pk = j.pk`,
    params: [JSON.stringify(chunk)],
  }));
}

/** The given locations leave whatever site they were in. */
export function detachLocationsStmts(db: Db, pks: readonly string[]): Stmt[] {
  return chunked(pks).map((chunk) =>
    stmtOf(db.orm.update(locations).set({ siteId: null }).where(inJsonList(locations.pk, chunk))),
  );
}

/** Every location that is no longer live (removed, unpublished, decommissioned) leaves its site. */
export function detachDeadLocationsStmt(db: Db): Stmt {
  return stmtOf(
    db.orm
      .update(locations)
      .set({ siteId: null })
      .where(
        sql`${locations.siteId} IS NOT NULL AND (${locations.removedAt} IS NOT NULL OR ${locations.publish} = 0 OR ${locations.lifecycle} = 'removed')`,
      ),
  );
}

/** `from` merged into `to`; whoever pointed at `from` now points at `to` (one hop is enough for a reader). */
export function mergeSiteStmts(db: Db, from: string, to: string, now: string): Stmt[] {
  return [
    stmtOf(db.orm.update(sites).set({ mergedInto: to, updatedAt: now }).where(eq(sites.id, from))),
    stmtOf(db.orm.update(sites).set({ mergedInto: to }).where(eq(sites.mergedInto, from))),
  ];
}

/** A live site whose members all went away: kept (its id may be reused), marked removed. */
export function removeSiteStmt(db: Db, id: string, now: string): Stmt {
  return stmtOf(
    db.orm
      .update(sites)
      .set({ fields: sql`json_set(${sites.fields}, '$.removed_at', ${now})`, updatedAt: now })
      .where(and(eq(sites.id, id), isNull(sites.mergedInto))),
  );
}

export function siteEventStmt(
  db: Db,
  e: { kind: string; from: readonly string[]; to: readonly string[] },
  now: string,
): Stmt {
  return stmtOf(
    db.orm.insert(siteEvents).values({ kind: e.kind, fromIds: [...e.from], toIds: [...e.to], at: now }),
  );
}
