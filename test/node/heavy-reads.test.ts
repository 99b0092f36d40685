// Heavy reads run beside the event loop, capped per route class: with the one page slot held by a
// slow rendering (an injected executor that answers only when the test says so), /healthz still
// answers, one more bbox request waits, the next is refused with 503 + Retry-After, and a client
// over its own cap gets 429. Then the real thing: answers rendered by worker threads over a
// read-only connection are those the main thread would have rendered.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import type { OffloadedAnswer } from '../../src/api/http/options.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import { BodyPool } from '../../src/node/body-pool.js';
import { createHeavyReads, type HeavyReadOptions, heavyLaneOf } from '../../src/node/heavy-reads.js';
import { socketClientIp } from '../../src/node/http-hooks.js';
import {
  createReadWorkers,
  PAGE_SLOTS_PER_WORKER,
  READ_WORKER_LIMITS,
  startHeavyReads,
} from '../../src/node/read-workers.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';
import { DEFAULT_SOURCES, ocpiLocation, TOKEN_NL } from '../ocpi/receiver/push-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'atlas-heavy-'));
const file = join(dir, 'atlas.db');
let db: Db;

beforeAll(async () => {
  db = openSqlite(file);
  await upsertSources(db, DEFAULT_SOURCES, new Date().toISOString());
  const app = createApp({ getDb: () => db, sources: DEFAULT_SOURCES, http: { rateLimit: false } });
  for (const [id, lon] of [
    ['A1', 5.1],
    ['A2', 5.2],
  ] as const) {
    const res = await app.request(`/ocpi/2.2.1/receiver/locations/NL/TNM/${id}`, {
      method: 'PUT',
      headers: { Authorization: `Token ${btoa(TOKEN_NL)}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(
        ocpiLocation('2.2.1', {
          id,
          lat: 52.1,
          lon,
          lastUpdated: '2025-03-01T11:00:00Z',
          evses: [{ uid: `${id}-1`, status: 'AVAILABLE' }],
        }),
      ),
    });
    expect(res.status).toBe(201);
  }
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A GET from a chosen loopback address: each address is another client to the limits. */
function get(url: string, from = '127.0.0.1'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { localAddress: from, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

/** A slow heavy route: every rendering waits until the test releases it. */
function gatedExecutor() {
  const started: string[] = [];
  const waiting: (() => void)[] = [];
  let onStart: (() => void) | null = null;
  const execute: HeavyReadOptions['execute'] = (_lane, _slot, req) => {
    const search = 'url' in req ? new URL(req.url).search : 'replay';
    started.push(search);
    onStart?.();
    return new Promise<OffloadedAnswer>((resolve) => {
      waiting.push(() =>
        resolve({
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: new TextEncoder().encode(JSON.stringify({ rendered: search })),
        }),
      );
    });
  };
  return {
    execute,
    started,
    /** Resolves once `n` renderings have started. */
    startedCount: (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (started.length >= n) resolve();
        };
        onStart = check;
        check();
      }),
    releaseAll: () => {
      for (const w of waiting.splice(0)) w();
    },
  };
}

async function serveWithCaps(
  gate: ReturnType<typeof gatedExecutor>,
  caps: Partial<Omit<HeavyReadOptions, 'execute'>> = {},
): Promise<ServedApp & { admitted: (n: number) => Promise<void> }> {
  const heavy = createHeavyReads({
    lanes: { pages: { workers: 1, maxQueued: 1 }, aggregates: { workers: 1, maxQueued: 0 } },
    perClient: 8,
    maxWaitMs: 60_000,
    execute: gate.execute,
    ...caps,
  });
  const app = createApp({
    getDb: () => db,
    http: { rateLimit: false, responseCache: false, clientIp: socketClientIp(), offload: heavy.offload },
  });
  const served = await serveApp(app);
  /** Resolves once `n` heavy requests are admitted (queued, rendering or sharing one). */
  const admitted = async (n: number) => {
    while (heavy.admitted() < n) await new Promise((r) => setImmediate(r));
  };
  return { ...served, admitted };
}

const box = (k: number) => `/v1/sites?bbox=${k},50,${k + 1},51`;

describe('heavy reads capped per route class', () => {
  it('queues one bbox request behind the busy slot, refuses the next with 503, and /healthz answers', async () => {
    const gate = gatedExecutor();
    const served = await serveWithCaps(gate);
    try {
      const first = get(served.url + box(1), '127.0.0.1');
      await gate.startedCount(1);
      const queued = get(served.url + box(2), '127.0.0.2');
      await served.admitted(2);
      const refused = await get(served.url + box(3), '127.0.0.3');
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('2');
      expect(refused.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(refused.body).error.code).toBe('busy');

      // The event loop is free while the heavy route renders: health and cheap routes answer.
      const health = await get(`${served.url}/healthz`, '127.0.0.3');
      expect(health.status).toBe(200);
      expect((await get(`${served.url}/v1/sources`, '127.0.0.3')).status).toBe(200);
      // Statistics have their own lane: a held page slot does not stop them starting.
      const stats = get(`${served.url}/v1/stats`, '127.0.0.3');
      await gate.startedCount(2);
      expect(gate.started).toEqual(['?bbox=1,50,2,51', '']);

      gate.releaseAll();
      expect(JSON.parse((await first).body)).toEqual({ rendered: '?bbox=1,50,2,51' });
      await gate.startedCount(3);
      gate.releaseAll();
      const second = await queued;
      expect(second.status).toBe(200);
      expect(second.headers['x-request-id']).toBeTruthy();
      expect(JSON.parse(second.body)).toEqual({ rendered: '?bbox=2,50,3,51' });
      expect((await stats).status).toBe(200);
    } finally {
      gate.releaseAll();
      await served.close();
    }
  });

  it('serves the last statistics while their worker is busy, and no other aggregate so', async () => {
    const gate = gatedExecutor();
    const heavy = createHeavyReads({
      lanes: { pages: { workers: 1, maxQueued: 1 }, aggregates: { workers: 1, maxQueued: 8 } },
      perClient: 8,
      maxWaitMs: 60_000,
      execute: gate.execute,
      lastAnswers: { patienceMs: 20, maxKeys: 8, maxBytes: 1 << 20 },
    });
    const ask = (path: string) => heavy.offload(new Request(`http://atlas.test${path}`), 'client')!;
    const answered = async (path: string, n: number) => {
      const a = ask(path);
      await gate.startedCount(n);
      gate.releaseAll();
      return a;
    };
    const text = (a: OffloadedAnswer) => new TextDecoder().decode(a.body!);
    const done = <T>(p: Promise<T>) => {
      const state = { done: false };
      void p.then(() => {
        state.done = true;
      });
      return state;
    };
    try {
      const first = await answered('/v1/stats', 1);
      expect(first.headers.age).toBeUndefined();
      const byCountry = await answered('/v1/stats/by-country?source=a', 2);
      await answered('/v1/stats/occupancy', 3);
      // The worker is now held (a refresh of a minute): later statistics requests (every one that
      // counts: stats.ts STATS_FRESH_MS) get the last answer, while occupancy asked before them
      // (it follows the clock) still waits for the worker.
      const busy = ask('/v1/stats');
      await gate.startedCount(4);
      const occupancy = ask('/v1/stats/occupancy');
      const busyByCountry = ask('/v1/stats/by-country?source=a');
      const stats = ask('/v1/stats?country=NL');
      const stood = await busy;
      expect(stood.status).toBe(200);
      expect(text(stood)).toBe(text(first));
      expect(stood.headers.age).toBe('0');
      expect(text(await busyByCountry)).toBe(text(byCountry));
      // Occupancy waits, and so does a query nobody had an answer to (its patience ran out after it).
      const [occupancyState, statsState] = [done(occupancy), done(stats)];
      await new Promise((r) => setTimeout(r, 60));
      expect({ occupancy: occupancyState.done, stats: statsState.done }).toEqual({
        occupancy: false,
        stats: false,
      });
      for (let n = 5; n <= 7; n++) {
        gate.releaseAll();
        await gate.startedCount(n);
      }
      gate.releaseAll();
      expect((await occupancy).status).toBe(200);
      expect(text(await stats)).toEqual(JSON.stringify({ rendered: '?country=NL' }));
    } finally {
      gate.releaseAll();
    }
  });

  it('serves the statistics an earlier server kept while the first computation runs, on any host', async () => {
    const gate = gatedExecutor();
    const saved: string[][] = [];
    const heavy = createHeavyReads({
      lanes: { pages: { workers: 1, maxQueued: 1 }, aggregates: { workers: 1, maxQueued: 8 } },
      perClient: 8,
      maxWaitMs: 60_000,
      execute: gate.execute,
      lastAnswers: {
        patienceMs: 20,
        maxKeys: 8,
        maxBytes: 1 << 20,
        // Kept by a server that listened elsewhere, a minute ago (answer-file.ts gives them back).
        restored: [
          {
            key: '/v1/stats|',
            at: Date.now() - 60_000,
            answer: {
              status: 200,
              headers: { 'content-type': 'application/json' },
              body: new TextEncoder().encode('{"restored":true}'),
            },
          },
        ],
        onChange: (answers) => saved.push(answers.map((a) => a.key)),
      },
    });
    try {
      const stood = await heavy.offload(new Request('http://127.0.0.1:41234/v1/stats'), 'client')!;
      expect(stood.status).toBe(200);
      expect(new TextDecoder().decode(stood.body!)).toBe('{"restored":true}');
      expect(Number(stood.headers.age)).toBeGreaterThanOrEqual(60);
      // A query it has no answer to waits for the worker.
      let filteredDone = false;
      const filtered = heavy.offload(new Request('http://127.0.0.1:41234/v1/stats?country=NL'), 'client')!;
      void filtered.then(() => {
        filteredDone = true;
      });
      await new Promise((r) => setTimeout(r, 60));
      expect(filteredDone).toBe(false);
      gate.releaseAll();
      await gate.startedCount(2);
      gate.releaseAll();
      expect((await filtered).status).toBe(200);
      // The first computation's answer replaces the restored one, under the host-free key.
      expect(saved.at(-1)).toEqual(['/v1/stats|', '/v1/stats?country=NL|']);
    } finally {
      gate.releaseAll();
    }
  });

  it('refuses a client over its own cap with 429 while another client is still admitted', async () => {
    const gate = gatedExecutor();
    const served = await serveWithCaps(gate, {
      perClient: 2,
      lanes: { pages: { workers: 2, maxQueued: 8 }, aggregates: { workers: 1, maxQueued: 8 } },
    });
    try {
      const held = [get(served.url + box(1)), get(served.url + box(2))];
      await gate.startedCount(2);
      const over = await get(served.url + box(3));
      expect(over.status).toBe(429);
      expect(over.headers['retry-after']).toBe('2');
      expect(JSON.parse(over.body).error.code).toBe('rate_limited');
      const other = get(served.url + box(4), '127.0.0.2');
      gate.releaseAll();
      expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
      await gate.startedCount(3);
      gate.releaseAll();
      expect((await other).status).toBe(200);
      expect(gate.started).not.toContain('?bbox=3,50,4,51');
    } finally {
      gate.releaseAll();
      await served.close();
    }
  });

  it('renders identical requests in flight once', async () => {
    const gate = gatedExecutor();
    const served = await serveWithCaps(gate);
    try {
      const a = get(served.url + box(7), '127.0.0.1');
      await gate.startedCount(1);
      const b = get(served.url + box(7), '127.0.0.2');
      // The first is rendering and the slot is held: an unshared second request would be queued,
      // and this third, different one refused; shared, the queue still has room.
      const c = get(served.url + box(8), '127.0.0.3');
      await served.admitted(3);
      gate.releaseAll();
      await gate.startedCount(2);
      gate.releaseAll();
      const [ra, rb, rc] = await Promise.all([a, b, c]);
      expect([ra.status, rb.status, rc.status]).toEqual([200, 200, 200]);
      expect(ra.body).toBe(rb.body);
      expect(gate.started).toEqual(['?bbox=7,50,8,51', '?bbox=8,50,9,51']);
    } finally {
      gate.releaseAll();
      await served.close();
    }
  });

  it('answers 503 to a request that waited longer than the bound, never leaving it hanging', async () => {
    const gate = gatedExecutor();
    const served = await serveWithCaps(gate, { maxWaitMs: 1 });
    try {
      const res = await get(served.url + box(1));
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('2');
      expect(JSON.parse(res.body).error.code).toBe('busy');
    } finally {
      gate.releaseAll();
      await served.close();
    }
  });

  it('sends pages, tiles, OGC items and statistics to workers, and leaves the rest in process', () => {
    expect(heavyLaneOf('/v1/sites')).toBe('pages');
    expect(heavyLaneOf('/v1/locations')).toBe('pages');
    expect(heavyLaneOf('/v1/tiles/3/4/2.mvt')).toBe('pages');
    expect(heavyLaneOf('/ogc/collections/sites/items')).toBe('pages');
    expect(heavyLaneOf('/v1/stats')).toBe('aggregates');
    expect(heavyLaneOf('/v1/stats/by-country')).toBe('aggregates');
    expect(heavyLaneOf('/v1/operators')).toBe('aggregates');
    expect(heavyLaneOf('/v1/sites/abc')).toBeNull();
    expect(heavyLaneOf('/healthz')).toBeNull();
    expect(heavyLaneOf('/v1/dumps/sites.sqlite.gz')).toBeNull();
  });

  it('sends /v1/availability to the page workers when its limit lets it read more than 1,000 rows', () => {
    const lane = (query: string) => heavyLaneOf('/v1/availability', new URLSearchParams(query));
    // The default limit (20,000): a world box, a city box, a walk of changes whatever the area.
    expect(lane('bbox=-180,-90,180,90')).toBe('pages');
    expect(lane('bbox=4.8,52.3,4.95,52.4')).toBe('pages');
    expect(lane('bbox=4.8,52.3,4.95,52.4&since=5')).toBe('pages');
    expect(lane('locations=a,b&since=5')).toBe('pages');
    expect(lane('bbox=-180,-90,180,90&limit=1001')).toBe('pages');
    // At most 1,000 rows, at most MAX_LOCATION_IDS locations, or a query refused at once: here.
    expect(lane('bbox=-180,-90,180,90&limit=1000')).toBeNull();
    expect(lane('bbox=-180,-90,180,90&since=5&limit=1000')).toBeNull();
    expect(lane('locations=a,b')).toBeNull();
    expect(lane('bbox=-180,-90,180,90&locations=a,b')).toBeNull();
    expect(lane('bbox=nonsense')).toBeNull();
    expect(lane('')).toBeNull();
    expect(heavyLaneOf('/v1/availability/stream', new URLSearchParams('bbox=-180,-90,180,90'))).toBeNull();
  });

  it('renders a world box of /v1/availability away from the event loop, which answers /healthz meanwhile', async () => {
    const gate = gatedExecutor();
    const served = await serveWithCaps(gate);
    try {
      const world = get(`${served.url}/v1/availability?bbox=-180,-90,180,90`);
      // On the event loop the answer would come first, and the gate would never see it.
      const first = await Promise.race([
        gate.startedCount(1).then(() => 'worker'),
        world.then(() => 'event loop'),
      ]);
      expect(first).toBe('worker');
      expect(gate.started).toEqual(['?bbox=-180,-90,180,90']);
      expect((await get(`${served.url}/healthz`, '127.0.0.2')).status).toBe(200);
      // A small limit stays on the event loop while the page slot is held.
      const small = await get(`${served.url}/v1/availability?bbox=-180,-90,180,90&limit=1000`, '127.0.0.2');
      expect(small.status).toBe(200);
      expect(gate.started).toHaveLength(1);
      gate.releaseAll();
      expect(JSON.parse((await world).body)).toEqual({ rendered: '?bbox=-180,-90,180,90' });
    } finally {
      gate.releaseAll();
      await served.close();
    }
  });
});

describe('heavy reads on worker threads', () => {
  it('renders two pages at once on two page threads, each holding two slots, each page its own answer', async () => {
    const workers = createReadWorkers({ file }, READ_WORKER_LIMITS, new BodyPool(), 2);
    try {
      const page = (k: number) => ({
        url: `http://localhost/v1/sites?bbox=${k},50,${k + 1},53`,
        accept: null,
      });
      // The lane hands out its idle slots last first: 3 and 2 would both be one thread's if slots were tied to threads.
      const [a, b] = await Promise.all([
        workers.execute('pages', 2 * PAGE_SLOTS_PER_WORKER - 1, page(4)),
        workers.execute('pages', 2 * PAGE_SLOTS_PER_WORKER - 2, page(5)),
      ]);
      expect(Object.keys(workers.memory()).sort()).toEqual(['pages/0', 'pages/1']);
      // And one thread holding two pages answers each with its own.
      const one = createReadWorkers({ file }, READ_WORKER_LIMITS, new BodyPool(), 1);
      try {
        const [c, d] = await Promise.all([
          one.execute('pages', 1, page(4)),
          one.execute('pages', 0, page(5)),
        ]);
        expect(Object.keys(one.memory())).toEqual(['pages/0']);
        expect(Buffer.from(c.body!).equals(Buffer.from(a.body!))).toBe(true);
        expect(Buffer.from(d.body!).equals(Buffer.from(b.body!))).toBe(true);
        expect(Buffer.from(c.body!).equals(Buffer.from(d.body!))).toBe(false);
        c.release?.();
        d.release?.();
      } finally {
        await one.close();
      }
      a.release?.();
      b.release?.();
    } finally {
      await workers.close();
    }
  });

  it('transfers a map page too large for a pool slot whole, the same bytes as one written into a slot', async () => {
    // A map page leaves the worker in pieces (frame and features): joined when it cannot be pooled.
    const page = { url: 'http://localhost/v1/sites?bbox=3,50,7,54', accept: null };
    const pooled = createReadWorkers({ file }, READ_WORKER_LIMITS, new BodyPool(), 1);
    const small = createReadWorkers({ file }, READ_WORKER_LIMITS, new BodyPool(2, 256), 1);
    try {
      const a = await pooled.execute('pages', 0, page);
      const b = await small.execute('pages', 0, page);
      expect(a.status).toBe(200);
      expect(a.body!.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(b.body!.buffer).toBeInstanceOf(ArrayBuffer);
      expect(b.body!.byteLength).toBeGreaterThan(256);
      expect(Buffer.from(b.body!).equals(Buffer.from(a.body!))).toBe(true);
      expect(b.headers).toEqual(a.headers);
      a.release?.();
      b.release?.();
    } finally {
      await pooled.close();
      await small.close();
    }
  });

  it('replays a resumed event stream with pages read by a worker thread', async () => {
    const heavy = startHeavyReads({ file, pageWorkers: 1 })!;
    const pages: number[] = [];
    const app = createApp({
      getDb: () => db,
      http: { rateLimit: false },
      // The worker's reader, counting the pages it answered.
      streamReplay: async (afterId, limit, bbox) => {
        const page = await heavy.replayEvents(afterId, limit, bbox);
        pages.push(page?.events.length ?? -1);
        return page;
      },
    });
    const ids = (await db.all<{ id: number }>('SELECT id FROM evse_status_events ORDER BY id')).map(
      (r) => r.id,
    );
    expect(ids.length).toBeGreaterThan(0);
    const served = await serveApp(app);
    const ctl = new AbortController();
    try {
      const res = await fetch(`${served.url}/v1/availability/stream?bbox=-180,-90,180,90`, {
        headers: { 'last-event-id': String(ids[0]! - 1) },
        signal: ctl.signal,
      });
      expect(res.status).toBe(200);
      let text = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        if ((text.match(/^id: /gm) ?? []).length >= ids.length) break;
      }
      ctl.abort();
      expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual(ids);
      expect(pages[0]).toBe(ids.length);
    } finally {
      await served.close();
      await heavy.close();
    }
  });

  it('answers as the main thread would, over a read-only connection of its own', async () => {
    const heavy = startHeavyReads({ file, pageWorkers: 1 });
    expect(heavy).not.toBeNull();
    // The statistics were computed as the workers started, before any request asked for them.
    expect(await heavy!.warmed).toBe(200);
    const inProcess = createApp({ getDb: () => db, http: { rateLimit: false, responseCache: false } });
    const offloaded = createApp({
      getDb: () => db,
      http: { rateLimit: false, responseCache: false, offload: heavy!.offload },
    });
    const served = await serveApp(offloaded);
    try {
      for (const path of ['/v1/sites?bbox=5,52,6,53', '/v1/stats', '/v1/locations?bbox=5,52,6,53']) {
        const mine = await inProcess.request(served.url + path);
        const theirs = await fetch(served.url + path);
        expect(theirs.status).toBe(200);
        const body = await theirs.json();
        expect(body).toEqual(await mine.json());
        expect(theirs.headers.get('etag')).toBe(mine.headers.get('etag'));
      }
      const sites = (await (await fetch(`${served.url}/v1/sites?bbox=5,52,6,53`)).json()) as {
        features: unknown[];
      };
      expect(sites.features).toHaveLength(2);
      // A bad parameter is the worker's 400, as in process.
      const bad = await fetch(`${served.url}/v1/sites?bbox=nonsense`);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBeTruthy();
    } finally {
      await served.close();
      await heavy!.close();
    }
  });

  it('answers /v1/availability on a page thread with the bytes the event loop would', async () => {
    const heavy = startHeavyReads({ file, pageWorkers: 1 })!;
    const offloaded = createApp({
      getDb: () => db,
      http: { rateLimit: false, responseCache: false, offload: heavy.offload },
    });
    const served = await serveApp(offloaded);
    try {
      for (const path of [
        '/v1/availability?bbox=-180,-90,180,90',
        '/v1/availability?bbox=5,52,6,53&since=0',
        '/v1/availability?bbox=-180,-90,180,90&limit=1001&since=999999',
      ]) {
        const theirs = await fetch(served.url + path);
        const body = await theirs.text();
        expect(theirs.status, path).toBe(200);
        // The same request in process, at the time the worker answered it (stale flags follow it).
        const at = new Date(JSON.parse(body).generated_at);
        const inProcess = createApp({
          getDb: () => db,
          clock: () => at,
          http: { rateLimit: false, responseCache: false },
        });
        const mine = await inProcess.request(served.url + path);
        expect(body, path).toBe(await mine.text());
        expect(theirs.headers.get('etag')).toBe(mine.headers.get('etag'));
      }
      // A page thread answered them (it reports its memory with each answer).
      expect(Object.keys(heavy.memory())).toContain('pages/0');
    } finally {
      await served.close();
      await heavy.close();
    }
  });

  it('serves the warmed statistics for a minute, and new ones once told to renew them', async () => {
    const heavy = startHeavyReads({ file, pageWorkers: 1 });
    expect(await heavy!.warmed).toBe(200);
    const stats = createApp({
      getDb: () => db,
      sources: DEFAULT_SOURCES,
      http: { rateLimit: false, responseCache: false, offload: heavy!.offload },
    });
    const locations = async () =>
      ((await (await stats.request('/v1/stats')).json()) as { totals: { locations: number } }).totals
        .locations;
    try {
      const before = await locations();
      // A location lands after the warm-up, as the server's first sync lands after it.
      const put = await stats.request('/ocpi/2.2.1/receiver/locations/NL/TNM/A9', {
        method: 'PUT',
        headers: { Authorization: `Token ${btoa(TOKEN_NL)}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(
          ocpiLocation('2.2.1', {
            id: 'A9',
            lat: 52.3,
            lon: 5.9,
            lastUpdated: '2025-03-01T11:00:00Z',
            evses: [{ uid: 'A9-1', status: 'AVAILABLE' }],
          }),
        ),
      });
      expect(put.status).toBe(201);
      // Within the minute the warmed answer stands (the freshness rule of /v1/stats).
      expect(await locations()).toBe(before);
      // Asked right after the call, not after it resolves: the lane runs the renewal first.
      const renewed = heavy!.renewStatistics();
      expect(await locations()).toBe(before + 1);
      expect(await renewed).toBe(200);
    } finally {
      await heavy!.close();
    }
  });
});
