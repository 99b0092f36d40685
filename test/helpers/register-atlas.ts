// An atlas of Open Charge Map register files as the licence tests need one: each source synced from
// a file of its own in a temporary folder, one dedupe with the given pairs always merged, and the
// real app on loopback.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { dedupeSites } from '../../src/dedupe/run-dedupe.js';
import type { Overrides } from '../../src/dedupe/types.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import type { RegisterSourceConfig } from '../../src/ingest/sources-file.js';
import { syncRegisterSource } from '../../src/ingest/sync-register.js';
import { silentLogger } from '../../src/log.js';
import { nodeHttpOptions } from '../../src/node/http-hooks.js';
import { readText } from '../../src/node/read-text.js';
import { closeServed, type ServedApp, serveApp } from './serve.js';

export interface RegisterAtlas {
  /** The temporary folder: the database, the register files, anything a test writes. */
  dir: string;
  db: Db;
  server: ServedApp;
  close(): Promise<void>;
}

/** A source's POIs (its file is written in the atlas's folder) and how it is configured. */
export interface RegisterFile {
  id: string;
  pois: object[];
  config?: Partial<RegisterSourceConfig>;
}

/** The source's configuration, its POIs written to `<dir>/<id>.json`. */
export function registerSource(dir: string, { id, pois, config }: RegisterFile): RegisterSourceConfig {
  const url = join(dir, `${id}.json`);
  writeFileSync(url, JSON.stringify(pois));
  return {
    id,
    name: id,
    type: 'ocm',
    url,
    enabled: true,
    schedule: '0 * * * *',
    full_schedule: '0 3 * * *',
    ...config,
  } as RegisterSourceConfig;
}

export async function serveRegisterAtlas(
  files: RegisterFile[],
  always: Overrides['always'] = [],
): Promise<RegisterAtlas> {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-registers-'));
  const db = openSqlite(join(dir, 'atlas.db'));
  const sources = files.map((f) => registerSource(dir, f));
  await upsertSources(db, sources, new Date().toISOString());
  for (const s of sources) {
    const run = await syncRegisterSource(s, { db, clock: () => new Date(), log: silentLogger, readText });
    expect(run.status).toBe('ok');
  }
  await dedupeSites(db, { overrides: { always, never: [] } });
  const server = await serveApp(createApp({ getDb: () => db, http: nodeHttpOptions({ rateLimit: false }) }));
  return {
    dir,
    db,
    server,
    close: () => closeServed({ server, db, dir }),
  };
}
