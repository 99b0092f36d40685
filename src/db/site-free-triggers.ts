// The read model's `free` (src/db/write-site-features.ts) depends on tariffs, which no site refresh
// follows: a tariff that becomes free or stops being free (a pull page, a push, a delete, the
// removals at the end of a full pull) changes `free` of every site whose connectors reference it.
// Triggers on tariffs recompute it for those sites in the same transaction, whatever the write path.
// Created at open time (Node) and by the Worker before it serves or syncs, like the outbox triggers
// (drizzle-kit knows nothing of triggers); the names carry a version: change a body, bump it.
import { PUBLISHED } from './queries/publication.js';
import type { Db } from './types.js';
import { siteFreeSql } from './write-site-features.js';

/** `free` of the site_features row being updated, by the same member rule as the refresh. */
const FREE_OF_ROW = `CASE site_features.kind WHEN 'lone' THEN ${siteFreeSql('l.pk = site_features.id')}
  ELSE ${siteFreeSql(`l.site_id = site_features.id AND ${PUBLISHED}`)} END`;

/** The sites (lone locations and dedupe sites) with a connector that references tariff `t`. */
const referencing = (t: string) => {
  const refs = `FROM location_tariffs lt JOIN locations l ON l.pk = lt.location_pk
    WHERE lt.tariff_id = ${t}.tariff_id AND l.source_id = ${t}.source_id
      AND l.country_code = ${t}.country_code AND l.party_id = ${t}.party_id`;
  return `SELECT l.pk ${refs} UNION SELECT l.site_id ${refs} AND l.site_id IS NOT NULL`;
};

const refresh = (t: string) =>
  `UPDATE site_features SET free = ${FREE_OF_ROW} WHERE id IN (${referencing(t)});`;

const counts = (t: string) => `(${t}.is_free = 1 AND ${t}.removed_at IS NULL)`;

export const SITE_FREE_TRIGGERS: string[] = [
  // v1 read connector_tariffs, which the location_tariffs migration dropped: a v1 trigger left in
  // place would fail every write of a free tariff.
  'DROP TRIGGER IF EXISTS site_free_v1_insert',
  'DROP TRIGGER IF EXISTS site_free_v1_update',
  `CREATE TRIGGER IF NOT EXISTS site_free_v2_insert AFTER INSERT ON tariffs WHEN ${counts('NEW')}
   BEGIN ${refresh('NEW')} END`,
  `CREATE TRIGGER IF NOT EXISTS site_free_v2_update AFTER UPDATE OF is_free, removed_at ON tariffs
   WHEN ${counts('OLD')} IS NOT ${counts('NEW')}
   BEGIN ${refresh('NEW')} END`,
];

/** For hosts without an open hook (the Worker on D1). */
export async function ensureSiteFreeTriggers(db: Db): Promise<void> {
  await db.batch(SITE_FREE_TRIGGERS.map((sql) => ({ sql, params: [] })));
}
