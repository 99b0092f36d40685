// The `.sqlite` dump: a consistent snapshot (VACUUM INTO) reduced to what may be republished, plus
// a `published_sites` layer with WKT points that GDAL/QGIS open directly. Node only.
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DROP_OUTBOX_TRIGGERS } from '../outbox-triggers.js';
import type { Db } from '../types.js';
import { PUBLISHED, REPUBLISHABLE_SOURCES } from './publication.js';
import { siteKeySql } from './sites.js';

const WGS84_WKT =
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],' +
  'UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]';

// Order matters: children are removed by their parents' keys before the parents go.
const REDUCE = [
  // Our eMSP clients, their tokens and what they are still owed are not data to republish.
  ...DROP_OUTBOX_TRIGGERS,
  'DROP TABLE ocpi_outbox',
  'DROP TABLE ocpi_clients',
  `DELETE FROM locations WHERE pk NOT IN (SELECT l.pk FROM locations l WHERE ${PUBLISHED})`,
  'DELETE FROM evses WHERE removed_at IS NOT NULL OR location_pk NOT IN (SELECT pk FROM locations)',
  'DELETE FROM connectors WHERE evse_pk NOT IN (SELECT pk FROM evses)',
  // A link stays while a connector left in the dump references the tariff (connectors.tariff_ids).
  `DELETE FROM location_tariffs WHERE NOT EXISTS (SELECT 1 FROM connectors c, json_each(c.tariff_ids) j
     WHERE c.location_pk = location_tariffs.location_pk AND location_tariffs.tariff_id = j.value)`,
  'DELETE FROM location_refs WHERE location_pk NOT IN (SELECT pk FROM locations)',
  'DELETE FROM evse_status_events WHERE evse_pk NOT IN (SELECT pk FROM evses)',
  'DELETE FROM evse_status_hourly WHERE evse_pk NOT IN (SELECT pk FROM evses)',
  // Where the hourly rollup stands per EVSE: our bookkeeping (as meta is), and it names EVSEs removed above.
  'DELETE FROM evse_status_rollup',
  `DELETE FROM tariffs WHERE removed_at IS NOT NULL OR source_id NOT IN (${REPUBLISHABLE_SOURCES})`,
  `DELETE FROM quarantine WHERE source_id NOT IN (${REPUBLISHABLE_SOURCES})`,
  `DELETE FROM sync_runs WHERE source_id NOT IN (${REPUBLISHABLE_SOURCES})`,
  // Run errors may quote a peer's answer; they are for operators, not for republishing.
  'UPDATE sync_runs SET error = NULL, cursor = NULL',
  'DELETE FROM sites WHERE id NOT IN (SELECT site_id FROM locations WHERE site_id IS NOT NULL)',
  // Secrets never leave the server (not even as an empty table), nor do the CPOs' private endpoint
  // URLs or our internal bookkeeping; unlicensed sources go with their data.
  'DROP TABLE source_secrets',
  `DELETE FROM sources WHERE id NOT IN (${REPUBLISHABLE_SOURCES})`,
  // Members that lent a site nothing (their own licence forbids it) or whose source is gone.
  `UPDATE sites SET fields = json_set(fields, '$.members', (SELECT json_group_array(json(m.value))
     FROM json_each(sites.fields, '$.members') m WHERE json_extract(m.value, '$.lends_fields') IS NOT 0
       AND json_extract(m.value, '$.source') IN (SELECT id FROM sources)))
   WHERE json_type(fields, '$.members') = 'array'`,
  // Resolved fields taken from a source that left the dump, as the API drops them
  // (publishableFields in queries/sites.ts): a document built before its source lost its licence.
  `UPDATE sites SET fields = (SELECT json_group_object(f.key, json(f.value)) FROM json_each(sites.fields) f
     WHERE f.type <> 'object' OR json_extract(f.value, '$.source') IS NULL
       OR json_extract(f.value, '$.source') IN (SELECT id FROM sources))`,
  'UPDATE sources SET endpoints = NULL, token_encoding = NULL, token_encoding_note = NULL, parties = NULL',
  'DELETE FROM meta',
];

const SITES_LAYER = [
  `CREATE TABLE published_sites (id TEXT PRIMARY KEY, name TEXT, address TEXT, city TEXT, postal_code TEXT,
    country TEXT, operator TEXT, sources TEXT, location_count INTEGER, evse_count INTEGER, max_power_kw REAL,
    last_updated TEXT, geometry TEXT)`,
  `INSERT INTO published_sites
   SELECT g.id, coalesce(json_extract(s.fields, '$.name.value'), f.name), f.address, f.city, f.postal_code, f.country,
     f.operator_name, g.sources, g.n, coalesce(e.n, 0), g.max_w / 1000.0, g.last_updated,
     'POINT(' || round(coalesce(s.lon, f.lon), 7) || ' ' || round(coalesce(s.lat, f.lat), 7) || ')'
   FROM (SELECT ${siteKeySql('l')} AS id, min(pk) AS first, count(*) AS n, max(max_power_w) AS max_w,
           max(last_updated) AS last_updated, group_concat(DISTINCT source_id) AS sources
         FROM locations l GROUP BY 1) g
   JOIN locations f ON f.pk = g.first
   LEFT JOIN sites s ON s.id = g.id AND s.merged_into IS NULL
   LEFT JOIN (SELECT ${siteKeySql('l')} AS id, count(*) AS n FROM evses e JOIN locations l ON l.pk = e.location_pk
              GROUP BY 1) e ON e.id = g.id`,
  // OGR's FDO-style metadata: the layer's geometry is WKT in EPSG:4326.
  `CREATE TABLE geometry_columns (f_table_name TEXT, f_geometry_column TEXT, geometry_type INTEGER,
    coord_dimension INTEGER, srid INTEGER, geometry_format TEXT)`,
  `INSERT INTO geometry_columns VALUES ('published_sites', 'geometry', 1, 2, 4326, 'WKT')`,
  'CREATE TABLE spatial_ref_sys (srid INTEGER UNIQUE, auth_name TEXT, auth_srid TEXT, srtext TEXT)',
  `INSERT INTO spatial_ref_sys VALUES (4326, 'EPSG', '4326', '${WGS84_WKT}')`,
  'CREATE TABLE dump_license (source_id TEXT, name TEXT, license TEXT, attribution TEXT)',
  'INSERT INTO dump_license SELECT id, name, license, attribution FROM sources ORDER BY id',
  // Records that state their own licence (an OCM POI imported from a national register).
  `INSERT INTO dump_license SELECT l.source_id, s.name, l.license, s.attribution FROM locations l
   JOIN sources s ON s.id = l.source_id WHERE l.license IS NOT NULL GROUP BY l.source_id, l.license`,
];

/**
 * Writes a publishable copy of the database to `path`. The copy is vacuumed after the deletions:
 * without that, deleted rows (unlicensed sources, unpublished locations) would survive in free pages.
 */
/**
 * Writes a publishable copy of the database to `path`. The copy is vacuumed after the deletions:
 * without that, deleted rows (unlicensed sources, unpublished locations) would survive in free pages.
 */
export async function writePublishableSnapshot(db: Db, path: string): Promise<void> {
  rmSync(path, { force: true });
  await snapshot(db, path);
  const copy = new Database(path);
  try {
    copy.pragma('journal_mode = OFF');
    // Small page cache and on-disk temp tables: the copy may be as large as the database.
    copy.pragma('cache_size = -16384');
    copy.pragma('temp_store = FILE');
    copy.transaction(() => {
      for (const sql of [...REDUCE, ...SITES_LAYER]) copy.exec(sql);
    })();
    copy.exec('VACUUM');
  } finally {
    copy.close();
  }
}

/**
 * VACUUM INTO from a connection of its own with a small page cache when the database is a file:
 * the server's connection has a 64 MB cache, and VACUUM INTO rebuilds every index through a sorter
 * as large as the cache (measured: peak RSS 266 MB on 1M EVSEs through Db.snapshotTo). Under WAL the
 * read is one consistent snapshot either way.
 */
async function snapshot(db: Db, path: string): Promise<void> {
  const main = (await db.all<{ name: string; file: string }>('PRAGMA database_list')).find(
    (d) => d.name === 'main',
  );
  if (db.kind === 'sqlite' && main?.file) {
    const reader = new Database(main.file, { readonly: true, fileMustExist: true });
    try {
      reader.pragma('cache_size = -8192');
      reader.prepare('VACUUM INTO ?').run(path);
    } finally {
      reader.close();
    }
    return;
  }
  if (!db.snapshotTo) throw new Error('this database cannot make snapshots (D1): no .sqlite dump');
  await db.snapshotTo(path);
}
