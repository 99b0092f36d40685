// Push benchmark (issue 5): OCPI 2.2.1 status PATCHes applied per second over loopback HTTP, for
// 30 s, against a plain better-sqlite3 UPDATE loop on the same database in the same run.
//
// The atlas serves from a child process (its own core: this machine has two), autocannon drives it
// from this one with keep-alive connections. Each PATCH flips one EVSE's status with a newer
// last_updated, round-robin over 10,000 EVSEs, so every request is a real change: a status event,
// the EVSE row, its location's last_updated, one transaction. "Applied" is counted in the database
// afterwards (status events written), not from the HTTP replies.
//
//   npx tsx scripts/bench/push.ts            (BENCH_PUSH_SECONDS=5 for a quick look)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import {
  newConnector,
  newRegisterEvse,
  newRegisterLocation,
} from '../../src/ingest/registers/location-builders.js';
import { iso } from '../../src/model/iso-time.js';
import type { Location } from '../../src/model/types.js';
import { processCpuSeconds } from './peak-memory.js';
import {
  BENCH_PARTY,
  seedBenchSource,
  serveBenchAtlas,
  startBenchAtlas,
  stopBenchAtlas,
} from './push-target.js';
import { figure, times } from './summary.js';

const TOKEN = 'bench-push-token-5a1f';
const LOCATIONS = 1_000;
const EVSES_PER = 10;
const CONNECTIONS = 64;
const SECONDS = Number(process.env.BENCH_PUSH_SECONDS ?? 30);
const BASELINE_SECONDS = Math.min(10, SECONDS);
const SELF = fileURLToPath(import.meta.url);

function benchLocation(i: number): Location {
  const at = '2025-01-01T00:00:00Z';
  return newRegisterLocation({
    countryCode: 'NL',
    partyId: 'BEN',
    id: `L${i}`,
    name: `Bench ${i}`,
    address: 'Straat 1',
    city: 'Utrecht',
    country: 'NLD',
    lat: 52 + (i % 100) / 1000,
    lon: 5 + Math.floor(i / 100) / 1000,
    timeZone: 'Europe/Amsterdam',
    evses: Array.from({ length: EVSES_PER }, (_, e) =>
      newRegisterEvse({
        uid: `E${e}`,
        status: 'AVAILABLE',
        connectors: [
          newConnector({
            id: '1',
            standard: 'IEC_62196_T2',
            format: 'SOCKET',
            powerType: 'AC_3_PHASE',
            maxVoltage: 230,
            maxAmperage: 32,
            maxPowerW: 22_000,
            lastUpdated: at,
          }),
        ],
        lastUpdated: at,
      }),
    ),
    lastUpdated: at,
  });
}

async function pushLoad(port: number): Promise<autocannon.Result> {
  const auth = `Token ${Buffer.from(TOKEN).toString('base64')}`;
  const total = LOCATIONS * EVSES_PER;
  let n = 0;
  const base = Date.parse('2025-02-01T00:00:00Z');
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { authorization: auth, 'content-type': 'application/json' },
    requests: [
      {
        method: 'PATCH',
        setupRequest: (req) => {
          const k = n++;
          const evse = k % total;
          const round = Math.floor(k / total);
          // One second per round: a later PATCH of the same EVSE is always newer.
          const body = JSON.stringify({
            status: round % 2 ? 'AVAILABLE' : 'CHARGING',
            last_updated: iso(base + round * 1000),
          });
          return {
            ...req,
            path: `/ocpi/2.2.1/receiver/locations/NL/BEN/L${Math.floor(evse / EVSES_PER)}/E${evse % EVSES_PER}`,
            body,
          };
        },
      },
    ],
  });
}

/** The baseline: the same kind of status change as a single UPDATE per transaction, nothing else. */
function updateLoop(file: string): { ops: number; seconds: number } {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const pks = db.prepare('SELECT pk FROM evses ORDER BY pk').pluck().all() as string[];
  const update = db.prepare('UPDATE evses SET status = ?, status_updated_at = ? WHERE pk = ?');
  const base = Date.parse('2025-03-01T00:00:00Z');
  const started = performance.now();
  let ops = 0;
  while (performance.now() - started < BASELINE_SECONDS * 1000) {
    for (let i = 0; i < 1000; i++, ops++) {
      const round = Math.floor(ops / pks.length);
      update.run(round % 2 ? 'AVAILABLE' : 'CHARGING', iso(base + round * 1000), pks[ops % pks.length]);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return { ops, seconds };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-bench-push-'));
  const file = join(dir, 'atlas.db');
  try {
    await seedBenchSource(
      file,
      Array.from({ length: LOCATIONS }, (_, i) => benchLocation(i)),
      [BENCH_PARTY],
    );
    const { child, port } = await startBenchAtlas(SELF, file);
    let result: autocannon.Result;
    let serverCpu: number | null = null;
    try {
      const cpuAtStart = processCpuSeconds(child.pid!);
      result = await pushLoad(port);
      const cpuAtEnd = processCpuSeconds(child.pid!);
      if (cpuAtStart !== null && cpuAtEnd !== null) serverCpu = cpuAtEnd - cpuAtStart;
    } finally {
      await stopBenchAtlas(child);
    }
    const db = new Database(file, { readonly: true });
    const pushEvents = db
      .prepare("SELECT count(*) FROM evse_status_events WHERE via = 'push'")
      .pluck()
      .get() as number;
    db.close();
    const baseline = updateLoop(file);

    const applied = pushEvents / SECONDS;
    const base = baseline.ops / baseline.seconds;
    const ok = result['2xx'];
    console.table([
      {
        measure: `status PATCH over HTTP (${CONNECTIONS} connections, ${SECONDS} s)`,
        'per second': Math.round(applied),
        'p50 ms': result.latency.p50,
        'p99 ms': result.latency.p99,
        note: `${ok} answered 2xx, ${result.non2xx} other, ${result.errors} errors; ${pushEvents} applied`,
      },
      {
        measure: 'server CPU per applied PATCH (us, all its threads)',
        'per second': serverCpu === null ? 'n/a' : Math.round((serverCpu * 1e6) / pushEvents),
        'p50 ms': '',
        'p99 ms': '',
        note: serverCpu === null ? '' : `${serverCpu.toFixed(1)} s of CPU over the ${SECONDS} s`,
      },
      {
        measure: `baseline: better-sqlite3 UPDATE loop (${BASELINE_SECONDS} s)`,
        'per second': Math.round(base),
        'p50 ms': '',
        'p99 ms': '',
        note: 'one UPDATE per transaction, WAL, synchronous=NORMAL, same file',
      },
    ]);
    const met = applied >= 10_000 && applied / base >= 0.5;
    console.log(
      `push: ${Math.round(applied)} status PATCHes applied/s = ${(applied / base).toFixed(3)} x the raw UPDATE loop` +
        ` (target >= 10000/s and >= 0.5x: ${met ? 'met' : 'NOT met'})`,
    );
    figure({
      bench: 'push',
      figure: `status PATCHes applied/s over loopback HTTP (${CONNECTIONS} connections)`,
      value: `${Math.round(applied)}/s`,
      baseline: `${Math.round(base)}/s UPDATE loop`,
      ratio: times(applied, base),
      target: '>= 10000/s and >= 0.5x',
      met,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const serveIndex = process.argv.indexOf('--serve');
if (serveIndex !== -1) {
  await serveBenchAtlas(process.argv[serveIndex + 1]!, TOKEN);
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await run();
}
