// Atlas A, fed by the demo fake CPO over a real sync and serving its OCPI sender on loopback, with
// its push outbox running; and what a second atlas (B) needs to connect to it as an eMSP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../../src/api/app.js';
import { addClient } from '../../../src/db/queries/ocpi-clients.js';
import { openSqlite } from '../../../src/db/sqlite.js';
import type { Db } from '../../../src/db/types.js';
import { demoLocations } from '../../../src/fake-cpo/demo-data.js';
import { upsertSources } from '../../../src/ingest/source-state.js';
import type { OcpiSourceConfig } from '../../../src/ingest/sources-file.js';
import { type SyncMode, syncOcpiSource } from '../../../src/ingest/sync-source.js';
import { createStatusNotifier } from '../../../src/live/status-notifier.js';
import { silentLogger } from '../../../src/log.js';
import { createOcpiClient } from '../../../src/ocpi/client/index.js';
import { mintToken, tokenDigest } from '../../../src/ocpi/receiver/token-hash.js';
import { type Outbox, startOutbox } from '../../../src/outbox/run-outbox.js';
import { type ServedApp, serveApp } from '../../helpers/serve.js';
import { ocpiSourceConfig } from '../../helpers/source-config.js';
import { type Harness, startHarness } from '../../helpers/sync-harness.js';

export const CPO_PUSH_TOKEN = 'cpo-push-token-7d1e';
export const DEMO_PARTY = { country_code: 'NL', party_id: 'DEM' };

export interface SenderAtlas {
  cpo: Harness;
  db: Db;
  served: ServedApp;
  url: string;
  outbox: Outbox;
  /** Issues a client as `atlas clients add` does; returns its id and token A. */
  addClient(name: string): Promise<{ id: string; tokenA: string }>;
  close(): Promise<void>;
}

export async function startSenderAtlas(opts: { publicReads?: boolean; role?: 'NAP' | 'HUB' } = {}) {
  const demo = demoLocations();
  const cpo = await startHarness(
    { locations: demo.locations, tariffs: demo.tariffs, pageSize: 50 },
    { push_token: CPO_PUSH_TOKEN, parties: [DEMO_PARTY] },
  );
  await cpo.sync('full');
  const notifier = createStatusNotifier();
  const app = createApp({
    getDb: () => cpo.db,
    sources: [cpo.source],
    statusNotifier: notifier,
    http: { rateLimit: false, responseCache: false },
    ocpiSender: { publicReads: opts.publicReads ?? false, role: opts.role ?? 'NAP' },
    // Atlas B listens on loopback: the credentials callback must be allowed to reach it.
    ocpiAllowPrivateTargets: true,
  });
  const served = await serveApp(app);
  const outbox = startOutbox({
    db: cpo.db,
    client: createOcpiClient({ retries: 0, timeoutMs: 3_000 }),
    log: silentLogger,
    pollMs: 50,
    backoffBaseMs: 20,
    backoffMaxMs: 200,
  });
  const unsubscribe = notifier.subscribe(() => outbox.wake());
  const atlas: SenderAtlas = {
    cpo,
    db: cpo.db,
    served,
    url: served.url,
    outbox,
    async addClient(name) {
      const tokenA = mintToken();
      const id = await addClient(cpo.db, name, await tokenDigest(tokenA), new Date().toISOString());
      return { id, tokenA };
    },
    async close() {
      unsubscribe();
      await outbox.stop();
      await served.close();
      await cpo.close();
    },
  };
  return atlas;
}

/** Atlas B: its own database and OCPI endpoints, with A configured as an OCPI source. */
export interface ReceivingAtlas {
  db: Db;
  url: string;
  source: OcpiSourceConfig;
  sync(mode?: SyncMode): ReturnType<typeof syncOcpiSource>;
  close(): Promise<void>;
}

export async function startReceivingAtlas(
  a: SenderAtlas,
  tokenA: string,
  source: Partial<OcpiSourceConfig> = {},
): Promise<ReceivingAtlas> {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-b-'));
  const db = openSqlite(join(dir, 'b.db'));
  const config = ocpiSourceConfig({
    id: 'atlas-a',
    versions_url: `${a.url}/ocpi/versions`,
    token: tokenA,
    register: true,
    // A serves the demo CPO's objects under the CPO's own party: B accepts pushes for it.
    parties: [DEMO_PARTY],
    page_size: 1000,
    ...source,
  });
  await upsertSources(db, [config], new Date().toISOString());
  const notifier = createStatusNotifier();
  // B learns its own URL only once it listens: the app reads it lazily.
  let url = '';
  const app = createApp({
    getDb: () => db,
    sources: [config],
    statusNotifier: notifier,
    http: { rateLimit: false },
  });
  const served = await serveApp(app);
  url = served.url;
  const client = createOcpiClient({ backoffBaseMs: 1, backoffMaxMs: 5 });
  return {
    db,
    url,
    source: config,
    sync: (mode = 'auto') =>
      syncOcpiSource(
        config,
        { db, client, clock: () => new Date(), log: silentLogger, publicUrl: url },
        { mode },
      ),
    async close() {
      await served.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
