// /v1/availability/stream over real HTTP: a streaming fetch reads the SSE frames. Exactly the
// changes inside the box arrive, in id order; a reconnect with Last-Event-ID resumes without gaps
// or repeats, also while changes keep coming; a client that stops reading is dropped.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeLocationStmts } from '../../src/db/write-location.js';
import { AvailabilityStream, type StreamOptions } from '../../src/live/availability-stream.js';
import { createStatusNotifier } from '../../src/live/status-notifier.js';
import { silentLogger } from '../../src/log.js';
import { evseKey, locationKey } from '../../src/model/ids.js';
import { normalizeLocation } from '../../src/model/normalize-location.js';
import { type Atlas, ocpiLocation, startAtlas } from '../ocpi/receiver/push-harness.js';

interface SseEvent {
  id: number;
  event: string;
  data: { id: string; status: string; previous: string | null; via: string };
}

/** A minimal EventSource over fetch: frames are parsed as they arrive. */
class SseClient {
  readonly events: SseEvent[] = [];
  comments = 0;
  status = 0;
  private buffer = '';
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];
  done: Promise<void>;

  constructor(url: string, lastEventId?: number) {
    this.done = (async () => {
      const res = await fetch(url, {
        headers: {
          Accept: 'text/event-stream',
          ...(lastEventId === undefined ? {} : { 'Last-Event-ID': String(lastEventId) }),
        },
        signal: this.abort.signal,
      });
      this.status = res.status;
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          this.buffer += decoder.decode(value, { stream: true });
          this.parse();
        }
      } catch (err) {
        if ((err as Error).name !== 'AbortError') throw err;
      }
    })();
  }

  private parse() {
    for (let end = this.buffer.indexOf('\n\n'); end !== -1; end = this.buffer.indexOf('\n\n')) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) this.comments++;
        const m = /^(\w+): ?(.*)$/.exec(line);
        if (m) fields[m[1]!] = m[2]!;
      }
      if (fields.data)
        this.events.push({ id: Number(fields.id), event: fields.event!, data: JSON.parse(fields.data) });
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when the predicate holds (checked after every chunk), or fails after a bounded wait. */
  async until(predicate: () => boolean, what: string, ms = 5_000) {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events.map((e) => e.id))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  close() {
    this.abort.abort();
  }
}

let atlas: Atlas;
const clients: SseClient[] = [];
const UTRECHT = '5.0,52.0,5.2,52.2';
const IN = ['E1', 'E2'];

beforeEach(() => startWith({}));

/** An atlas with two locations, IN (inside the box) and OUT, and the given stream options. */
async function startWith(stream: Partial<StreamOptions>) {
  atlas = await startAtlas({ deps: { stream: { pollMs: 100, heartbeatMs: 300, ...stream } } });
  await atlas.push(
    'PUT',
    '2.2.1',
    '/NL/TNM/IN',
    ocpiLocation('2.2.1', {
      id: 'IN',
      lat: 52.09,
      lon: 5.12,
      lastUpdated: '2025-03-01T09:00:00Z',
      evses: IN.map((uid) => ({ uid, status: 'AVAILABLE' })),
    }),
  );
  await atlas.push(
    'PUT',
    '2.2.1',
    '/NL/TNM/OUT',
    ocpiLocation('2.2.1', {
      id: 'OUT',
      lat: 53.2,
      lon: 6.56,
      lastUpdated: '2025-03-01T09:00:00Z',
      evses: [{ uid: 'F1', status: 'AVAILABLE' }],
    }),
  );
}
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await atlas.close();
});

let minute = 0;
/** One status change: inside the box (location IN) or outside (OUT). */
async function change(where: 'IN' | 'OUT', uid: string, status: string) {
  minute++;
  const at = new Date(Date.parse('2025-03-01T10:00:00Z') + minute * 60_000).toISOString().replace('.000', '');
  const res = await atlas.push('PATCH', '2.2.1', `/NL/TNM/${where}/${uid}`, { status, last_updated: at });
  expect(res.body.status_code).toBe(1000);
}

const inBoxIds = async (after: number) =>
  (
    await atlas.db.all<{ id: number }>(
      'SELECT id FROM evse_status_events WHERE location_pk = ? AND id > ? ORDER BY id',
      [locationKey('cpo-nl', 'NL', 'TNM', 'IN'), after],
    )
  ).map((r) => r.id);

function connect(lastEventId?: number) {
  const c = new SseClient(`${atlas.url}/v1/availability/stream?bbox=${UTRECHT}`, lastEventId);
  clients.push(c);
  return c;
}

describe('GET /v1/availability/stream', () => {
  it('sends exactly the changes inside the box, in id order', async () => {
    const c = connect();
    await c.until(() => c.comments > 0, 'the connected comment');
    expect(c.status).toBe(200);
    const start = Number(
      (await atlas.db.get<{ id: number }>('SELECT max(id) AS id FROM evse_status_events'))!.id,
    );
    await change('IN', 'E1', 'CHARGING');
    await change('OUT', 'F1', 'CHARGING');
    await change('IN', 'E2', 'CHARGING');
    await change('OUT', 'F1', 'AVAILABLE');
    await change('IN', 'E1', 'AVAILABLE');
    const expected = await inBoxIds(start);
    expect(expected).toHaveLength(3);
    await c.until(() => c.events.length >= 3, 'three events');
    // Give a stray out-of-box event the time to show up, if it were (wrongly) sent.
    await new Promise((r) => setTimeout(r, 300));
    expect(c.events.map((e) => e.id)).toEqual(expected);
    const lpk = locationKey('cpo-nl', 'NL', 'TNM', 'IN');
    expect(c.events.map((e) => [e.data.id, e.data.previous, e.data.status, e.data.via])).toEqual([
      [evseKey(lpk, 'E1'), 'AVAILABLE', 'CHARGING', 'push'],
      [evseKey(lpk, 'E2'), 'AVAILABLE', 'CHARGING', 'push'],
      [evseKey(lpk, 'E1'), 'CHARGING', 'AVAILABLE', 'push'],
    ]);
  });

  it('resumes from Last-Event-ID without gaps or repeats, while changes keep coming', async () => {
    const c1 = connect();
    await c1.until(() => c1.comments > 0, 'the connected comment');
    const start = Number(
      (await atlas.db.get<{ id: number }>('SELECT max(id) AS id FROM evse_status_events'))!.id,
    );
    for (let i = 0; i < 4; i++) await change('IN', IN[i % 2]!, i % 4 < 2 ? 'CHARGING' : 'AVAILABLE');
    await c1.until(() => c1.events.length >= 2, 'two events');
    // The client stops having processed two events, whatever else is in flight.
    c1.close();
    const lastSeen = c1.events[1]!.id;

    // Changes while it is away, inside and outside the box.
    for (let i = 0; i < 20; i++)
      await change(
        i % 3 === 0 ? 'OUT' : 'IN',
        i % 3 === 0 ? 'F1' : IN[i % 2]!,
        i % 2 ? 'CHARGING' : 'BLOCKED',
      );
    const c2 = connect(lastSeen);
    // ...and while it catches up.
    for (let i = 0; i < 10; i++) await change('IN', IN[i % 2]!, i % 2 ? 'AVAILABLE' : 'RESERVED');
    const expected = await inBoxIds(lastSeen);
    await c2.until(() => c2.events.length >= expected.length, `${expected.length} events after ${lastSeen}`);
    await new Promise((r) => setTimeout(r, 300));
    expect(c2.events.map((e) => e.id)).toEqual(expected);
    expect(expected[0]).toBe(lastSeen + 1);
    expect(new Set(c2.events.map((e) => e.id)).size).toBe(c2.events.length);
    expect(c1.events[0]!.id).toBeGreaterThan(start);
  });

  it('delivers a change written by another writer that never notifies, by polling', async () => {
    const c = connect();
    await c.until(() => c.comments > 0, 'the connected comment');
    // As a sync in another process would: the write path directly, no notifier.
    const raw = ocpiLocation('2.2.1', {
      id: 'IN',
      lat: 52.09,
      lon: 5.12,
      lastUpdated: '2025-03-01T11:00:00Z',
      evses: [
        { uid: 'E1', status: 'OUTOFORDER' },
        { uid: 'E2', status: 'AVAILABLE' },
      ],
    });
    const loc = normalizeLocation(raw, '2.2.1');
    if (!loc.ok) throw new Error('fixture');
    await atlas.db.batch(
      writeLocationStmts(loc.value, {
        sourceId: 'cpo-nl',
        now: '2025-03-01T11:00:01Z',
        via: 'pull',
        runId: null,
        contentHash: 'x',
      }),
    );
    await c.until(() => c.events.length >= 1, 'the pulled change');
    expect(c.events.map((e) => [e.data.status, e.data.via])).toEqual([['OUTOFORDER', 'pull']]);
  });

  it('tells a client whose Last-Event-ID cannot be resumed to reload, then streams from now', async () => {
    const c = connect(999_999);
    await c.until(() => c.events.length >= 1, 'the reset event');
    expect(c.events[0]!.event).toBe('reset');
    await change('IN', 'E1', 'CHARGING');
    await c.until(() => c.events.length >= 2, 'the change after the reset');
    expect(c.events[1]).toMatchObject({ event: 'status', data: { status: 'CHARGING' } });
  });

  it('sends reset instead of replaying more events than the replay cap', async () => {
    await atlas.close();
    await startWith({ maxReplay: 5 });
    const from = Number(
      (await atlas.db.get<{ id: number }>('SELECT max(id) AS id FROM evse_status_events'))!.id,
    );
    // Each call changes a status (E1, E2 alternate; each flips every second time): 8 events.
    for (let i = 0; i < 8; i++) await change('IN', IN[i % 2]!, i % 4 < 2 ? 'CHARGING' : 'AVAILABLE');
    const c = connect(from);
    await c.until(() => c.events.length >= 1, 'the reset event');
    await change('IN', 'E1', 'BLOCKED');
    await c.until(() => c.events.length >= 2, 'the change after the reset');
    expect(c.events.map((e) => e.event)).toEqual(['reset', 'status']);
    expect(c.events[1]).toMatchObject({ data: { status: 'BLOCKED' } });
    // Within the cap, the same resume replays.
    const near = Number(
      (await atlas.db.get<{ id: number }>('SELECT max(id) AS id FROM evse_status_events'))!.id,
    );
    for (let i = 0; i < 2; i++) await change('IN', IN[i % 2]!, 'RESERVED');
    const d = connect(near);
    await d.until(() => d.events.length >= 1, 'a replayed event');
    expect(d.events[0]!.event).toBe('status');
  });

  it('sends heartbeats on an idle stream', async () => {
    const c = connect();
    await c.until(() => c.comments >= 3, 'heartbeat comments');
    expect(c.events).toEqual([]);
  });

  it('refuses a stream without a box and a malformed Last-Event-ID', async () => {
    expect((await fetch(`${atlas.url}/v1/availability/stream`)).status).toBe(400);
    const res = await fetch(`${atlas.url}/v1/availability/stream?bbox=${UTRECHT}`, {
      headers: { 'Last-Event-ID': 'yesterday' },
    });
    expect(res.status).toBe(400);
  });
});

describe('backpressure', () => {
  it('drops a client that does not read once its queue is full, and keeps serving the others', async () => {
    const notifier = createStatusNotifier();
    const hub = new AvailabilityStream(() => atlas.db, notifier, silentLogger, {
      maxQueue: 5,
      pollMs: 50,
      heartbeatMs: 60_000,
    });
    const box = { minLon: 5, minLat: 52, maxLon: 5.2, maxLat: 52.2 };
    const stalled = await hub.open(box, null);
    const reading = await hub.open(box, null);
    const reader = reading.getReader();
    let text = '';
    const readAll = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    })();
    for (let i = 0; i < 12; i++) {
      // E1 and E2 take turns, each flipping between CHARGING and AVAILABLE: every push is a change.
      await change('IN', IN[i % 2]!, Math.floor(i / 2) % 2 ? 'AVAILABLE' : 'CHARGING');
      notifier.notify();
      // Let the hub deliver before the next change, as a reading client would be kept up to date.
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(hub.snapshot.dropped).toBe(1);
    expect(hub.snapshot.clients).toBe(1);
    expect(text.match(/^event: status$/gm)).toHaveLength(12);
    // The stalled stream holds what it had before the drop, then ends.
    const stalledReader = stalled.getReader();
    const chunks: string[] = [];
    for (;;) {
      const { done, value } = await stalledReader.read();
      if (done) break;
      chunks.push(new TextDecoder().decode(value));
    }
    expect(chunks.join('').match(/^event: status$/gm)?.length ?? 0).toBeLessThan(12);
    hub.close();
    await readAll;
  });
});
