// A throwaway PostGIS for the API benchmark's baseline: installs PostgreSQL + PostGIS from Debian
// packages when missing, runs a cluster in a temp dir on a loopback port as the postgres user, and
// loads the published locations, EVSEs and connectors of the synthetic database.
import { execFileSync, execSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PUBLISHED } from '../../src/db/queries/publication.js';

export interface PostGis {
  client: pg.Client;
  stop(): Promise<void>;
}

function pgBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  for (const v of readdirSync(root).sort().reverse()) {
    const bin = join(root, v, 'bin');
    const ext = `/usr/share/postgresql/${v}/extension/postgis.control`;
    if (existsSync(join(bin, 'initdb')) && existsSync(ext)) return bin;
  }
  return null;
}

/** Returns null (with the reason) when PostGIS cannot be had on this machine. */
export async function startPostGis(log: (m: string) => void): Promise<PostGis | { skipped: string }> {
  let bin = pgBin();
  if (!bin) {
    log('  installing postgresql + postgis from Debian packages ...');
    try {
      execSync(
        'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgis',
        {
          stdio: 'ignore',
          timeout: 600_000,
        },
      );
    } catch (err) {
      return {
        skipped: `apt-get install postgresql postgis failed: ${(err as Error).message.split('\n')[0]}`,
      };
    }
    bin = pgBin();
    if (!bin) return { skipped: 'postgis installed but no initdb/postgis.control found' };
  }
  const dir = mkdtempSync(join(tmpdir(), 'atlas-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const port = 54_329;
  const asPostgres = (cmd: string) =>
    execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', cmd], { stdio: 'pipe' });
  try {
    asPostgres(`${bin}/initdb -D ${data} -A trust -U postgres >/dev/null`);
    asPostgres(
      `${bin}/pg_ctl -D ${data} -w -l ${dir}/log -o "-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 ` +
        `-c shared_buffers=512MB -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null`,
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { skipped: `could not start a PostgreSQL cluster: ${(err as Error).message.split('\n')[0]}` };
  }
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await client.connect();
  return {
    client,
    async stop() {
      await client.end();
      try {
        asPostgres(`${bin}/pg_ctl -D ${data} -m immediate stop >/dev/null`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Inserts rows through unnest() of one array per column: one round trip per batch. */
async function insertRows(client: pg.Client, insert: string, types: string[], rows: unknown[][]) {
  const arrays = types.map((_, i) => rows.map((r) => r[i]));
  const cols = types.map((_, i) => `c${i}`).join(', ');
  const params = types.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
  await client.query(insert.replace('$ROWS', `unnest(${params}) AS u(${cols})`), arrays);
}

/** Loads the published data of the SQLite file (the same rows the API serves), indexed like ours. */
export async function loadPostGis(client: pg.Client, file: string, log: (m: string) => void): Promise<void> {
  await client.query(`CREATE EXTENSION IF NOT EXISTS postgis;
    DROP TABLE IF EXISTS locations, evses, connectors;
    CREATE TABLE locations (pk text PRIMARY KEY, name text, address text, city text, postal_code text, country text,
      operator_name text, source_id text, max_power_w int, last_updated text, geom geometry(Point, 4326));
    CREATE TABLE evses (pk text PRIMARY KEY, location_pk text, status text, max_power_w int);
    CREATE TABLE connectors (evse_pk text, location_pk text, standard text, max_power_w int);`);
  const sqlite = new Database(file, { readonly: true });
  const load = async (label: string, sql: string, insert: string, types: string[]) => {
    let rows: unknown[][] = [];
    let n = 0;
    for (const r of sqlite.prepare(sql).raw().iterate() as Iterable<unknown[]>) {
      rows.push(r);
      if (rows.length === 10_000) {
        await insertRows(client, insert, types, rows);
        n += rows.length;
        rows = [];
      }
    }
    if (rows.length) await insertRows(client, insert, types, rows);
    log(`  postgis: loaded ${n + rows.length} ${label}`);
  };
  try {
    await load(
      'locations',
      `SELECT l.pk, l.name, l.address, l.city, l.postal_code, l.country, l.operator_name, l.source_id, l.max_power_w,
         l.last_updated, l.lon, l.lat FROM locations l WHERE ${PUBLISHED}`,
      `INSERT INTO locations SELECT c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, ST_SetSRID(ST_MakePoint(c10, c11), 4326) FROM $ROWS`,
      ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'int', 'text', 'float8', 'float8'],
    );
    await load(
      'EVSEs',
      `SELECT e.pk, e.location_pk, e.status, e.max_power_w FROM evses e JOIN locations l ON l.pk = e.location_pk
       WHERE e.removed_at IS NULL AND ${PUBLISHED}`,
      'INSERT INTO evses SELECT * FROM $ROWS',
      ['text', 'text', 'text', 'int'],
    );
    await load(
      'connectors',
      `SELECT c.evse_pk, c.location_pk, c.standard, c.max_power_w FROM connectors c
       JOIN evses e ON e.pk = c.evse_pk AND e.removed_at IS NULL JOIN locations l ON l.pk = c.location_pk WHERE ${PUBLISHED}`,
      'INSERT INTO connectors SELECT * FROM $ROWS',
      ['text', 'text', 'text', 'int'],
    );
  } finally {
    sqlite.close();
  }
  await client.query(`CREATE INDEX locations_geom ON locations USING gist (geom);
    CREATE INDEX evses_location ON evses (location_pk);
    CREATE INDEX connectors_location ON connectors (location_pk);
    ANALYZE;`);
}

/** The same answer as /v1/sites?bbox=...&limit=N, built by PostGIS: GiST box search, GeoJSON in SQL. */
export const POSTGIS_BBOX_SQL = `SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(f), '[]'))::text AS body
FROM (
  SELECT json_build_object('type', 'Feature', 'id', l.pk, 'geometry', ST_AsGeoJSON(l.geom, 7)::json,
    'properties', json_build_object('id', l.pk, 'name', l.name, 'address', l.address, 'city', l.city,
      'postal_code', l.postal_code, 'country', l.country, 'operator', l.operator_name, 'sources', json_build_array(l.source_id),
      'location_ids', json_build_array(l.pk), 'max_power_kw', round(l.max_power_w / 1000.0, 1),
      'evse_count', (SELECT count(*) FROM evses e WHERE e.location_pk = l.pk),
      'status', (SELECT json_object_agg(status, n) FROM (SELECT status, count(*) AS n FROM evses e
                  WHERE e.location_pk = l.pk GROUP BY status) s),
      'connectors', (SELECT json_agg(json_build_object('standard', standard, 'power_kw', kw, 'count', n)) FROM
                  (SELECT standard, round(max_power_w / 1000.0, 1) AS kw, count(*) AS n FROM connectors c
                   WHERE c.location_pk = l.pk GROUP BY 1, 2) k),
      'last_updated', l.last_updated)) AS f
  FROM locations l
  WHERE l.geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)
  ORDER BY l.pk
  LIMIT $5
) q`;

/** The read model's peer: each site's feature JSON stored precomputed beside its point. */
export async function loadPostGisFeatures(client: pg.Client, file: string, log: (m: string) => void) {
  await client.query(`DROP TABLE IF EXISTS site_features;
    CREATE TABLE site_features (id text PRIMARY KEY, geom geometry(Point, 4326), feature text)`);
  const sqlite = new Database(file, { readonly: true });
  let rows: unknown[][] = [];
  let n = 0;
  const flush = async () => {
    await insertRows(
      client,
      'INSERT INTO site_features SELECT c0, ST_SetSRID(ST_MakePoint(c1, c2), 4326), c3 FROM $ROWS',
      ['text', 'float8', 'float8', 'text'],
      rows,
    );
    n += rows.length;
    rows = [];
  };
  try {
    for (const r of sqlite.prepare('SELECT id, lon, lat, feature FROM site_features').raw().iterate()) {
      rows.push(r as unknown[]);
      if (rows.length === 10_000) await flush();
    }
    if (rows.length) await flush();
  } finally {
    sqlite.close();
  }
  await client.query(
    'CREATE INDEX site_features_geom ON site_features USING gist (geom); ANALYZE site_features;',
  );
  log(`  postgis: loaded ${n} precomputed site features`);
}

/** The same answer from the precomputed column: GiST box search, first N by id, concatenation. */
export const POSTGIS_FEATURE_SQL = `SELECT '{"type":"FeatureCollection","features":[' ||
  coalesce(string_agg(feature, ',' ORDER BY id), '') || ']}' AS body
FROM (SELECT id, feature FROM site_features WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) ORDER BY id LIMIT $5) q`;
