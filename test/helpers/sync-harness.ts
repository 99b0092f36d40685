// A fake CPO on loopback, a temp SQLite file and a source pointing at it: what most ingest tests
// need, built one way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { createFakeCpo, type FakeCpo, type FakeCpoOptions } from '../../src/fake-cpo/app.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import type { OcpiSourceConfig } from '../../src/ingest/sources-file.js';
import { type SyncMode, type SyncResult, syncOcpiSource } from '../../src/ingest/sync-source.js';
import { silentLogger } from '../../src/log.js';
import { createOcpiClient, type OcpiClientOptions } from '../../src/ocpi/client/index.js';
import { type ServedApp, serveApp } from './serve.js';
import { ocpiSourceConfig } from './source-config.js';

export interface Harness {
  db: Db;
  dbFile: string;
  cpo: FakeCpo;
  served: ServedApp;
  source: OcpiSourceConfig;
  sync(mode?: SyncMode, clientOptions?: OcpiClientOptions): Promise<SyncResult>;
  /** Serves another fake CPO (e.g. with a fault) at a new URL and points the source at it. */
  replaceCpo(options: FakeCpoOptions): Promise<FakeCpo>;
  close(): Promise<void>;
}

export const TEST_TOKEN = 'test-token-3f9c1a';

export async function startHarness(
  cpoOptions: Omit<FakeCpoOptions, 'token'>,
  source: Partial<OcpiSourceConfig> = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-ingest-'));
  const dbFile = join(dir, 'atlas.db');
  const db = openSqlite(dbFile);
  let cpo = createFakeCpo({ ...cpoOptions, token: TEST_TOKEN });
  let served = await serveApp(cpo.app);
  const config: OcpiSourceConfig = ocpiSourceConfig({
    id: 'cpo',
    versions_url: `${served.url}/ocpi/versions`,
    token: TEST_TOKEN,
    ...source,
  });
  await upsertSources(db, [config], new Date().toISOString());
  const h: Harness = {
    db,
    dbFile,
    get cpo() {
      return cpo;
    },
    get served() {
      return served;
    },
    source: config,
    sync: (mode = 'auto', clientOptions = {}) =>
      syncOcpiSource(
        config,
        {
          db,
          client: createOcpiClient({ backoffBaseMs: 1, backoffMaxMs: 5, ...clientOptions }),
          clock: () => new Date(),
          log: silentLogger,
        },
        { mode },
      ),
    async replaceCpo(options) {
      await served.close();
      cpo = createFakeCpo({ ...options, token: TEST_TOKEN });
      served = await serveApp(cpo.app);
      config.versions_url = `${served.url}/ocpi/versions`;
      return cpo;
    },
    async close() {
      await served.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** Active (not removed) locations of a source, with their active EVSE uids, keyed by OCPI id. */
export async function heldLocations(db: Db, sourceId = 'cpo') {
  const rows = await db.all<{ ocpi_id: string; last_updated: string; uids: string | null }>(
    `SELECT l.ocpi_id, l.last_updated,
       (SELECT json_group_array(uid) FROM (SELECT e.uid FROM evses e WHERE e.location_pk = l.pk AND e.removed_at IS NULL ORDER BY e.uid)) AS uids
     FROM locations l WHERE l.source_id = ? AND l.removed_at IS NULL`,
    [sourceId],
  );
  return new Map(
    rows.map((r) => [
      r.ocpi_id,
      { lastUpdated: r.last_updated, uids: JSON.parse(r.uids ?? '[]') as string[] },
    ]),
  );
}
