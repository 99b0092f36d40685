// Statistics bench: each query behind /v1/stats, /v1/stats/by-* and /v1/operators on the 1M-EVSE
// database, timed twice (wall and CPU of this thread) over a read-only connection with a read
// worker's 8 MB page cache, and the whole /v1/stats (its five queries one after the other, as the
// statistics worker computes it). Baseline in the same run: one pass over the EVSE index
// (evses_location) counting live EVSEs and their power, the floor of any count from the base tables.
//
//   flock /work/quiet.lock nice -n 5 npm run bench -- stats     (BENCH_STATS_COUNTRY=DEU times the
//   queries filtered by a country instead; BENCH_STATS_PASSES, default 2)
//
// The bench database is ANALYZEd when built; a deployment's file never is. BENCH_STATS_FILE times the
// queries on another file instead, e.g. a copy of the bench database with its statistics emptied
// (`DELETE FROM sqlite_stat1; DELETE FROM sqlite_stat4;` on the copy).
import { readFileSync } from 'node:fs';
import { filterOf } from '../../src/api/query-params.js';
import { operatorStats, type StatsDimension, statsBy } from '../../src/db/queries/stats.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { figure, peakRssFigure, times } from './summary.js';
import { syntheticBenchDb } from './synthetic-db.js';

const EVSES = 1_000_000;
const PASSES = Number(process.env.BENCH_STATS_PASSES ?? 2);
const QUERIES: (StatsDimension | 'operators')[] = [
  'total',
  'country',
  'operator',
  'connector',
  'power_class',
  'operators',
];
const log = (m: string) => console.log(m);

interface Timing {
  wallS: number;
  cpuS: number;
}

async function timed(run: () => Promise<unknown>): Promise<Timing> {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  await run();
  const used = process.cpuUsage(cpu);
  return { wallS: (performance.now() - wall) / 1000, cpuS: (used.user + used.system) / 1e6 };
}

const floor = (db: Db) =>
  db.all('SELECT count(*) AS evses, sum(max_power_w) AS w FROM evses WHERE removed_at IS NULL');

const vmHwmMb = () => Number(readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)/)![1]) / 1024;

export async function run(): Promise<void> {
  const file = process.env.BENCH_STATS_FILE ?? (await syntheticBenchDb(EVSES, log));
  const db = openSqlite(file, { readonly: true, migrate: false, cacheMb: 8 });
  const country = process.env.BENCH_STATS_COUNTRY;
  const filter = filterOf({ country: country ? [country] : undefined });
  log(`statistics on ${file}, filter ${JSON.stringify(filter)}, ${PASSES} passes`);
  try {
    const best = new Map<string, Timing>();
    const keep = (name: string, t: Timing) => {
      const b = best.get(name);
      if (!b || t.cpuS < b.cpuS) best.set(name, t);
    };
    for (let pass = 1; pass <= PASSES; pass++) {
      keep('floor', await timed(() => floor(db)));
      let all: Timing = { wallS: 0, cpuS: 0 };
      for (const q of QUERIES) {
        const t = await timed(() =>
          q === 'operators' ? operatorStats(db, filter, undefined, 1_001) : statsBy(db, q, filter),
        );
        log(`  pass ${pass} ${q.padEnd(12)} ${t.wallS.toFixed(2)} s wall, ${t.cpuS.toFixed(2)} s CPU`);
        keep(q, t);
        if (q !== 'operators') all = { wallS: all.wallS + t.wallS, cpuS: all.cpuS + t.cpuS };
      }
      keep('/v1/stats', all);
    }
    const base = best.get('floor')!;
    log(
      `  floor (one pass over evses_location): ${base.wallS.toFixed(2)} s wall, ${base.cpuS.toFixed(2)} s CPU`,
    );
    for (const [name, t] of best) {
      if (name === 'floor') continue;
      figure({
        bench: 'stats',
        figure: `${name === '/v1/stats' ? '/v1/stats (5 queries)' : name} CPU, best of ${PASSES}`,
        value: `${t.cpuS.toFixed(2)} s (${t.wallS.toFixed(2)} s wall)`,
        baseline: `${base.cpuS.toFixed(2)} s`,
        ratio: times(t.cpuS, base.cpuS),
        target: '',
        met: null,
      });
    }
    peakRssFigure('stats', 'bench process (tsx, one read-only connection, 8 MB cache)', vmHwmMb());
  } finally {
    await db.close();
  }
}
