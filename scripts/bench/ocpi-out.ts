// OCPI sender benchmark (docs/ocpi-out.md). 1) Page throughput over loopback HTTP on the 1M-EVSE
// synthetic database: an eMSP crawling /ocpi/2.2.1/sender/locations by Link, pages of 1,000, in
// locations per second, against our own bbox GeoJSON endpoint (/v1/locations, 1,000 per answer)
// in the same run. 2) Push outbox delivery rate on a small synthetic database to a receiver on
// loopback, status PATCHes and location PUTs per second, against plain sequential requests of the
// same bodies to the same receiver (the outbox sends one request at a time per client).
// Run alone with `npx tsx scripts/bench/ocpi-out.ts`, or through `npm run bench -- ocpi-out`.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { createApp } from '../../src/api/app.js';
import { addClient, registerClient } from '../../src/db/queries/ocpi-clients.js';
import { senderLocationByPk } from '../../src/db/queries/ocpi-sender.js';
import { publishedSql } from '../../src/db/queries/publication.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { evseStatusStmts } from '../../src/db/write-evse.js';
import { silentLogger } from '../../src/log.js';
import { nodeHttpOptions } from '../../src/node/http-hooks.js';
import { createOcpiClient } from '../../src/ocpi/client/index.js';
import { locationToOcpi } from '../../src/ocpi/receiver/to-ocpi.js';
import { drainOutbox } from '../../src/outbox/run-outbox.js';
import { syntheticBenchDb } from './synthetic-db.js';

const EVSES = Number(process.env.BENCH_OCPI_OUT_EVSES ?? 1_000_000);
const PAGES = Number(process.env.BENCH_OCPI_OUT_PAGES ?? 30);
const PAGE = 1_000;
const PUSH_EVSES = 5_000;
const log = (m: string) => console.log(m);
const perS = (n: number, ms: number) => `${Math.round((n * 1000) / ms).toLocaleString('en')}/s`;

async function listen(fetch: (r: Request) => Response | Promise<Response>) {
  return new Promise<{ url: string; close(): Promise<void> }>((resolve) => {
    const server = serve({ fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
  });
}

/** Follows the sender's Link header for PAGES pages; returns locations read and milliseconds. */
async function crawlSender(base: string) {
  let next: string | null = `${base}/ocpi/2.2.1/sender/locations?limit=${PAGE}`;
  let locations = 0;
  const started = performance.now();
  for (let p = 0; p < PAGES && next; p++) {
    const res: Response = await fetch(next);
    const body = (await res.json()) as { data?: unknown[] };
    if (res.status !== 200 || !body.data) throw new Error(`sender page ${p} answered ${res.status}`);
    locations += body.data.length;
    next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1] ?? null;
  }
  return { locations, ms: performance.now() - started };
}

/** PAGES bbox answers of up to 1,000 locations, the box moving so no answer is a repeat. */
async function crawlBbox(base: string) {
  let locations = 0;
  const started = performance.now();
  for (let k = 0; k < PAGES; k++) {
    const dx = ((k * 37) % 100) / 50;
    const dy = ((k * 53) % 100) / 100;
    const res = await fetch(
      `${base}/v1/locations?bbox=${6 + dx},${50 + dy},${8 + dx},${51.5 + dy}&limit=${PAGE}`,
    );
    const body = (await res.json()) as { features?: unknown[] };
    if (res.status !== 200 || !body.features) throw new Error(`bbox answer ${k}: ${res.status}`);
    locations += body.features.length;
  }
  return { locations, ms: performance.now() - started };
}

async function pageThroughput() {
  const file = await syntheticBenchDb(EVSES, log);
  const db = openSqlite(file);
  // Token-less reads (ATLAS_OCPI_PUBLIC): the crawl measures the pages, not the token check.
  const app = createApp({
    getDb: () => db,
    http: nodeHttpOptions({ rateLimit: false, responseCache: false }),
    ocpiSender: { publicReads: true, role: 'NAP' },
  });
  const srv = await listen(app.fetch);
  // Warm both paths once (page cache, prepared statements).
  await fetch(`${srv.url}/ocpi/2.2.1/sender/locations?limit=${PAGE}`).then((r) => r.arrayBuffer());
  await fetch(`${srv.url}/v1/locations?bbox=6,50,8,51.5&limit=${PAGE}`).then((r) => r.arrayBuffer());
  const bbox = await crawlBbox(srv.url);
  const sender = await crawlSender(srv.url);
  log(
    `  sender, ${PAGES} pages of ${PAGE} by Link: ${sender.locations} locations in ${(sender.ms / 1000).toFixed(1)} s = ${perS(sender.locations, sender.ms)}`,
  );
  log(
    `  baseline /v1/locations bbox, ${PAGES} answers: ${bbox.locations} locations in ${(bbox.ms / 1000).toFixed(1)} s = ${perS(bbox.locations, bbox.ms)}`,
  );
  log(`  sender / bbox: ${(sender.locations / sender.ms / (bbox.locations / bbox.ms)).toFixed(2)}x`);
  await srv.close();
  await db.close();
}

/** A receiver on node:http that acknowledges everything, counting requests per method. */
async function startReceiver() {
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      counts.set(req.method ?? '', (counts.get(req.method ?? '') ?? 0) + 1);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"status_code":1000,"timestamp":"2026-01-01T00:00:00Z"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, counts, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function timedDrain(db: Db) {
  const started = performance.now();
  const rows = await drainOutbox({ db, client: createOcpiClient({ retries: 0 }), log: silentLogger });
  return { rows, ms: performance.now() - started };
}

/** The same number of requests with the same bodies, one after the other: the HTTP floor. */
async function plainRequests(url: string, method: string, body: string, n: number) {
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await fetch(url, { method, body, headers: { 'Content-Type': 'application/json' } });
    await res.arrayBuffer();
  }
  return performance.now() - started;
}

async function deliveryRate() {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-ocpi-out-'));
  const copy = join(dir, 'atlas.db');
  copyFileSync(await syntheticBenchDb(PUSH_EVSES, log), copy);
  const db = openSqlite(copy);
  const receiver = await startReceiver();
  const id = await addClient(db, 'bench eMSP', 'digest', new Date().toISOString());
  await registerClient(db, id, {
    tokenCDigest: 'digest-c',
    theirToken: 'bench-token-b',
    version: '2.2.1',
    versionsUrl: `${receiver.url}/ocpi/versions`,
    tokenEncoding: 'base64',
    parties: [],
    locationsUrl: `${receiver.url}/ocpi/2.2.1/locations`,
    tariffsUrl: null,
    now: new Date().toISOString(),
  });
  const evses = await db.all<{ pk: string; location_pk: string; cell: number; status: string }>(
    `SELECT e.pk, e.location_pk, l.cell, e.status FROM evses e JOIN locations l ON l.pk = e.location_pk
     WHERE ${publishedSql('l')} AND e.removed_at IS NULL`,
  );
  const now = new Date().toISOString();
  await db.batch(
    evses.flatMap((e) =>
      evseStatusStmts(
        e.pk,
        { locationPk: e.location_pk },
        e.status === 'CHARGING' ? 'AVAILABLE' : 'CHARGING',
        now,
        {
          now,
          via: 'push',
        },
      ),
    ),
  );
  const patches = await timedDrain(db);
  const patchCount = receiver.counts.get('PATCH') ?? 0;

  const locations = [...new Set(evses.map((e) => e.location_pk))];
  await db.batch(
    locations.map((pk) => ({
      sql: "UPDATE locations SET content_hash = content_hash || '+' WHERE pk = ?",
      params: [pk],
    })),
  );
  const puts = await timedDrain(db);
  const putCount = receiver.counts.get('PUT') ?? 0;

  const patchBody = JSON.stringify({ status: 'CHARGING', last_updated: now });
  const plainPatch = await plainRequests(`${receiver.url}/p`, 'PATCH', patchBody, patchCount);
  // The body of a real PUT: one of these locations as the outbox sends it.
  const one = await senderLocationByPk(db, locations[0]!);
  const putBody = JSON.stringify(locationToOcpi(one!, '2.2.1'));
  const plainPut = await plainRequests(`${receiver.url}/p`, 'PUT', putBody, putCount);

  log(
    `  outbox: ${patchCount} status PATCHes (${patches.rows} rows) in ${(patches.ms / 1000).toFixed(1)} s = ${perS(patchCount, patches.ms)}`,
  );
  log(
    `  baseline plain sequential PATCH requests: ${perS(patchCount, plainPatch)} (outbox at ${(patchCount / patches.ms / (patchCount / plainPatch)).toFixed(2)}x)`,
  );
  log(
    `  outbox: ${putCount} location PUTs (${puts.rows} rows) in ${(puts.ms / 1000).toFixed(1)} s = ${perS(putCount, puts.ms)}`,
  );
  log(
    `  baseline plain sequential PUT requests: ${perS(putCount, plainPut)} (outbox at ${(putCount / puts.ms / (putCount / plainPut)).toFixed(2)}x)`,
  );
  await receiver.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}

export async function run(): Promise<void> {
  log(
    `ocpi-out bench: sender pages on ${EVSES.toLocaleString('en')} EVSEs; outbox delivery on ${PUSH_EVSES.toLocaleString('en')}`,
  );
  await pageThroughput();
  await deliveryRate();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
