// Map pages as `atlas serve` answers them: a real HTTP server on loopback with the Node host's
// options (whole-body gzip and brotli, small bodies sent as they are) and real read workers. Many
// moving boxes at once, in every encoding, are byte for byte the page the app renders in process;
// identical requests sharing a rendering each get it whole; small errors are sent uncompressed, readable JSON; and clients that hang up before their answer leave nothing behind:
// their address gets its full share of answers again, and every slot of the body pool the
// workers write pages into is back. A page the response cache keeps is its own copy: pages
// rendered after it into the same slots do not change it.
import { createHash } from 'node:crypto';
import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { MIN_COMPRESSED_BYTES } from '../../src/api/http/middleware.js';
import { BODY_SLOTS } from '../../src/node/body-pool.js';
import { nodeHttpOptions } from '../../src/node/http-hooks.js';
import { startHeavyReads } from '../../src/node/read-workers.js';
import { type Atlas, buildAtlas } from '../api/atlas-fixture.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';

let atlas: Atlas;
let heavy: NonNullable<ReturnType<typeof startHeavyReads>>;
let served: ServedApp;
/** The same, with the response cache. */
let cachedServed: ServedApp;
/** The same app rendering in process, without compression: the reference answer. */
let reference: ReturnType<typeof createApp>;

beforeAll(async () => {
  atlas = await buildAtlas({ locations: 1_500, seed: 23 });
  heavy = startHeavyReads({ file: atlas.file, pageWorkers: 1 })!;
  const app = createApp({
    getDb: () => atlas.db,
    http: nodeHttpOptions({ rateLimit: false, responseCache: false, offload: heavy.offload }),
  });
  served = await serveApp(app);
  cachedServed = await serveApp(
    createApp({
      getDb: () => atlas.db,
      http: nodeHttpOptions({ rateLimit: false, offload: heavy.offload }),
    }),
  );
  reference = createApp({ getDb: () => atlas.db, http: { rateLimit: false, responseCache: false } });
}, 60_000);
afterAll(async () => {
  await served?.close();
  await cachedServed?.close();
  await heavy?.close();
  await atlas?.close();
});

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET from a loopback address (each address is a client to the limits), its bytes as sent. */
function get(
  path: string,
  encoding: string,
  from: string,
  server = served,
  headers: Record<string, string> = {},
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    http
      .get(
        `${server.url}${path}`,
        { localAddress: from, agent: false, headers: { 'accept-encoding': encoding, ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      )
      .on('error', reject);
  });
}

function decoded(r: Raw): string {
  const enc = r.headers['content-encoding'];
  const bytes = enc === 'gzip' ? gunzipSync(r.body) : enc === 'br' ? brotliDecompressSync(r.body) : r.body;
  return bytes.toString('utf8');
}

/** Compared by digest: a failing 700 KB comparison would print both bodies whole. */
const digest = (text: string) => `${text.length}:${createHash('sha256').update(text).digest('hex')}`;

/** The k-th box of a pan over the synthetic area: a new URL each time. */
const boxPath = (k: number) => {
  const x = -10 + ((k * 0.37) % 15);
  const y = 35 + ((k * 0.21) % 15);
  return `/v1/sites?bbox=${x.toFixed(2)},${y.toFixed(2)},${(x + 20).toFixed(2)},${(y + 20).toFixed(2)}&limit=${
    50 + ((k * 37) % 400)
  }`;
};

/**
 * Resolves once every body pool slot is back: released as soon as its answer is written or
 * copied (a slot only the collector would give back would keep this waiting, to the test's timeout).
 */
async function allSlotsBack(): Promise<void> {
  while (heavy.freeBodySlots() < BODY_SLOTS) await new Promise((r) => setTimeout(r, 10));
  expect(heavy.freeBodySlots()).toBe(BODY_SLOTS);
}

const ENCODINGS = ['gzip', 'br', 'identity', 'gzip, deflate, br'];
const CLIENTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

describe('map pages served through read workers', () => {
  it('answers many moving boxes at once in every encoding with the bytes the app renders in process', async () => {
    // 3 clients x 8 (the per-client cap) = 24 at once, within the page lane's queue.
    const paths = Array.from({ length: 24 }, (_, k) => boxPath(k));
    const answers = await Promise.all(
      paths.map((p, k) => get(p, ENCODINGS[k % ENCODINGS.length]!, CLIENTS[k % CLIENTS.length]!)),
    );
    let compressed = 0;
    for (const [k, a] of answers.entries()) {
      expect(a.status, paths[k]).toBe(200);
      const mine = await reference.request(served.url + paths[k]!);
      const text = await mine.text();
      expect(text.length).toBeGreaterThan(MIN_COMPRESSED_BYTES);
      expect(digest(decoded(a)), paths[k]).toBe(digest(text));
      expect(a.headers.etag).toBe(mine.headers.get('etag'));
      expect(a.headers.vary).toMatch(/Accept-Encoding/i);
      if (a.headers['content-encoding']) compressed++;
    }
    // Every answer to a client that accepts gzip or br was compressed.
    expect(compressed).toBe(answers.filter((_, k) => ENCODINGS[k % ENCODINGS.length] !== 'identity').length);
    const features = answers.map((a) => (JSON.parse(decoded(a)) as { features: unknown[] }).features.length);
    expect(Math.max(...features)).toBeGreaterThan(100);
    await allSlotsBack();
  }, 60_000);

  it('keeps a cached page whole while later pages are written into the slots it came in', async () => {
    const path = boxPath(501);
    const text = await (await reference.request(cachedServed.url + path)).text();
    // The second rendering of a key is kept (response-cache.ts); each is the page whole.
    for (let i = 0; i < 2; i++) {
      const a = await get(path, 'identity', '127.0.0.7', cachedServed);
      expect(a.status).toBe(200);
      expect(digest(decoded(a))).toBe(digest(text));
    }
    // More pages than the pool has slots, at once and one after another, through both servers.
    const others = Array.from({ length: BODY_SLOTS * 2 }, (_, k) => boxPath(600 + k));
    const from = (k: number) => `127.0.0.${8 + (k % 4)}`;
    for (const r of await Promise.all(others.map((p, k) => get(p, 'identity', from(k), cachedServed))))
      expect(r.status).toBe(200);
    for (const p of others.slice(0, 4)) expect((await get(p, 'gzip', '127.0.0.8')).status).toBe(200);
    const again = await get(path, 'identity', '127.0.0.7', cachedServed);
    expect(again.status).toBe(200);
    expect(digest(decoded(again))).toBe(digest(text));
    // Its validator still answers 304, with the same ETag.
    const etag = String(again.headers.etag);
    const revalidated = await get(path, 'identity', '127.0.0.7', cachedServed, { 'if-none-match': etag });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.etag).toBe(etag);
    expect(revalidated.body.length).toBe(0);
    await allSlotsBack();
  }, 60_000);

  it('answers identical requests in flight, which share one rendering, each with the whole page', async () => {
    const path = boxPath(77);
    // A large page first holds the one page worker, so the identical requests queue behind it as one.
    const holder = get('/v1/sites?limit=9500', 'identity', '127.0.0.6');
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, k) =>
        get(path, ENCODINGS[k % ENCODINGS.length]!, CLIENTS[k % CLIENTS.length]!),
      ),
    );
    expect((await holder).status).toBe(200);
    const text = await (await reference.request(served.url + path)).text();
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(digest(decoded(a))).toBe(digest(text));
    }
    await allSlotsBack();
  }, 60_000);

  it('sends a small error as it is, readable JSON, even to a client that accepts gzip', async () => {
    // The worker's 400 (a refusal from the caps is as small, and as common under load).
    const bad = await get('/v1/sites?bbox=nonsense', 'gzip, br', '127.0.0.4');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-encoding']).toBeUndefined();
    expect(bad.headers.vary).toMatch(/Accept-Encoding/i);
    expect(bad.body.length).toBeLessThan(MIN_COMPRESSED_BYTES);
    expect((JSON.parse(bad.body.toString('utf8')) as { error: { code: string } }).error.code).toBeTruthy();
  }, 60_000);

  it('leaves nothing behind when clients hang up before their answers', async () => {
    const from = '127.0.0.5';
    // A full cap of large pages (the whole area, ~1 MB each) whose clients go away as soon as their
    // requests are sent, while they wait in the lane or render.
    let answeredBeforeHangUp = 0;
    const aborted = Array.from({ length: 8 }, (_, k) => {
      const req = http.get(`${served.url}/v1/sites?limit=${9_000 + k}`, {
        localAddress: from,
        agent: false,
        headers: { 'accept-encoding': 'gzip' },
      });
      req.on('error', () => undefined);
      req.on('response', (res) => {
        answeredBeforeHangUp++;
        res.resume();
      });
      req.on('finish', () => req.destroy());
      return req;
    });
    await Promise.all(aborted.map((r) => new Promise((done) => r.once('close', done))));
    expect(answeredBeforeHangUp).toBeLessThan(8);
    // Until the abandoned renderings are done, the address may still be at its cap (429).
    for (;;) {
      const probe = await get(boxPath(30), 'identity', from);
      if (probe.status === 200) break;
      expect(probe.status).toBe(429);
      await new Promise((r) => setTimeout(r, 20));
    }
    // The same address again gets its full share, each answer the page rendered in process: no
    // admission or in-flight rendering of the aborted ones is still counted against it.
    for (;;) {
      const probe = await get(boxPath(300), 'identity', from);
      if (probe.status === 200) break;
      expect(probe.status).toBe(429);
      await new Promise((r) => setTimeout(r, 20));
    }
    const again = await Promise.all(Array.from({ length: 8 }, (_, k) => get(boxPath(200 + k), 'gzip', from)));
    for (const [k, a] of again.entries()) {
      expect(a.status).toBe(200);
      expect(digest(decoded(a))).toBe(
        digest(await (await reference.request(served.url + boxPath(200 + k))).text()),
      );
    }
    await allSlotsBack();
  }, 60_000);
});
