// The runner that cron, the CLI and tests share: never two runs of one source at once, and no more
// sources at the same time than the configured limit.
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite.js';
import { createFakeCpo, type FakeCpo } from '../../src/fake-cpo/app.js';
import { demoLocations } from '../../src/fake-cpo/demo-data.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import type { OcpiSourceConfig } from '../../src/ingest/sources-file.js';
import { createSyncRunner } from '../../src/jobs/sync-runner.js';
import { silentLogger } from '../../src/log.js';
import { createOcpiClient } from '../../src/ocpi/client/index.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';
import { ocpiSourceConfig } from '../helpers/source-config.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function slowCpo(id: string): Promise<{ cpo: FakeCpo; source: OcpiSourceConfig }> {
  const data = demoLocations();
  const cpo = createFakeCpo({ locations: data.locations, token: `tok-${id}-123`, pageSize: 50 });
  const served: ServedApp = await serveApp({
    fetch: async (req: Request) => {
      await new Promise((r) => setTimeout(r, 30));
      return cpo.app.fetch(req);
    },
  });
  closers.push(() => served.close());
  return {
    cpo,
    source: ocpiSourceConfig({ id, versions_url: `${served.url}/ocpi/versions`, token: `tok-${id}-123` }),
  };
}

describe('sync runner', () => {
  it('skips a run of a source that is still syncing, and limits sources in parallel', async () => {
    const db = openSqlite(':memory:');
    closers.push(() => db.close());
    const a = await slowCpo('a');
    const b = await slowCpo('b');
    await upsertSources(db, [a.source, b.source], new Date().toISOString());
    const runner = createSyncRunner({
      db,
      client: createOcpiClient({}),
      clock: () => new Date(),
      log: silentLogger,
      readText: async () => '',
      concurrency: 1,
    });
    const first = runner.run(a.source);
    const second = await runner.run(a.source);
    expect(second).toBeNull();
    expect(runner.running()).toEqual(['a']);
    expect((await first)?.status).toBe('ok');

    const both = await runner.runAll([a.source, b.source], 'full');
    expect(both.map((r) => r.status)).toEqual(['ok', 'ok']);
    // With one slot, b's requests all come after a's last one (or the other way round).
    const times = (cpo: FakeCpo) => cpo.requests.slice(-8).map((r) => Date.parse(r.time));
    const lastA = Math.max(...times(a.cpo));
    const firstB = Math.min(...b.cpo.requests.map((r) => Date.parse(r.time)));
    const lastB = Math.max(...times(b.cpo));
    const firstAofSecondRun = Math.min(...a.cpo.requests.slice(-8).map((r) => Date.parse(r.time)));
    expect(firstB >= lastA || firstAofSecondRun >= lastB).toBe(true);
    const runs = await db.all<{ n: number }>(`SELECT count(*) AS n FROM sync_runs`);
    expect(runs[0]!.n).toBe(3);
  });
});
