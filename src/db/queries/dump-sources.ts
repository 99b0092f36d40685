// What a dump may contain and whom it must credit: the sources whose licence allows republishing.
import type { Db } from '../types.js';
import { NOT_REPUBLISHABLE_LICENSES, PUBLISHED, REPUBLISHABLE_SOURCES } from './locations.js';
import { siteKeySql } from './sites.js';

export interface DumpSource {
  id: string;
  name: string;
  license: string;
  attribution: string | null;
}

export async function republishableSources(db: Db): Promise<DumpSource[]> {
  return db.all<DumpSource>(
    `SELECT id, name, license, attribution FROM sources WHERE id IN (${REPUBLISHABLE_SOURCES}) ORDER BY id`,
  );
}

/** Sites in a dump: distinct sites of the published locations (see sites.ts). */
export async function countPublishedSites(db: Db): Promise<number> {
  const row = await db.get<{ n: number }>(
    `SELECT count(DISTINCT ${siteKeySql('l')}) AS n FROM locations l WHERE ${PUBLISHED}`,
  );
  return row?.n ?? 0;
}

export { NOT_REPUBLISHABLE_LICENSES };
