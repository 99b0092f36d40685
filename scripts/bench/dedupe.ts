// Dedupe benchmark (issue 6) on the French IRVE register, the scale set: 56,507 charge points in
// 25,091 stations (one location record per station). Measured in the same run:
//   - the pure dedupe core (candidate grid, scoring, guarded clustering) against Open Charge Map's
//     rule (sort by latitude, compare neighbours), which does far less and is the floor;
//   - dedupeSites on a SQLite file holding the set: a first full run (every site written), a second
//     full run (nothing changed) and an incremental run after 100 records changed.
// Runnable alone: `npx tsx scripts/bench/dedupe.ts`, or as part of `npm run bench`. Wall-clock
// figures depend on what else the machine runs; the CPU time of the core is printed next to them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { openSqlite } from '../../src/db/sqlite.js';
import { ocmBaselineClusters } from '../../src/dedupe/baseline-ocm.js';
import { dedupeRecords } from '../../src/dedupe/dedupe-records.js';
import { changedLocationPks, dedupeSites } from '../../src/dedupe/run-dedupe.js';
import { recordFromLocation } from '../../src/dedupe/source-record.js';
import { applyLocationPage, type PageItem } from '../../src/ingest/apply-page.js';
import { parseRegister } from '../../src/ingest/registers/index.js';
import { zeroCounters } from '../../src/ingest/run-record.js';
import type { ExternalRef, Location } from '../../src/model/types.js';

const IRVE = resolve(process.cwd(), '../shared/data/fr-irve-statique/irve-statique.json.gz');
const SOURCE = 'fr-irve';
const REPEATS = 3;

const ms = (t0: number) => performance.now() - t0;
const per10k = (total: number, n: number) => (total / n) * 10_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(): Promise<void> {
  const t0 = performance.now();
  const parsed = parseRegister('irve', gunzipSync(readFileSync(IRVE)).toString('utf8'));
  const imported: { location: Location; refs: ExternalRef[] }[] = [];
  let chargePoints = 0;
  for (const r of parsed) {
    if (!r.ok) continue;
    imported.push({ location: r.location, refs: r.externalRefs });
    chargePoints += r.location.evses.length;
  }
  console.log(
    `IRVE: ${imported.length} stations, ${chargePoints} charge points, ${parsed.summary.quarantined} quarantined (parsed in ${ms(t0).toFixed(0)} ms)`,
  );
  const records = imported.map((i) => recordFromLocation(SOURCE, 'irve', i.location, i.refs));

  const core: number[] = [];
  const coreCpu: number[] = [];
  let sites = 0;
  let stats = dedupeRecords(records.slice(0, 1000)).stats; // warm-up
  for (let k = 0; k < REPEATS; k++) {
    const t = performance.now();
    const cpu = process.cpuUsage();
    const result = dedupeRecords(records);
    core.push(ms(t));
    const used = process.cpuUsage(cpu);
    coreCpu.push((used.user + used.system) / 1000);
    sites = result.clusters.length;
    stats = result.stats;
  }
  const baseline: number[] = [];
  let baselineSites = 0;
  for (let k = 0; k < REPEATS; k++) {
    const t = performance.now();
    baselineSites = ocmBaselineClusters(records).length;
    baseline.push(ms(t));
  }

  const dir = mkdtempSync(join(tmpdir(), 'atlas-bench-dedupe-'));
  /** A database holding the set, written through the sync's page writer. */
  const loaded = async (name: string) => {
    const into = openSqlite(join(dir, name));
    await into.batch([
      {
        sql: "INSERT INTO sources (id, name, type, license, enabled, updated_at) VALUES (?, 'IRVE', 'irve', 'etalab-2.0', 1, ?)",
        params: [SOURCE, '2026-01-01T00:00:00Z'],
      },
    ]);
    for (let i = 0; i < imported.length; i += 500) {
      const items: PageItem[] = imported
        .slice(i, i + 500)
        .map((x) => ({ ok: true, value: x.location, refs: x.refs }));
      await applyLocationPage(items, {
        db: into,
        sourceId: SOURCE,
        runId: 1,
        now: '2026-01-01T00:00:00Z',
        counters: zeroCounters(),
        seen: new Map(),
      });
    }
    return into;
  };
  const tLoad = performance.now();
  const db = await loaded('atlas.db');
  const loadMs = ms(tLoad);
  const counters = zeroCounters();
  try {
    let t = performance.now();
    const first = await dedupeSites(db, { now: '2026-01-02T00:00:00Z' });
    const firstMs = ms(t);
    t = performance.now();
    const second = await dedupeSites(db, { now: '2026-01-03T00:00:00Z' });
    const secondMs = ms(t);

    // 100 stations spread over the country get a new name, as a sync would write them.
    const changedLocations = imported
      .filter((_, i) => i % Math.floor(imported.length / 100) === 0)
      .slice(0, 100);
    await applyLocationPage(
      changedLocations.map((x) => ({
        ok: true,
        value: { ...x.location, name: `${x.location.name ?? ''} (renamed)` },
        refs: x.refs,
      })),
      { db, sourceId: SOURCE, runId: 2, now: '2026-01-04T00:00:00Z', counters, seen: new Map() },
    );
    t = performance.now();
    const changed = await changedLocationPks(db);
    const findMs = ms(t);
    t = performance.now();
    const incremental = await dedupeSites(db, { now: '2026-01-05T00:00:00Z', changedNear: changed });
    const incrementalMs = ms(t);

    // What a server runs after the first sync of the set: every record changed, taken in parts.
    const synced = await loaded('after-sync.db');
    t = performance.now();
    const afterSync = await dedupeSites(synced, {
      now: '2026-01-02T00:00:00Z',
      changedNear: await changedLocationPks(synced),
    });
    const afterSyncMs = ms(t);
    await synced.close();

    const n = records.length;
    const row = (what: string, total: number, extra: string) => ({
      what,
      'total ms': Math.round(total),
      'ms / 10k stations': Math.round(per10k(total, n)),
      'ms / 10k charge points': Math.round(per10k(total, chargePoints)),
      result: extra,
    });
    console.table([
      row(
        'dedupe core (median of 3)',
        median(core),
        `${sites} sites, ${stats.candidatePairs} candidate pairs`,
      ),
      row('dedupe core, CPU time (median of 3)', median(coreCpu), 'user + system CPU'),
      row('baseline: OCM rule (median of 3)', median(baseline), `${baselineSites} sites`),
      row('dedupeSites, first full run', firstMs, `${first.sitesWritten} sites written`),
      row(
        'dedupeSites after a first sync (every record changed, in parts)',
        afterSyncMs,
        `${afterSync.sitesWritten} sites written`,
      ),
      row('dedupeSites, full run, nothing changed', secondMs, `${second.sitesWritten} sites written`),
      row(`changedLocationPks after ${changedLocations.length} renamed`, findMs, `${changed.length} changed`),
      row(
        'dedupeSites, incremental',
        incrementalMs,
        `${incremental.records} records read, ${incremental.sitesWritten} sites written`,
      ),
    ]);
    console.log(
      `(loading the set into SQLite through applyLocationPage took ${(loadMs / 1000).toFixed(1)} s; not part of dedupe)`,
    );
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
