// SSE fan-out benchmark (issue 5): 1,000 clients connected to /v1/availability/stream, status
// changes pushed over OCPI at a steady rate; delivery latency = time from sending the PATCH to a
// client having parsed the event, over every (event, client) pair. The baseline, measured in the
// same run, is one client on the same server.
//
// The atlas serves from a child process; the clients and the pushing driver share this process, so
// the figures include the clients' own parsing time (an upper bound for the server's part).
//
//   npx tsx scripts/bench/sse.ts            (BENCH_SSE_SECONDS=5 for a quick look)
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newRegisterEvse, newRegisterLocation } from '../../src/ingest/registers/location-builders.js';
import { evseKey, locationKey } from '../../src/model/ids.js';
import { iso } from '../../src/model/iso-time.js';
import type { Location } from '../../src/model/types.js';
import { seedBenchSource, serveBenchAtlas, startBenchAtlas, stopBenchAtlas } from './push-target.js';

const TOKEN = 'bench-sse-token-2b8d';
const CLIENTS = Number(process.env.BENCH_SSE_CLIENTS ?? 1_000);
const SECONDS = Number(process.env.BENCH_SSE_SECONDS ?? 15);
const RATE = 20; // status changes per second
const EVSES = 200;
const SELF = fileURLToPath(import.meta.url);
const BBOX = '4.9,51.9,5.3,52.3';
/** Status of each bench EVSE as the driver last pushed it. */
const current = new Map<number, string>();

function location(i: number): Location {
  const at = '2025-01-01T00:00:00Z';
  return newRegisterLocation({
    countryCode: 'NL',
    partyId: 'BEN',
    id: `S${i}`,
    city: 'Utrecht',
    country: 'NLD',
    lat: 52 + i / 1000,
    lon: 5 + i / 1000,
    evses: [newRegisterEvse({ uid: 'E1', status: 'AVAILABLE', connectors: [], lastUpdated: at })],
    lastUpdated: at,
  });
}

interface Stream {
  events: number;
  close(): void;
}

/** One SSE client over plain node:http: splits frames, records the latency of each status event. */
function connect(
  port: number,
  sentAt: Map<string, number>,
  latencies: number[],
  agent: http.Agent,
): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const stream: Stream = { events: 0, close: () => req.destroy() };
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: `/v1/availability/stream?bbox=${BBOX}`,
        agent,
        headers: { accept: 'text/event-stream' },
      },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`stream answered ${res.statusCode}`));
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end !== -1) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = frame.indexOf('\ndata: ');
            if (data !== -1) {
              const e = JSON.parse(frame.slice(data + 7)) as { id: string; at: string };
              const t0 = sentAt.get(`${e.id}|${e.at}`);
              if (t0 !== undefined) latencies.push(performance.now() - t0);
              stream.events++;
            } else if (frame.includes(': connected')) resolve(stream);
            end = buffer.indexOf('\n\n');
          }
        });
      },
    );
    req.on('error', (err) => {
      if (!('destroyed' in req && req.destroyed)) reject(err);
    });
  });
}

const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN;

async function phase(port: number, clients: number, seconds: number, startMs: number) {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const streams: Stream[] = [];
  for (let i = 0; i < clients; i += 100) {
    streams.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(100, clients - i) }, () => connect(port, sentAt, latencies, agent)),
      )),
    );
  }
  const auth = `Token ${Buffer.from(TOKEN).toString('base64')}`;
  const pushAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const total = Math.round(seconds * RATE);
  const lpkOf = (i: number) => locationKey('bench', 'NL', 'BEN', `S${i}`);
  const started = performance.now();
  let sent = 0;
  for (let k = 0; k < total; k++) {
    // A steady rate: wait for this change's slot.
    const due = started + (k * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const i = k % EVSES;
    const at = iso(startMs + k * 1000);
    // Every PATCH flips the EVSE, so each one is a change that is streamed.
    const status = current.get(i) === 'CHARGING' ? 'AVAILABLE' : 'CHARGING';
    current.set(i, status);
    sentAt.set(`${evseKey(lpkOf(i), 'E1')}|${at}`, performance.now());
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'PATCH',
          path: `/ocpi/2.2.1/receiver/locations/NL/BEN/S${i}/E1`,
          agent: pushAgent,
          headers: { authorization: auth, 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`PATCH answered ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ status, last_updated: at }));
    });
    sent++;
  }
  // Let the last events arrive.
  const deadline = performance.now() + 5_000;
  while (latencies.length < sent * clients && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  for (const s of streams) s.close();
  pushAgent.destroy();
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    clients,
    sent,
    expected: sent * clients,
    delivered: latencies.length,
    p50: pct(sorted, 50),
    p99: pct(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-bench-sse-'));
  const file = join(dir, 'atlas.db');
  try {
    await seedBenchSource(
      file,
      Array.from({ length: EVSES }, (_, i) => location(i)),
      [],
    );
    const { child, port } = await startBenchAtlas(SELF, file);
    try {
      const one = await phase(port, 1, Math.min(5, SECONDS), Date.parse('2025-02-01T00:00:00Z'));
      const many = await phase(port, CLIENTS, SECONDS, Date.parse('2025-03-01T00:00:00Z'));
      const row = (label: string, r: typeof one) => ({
        measure: label,
        'changes sent': r.sent,
        'deliveries (expected)': `${r.delivered} (${r.expected})`,
        'p50 ms': Number(r.p50.toFixed(1)),
        'p99 ms': Number(r.p99.toFixed(1)),
        'max ms': Number(r.max.toFixed(1)),
      });
      console.table([row('baseline: 1 client', one), row(`${CLIENTS} clients, ${RATE} changes/s`, many)]);
      console.log(
        `sse: ${CLIENTS} clients, delivery latency p50 ${many.p50.toFixed(1)} ms, p99 ${many.p99.toFixed(1)} ms ` +
          `(1 client: p50 ${one.p50.toFixed(1)} ms, p99 ${one.p99.toFixed(1)} ms); ${many.delivered}/${many.expected} delivered`,
      );
    } finally {
      await stopBenchAtlas(child);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const serveIndex = process.argv.indexOf('--serve');
if (serveIndex !== -1) {
  await serveBenchAtlas(process.argv[serveIndex + 1]!, TOKEN, { streams: true, maxConnections: 20_000 });
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await run();
}
