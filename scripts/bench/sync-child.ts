// Runs one sync of the bench source in a fresh process, so its peak RSS is the sync's alone; or,
// with `--mode dedupe`, the dedupe a server runs after its syncs (every changed record).
// Prints one JSON line: { ms, cpuMs, counters, status, maxRssMb }; cpuMs is the process's CPU time (all its
// threads, user and system) over the same span, less moved by other load on the machine than ms.
import { parseArgs } from 'node:util';
import { openSqlite } from '../../src/db/sqlite.js';
import { changedLocationPks, dedupeSites } from '../../src/dedupe/run-dedupe.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import type { OcpiSourceConfig } from '../../src/ingest/sources-file.js';
import { syncOcpiSource } from '../../src/ingest/sync-source.js';
import { silentLogger } from '../../src/log.js';
import { createOcpiClient } from '../../src/ocpi/client/index.js';
import { ownPeakRssMb } from './peak-memory.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    url: { type: 'string' },
    token: { type: 'string' },
    mode: { type: 'string' },
  },
});
const db = openSqlite(values.db!);
const source: OcpiSourceConfig = {
  id: 'bench',
  name: 'bench',
  type: 'ocpi',
  versions_url: values.url!,
  token: values.token!,
  register: false,
  parties: [],
  schedule: '* * * * *',
  full_schedule: '* * * * *',
  license: 'CC0-1.0',
  enabled: true,
  suspect_ratio: 0.5,
  page_size: 1000,
};
await upsertSources(db, [source], new Date().toISOString());
const started = performance.now();
const cpuAtStart = process.cpuUsage();
const result =
  values.mode === 'dedupe'
    ? await dedupeAll()
    : await syncOcpiSource(
        source,
        { db, client: createOcpiClient({}), clock: () => new Date(), log: silentLogger },
        { mode: values.mode === 'incremental' ? 'incremental' : 'full', overlapSeconds: 0 },
      );
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuAtStart);
await db.close();
process.stdout.write(
  `${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, status: result.status, error: result.error, counters: result.counters, maxRssMb: ownPeakRssMb() })}\n`,
);

/** What the sync runner does after a sync that changed data (src/jobs/sync-runner.ts). */
async function dedupeAll() {
  const r = await dedupeSites(db, { changedNear: await changedLocationPks(db) });
  return { status: 'ok', error: null, counters: { records: r.records, sites_written: r.sitesWritten } };
}
