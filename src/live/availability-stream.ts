// Server-Sent Events of EVSE status changes, fanned out from one reader per process.
//
// The hub polls evse_status_events by id (the source of truth, so changes written by any process
// arrive) and wakes at once when the in-process notifier says a batch committed. Each event is
// formatted once and queued to every client whose box contains it.
//
// Resuming: a client that sends Last-Event-ID (or ?since=) first gets the events it missed from the
// database, up to the hub's position at the moment it joined; live events that arrive meanwhile
// wait in a side buffer and follow. Ids are delivered strictly increasing, so nothing is sent twice
// and nothing is skipped.
//
// Backpressure: the response body is pulled by the socket; frames wait in a per-client queue, and a
// client whose queue passes `maxQueue` frames is dropped (its stream closed, its memory freed).
// Its EventSource reconnects with the last id it did receive and catches up from the database.
import { eventsAfter, latestEventId, oldestEventId, type StatusEventRow } from '../db/queries/status.js';
import type { Db } from '../db/types.js';
import type { Logger } from '../log.js';
import { type Bbox, inBbox } from '../model/geo.js';
import type { StatusNotifier } from './status-notifier.js';

export interface StreamOptions {
  /** How often the events table is read when nothing notifies (other processes' writes). */
  pollMs: number;
  /** A comment line this often keeps proxies from closing an idle stream and finds dead clients. */
  heartbeatMs: number;
  /** Frames a client may have waiting before it is dropped. */
  maxQueue: number;
  /** Events read per query. */
  batch: number;
  maxClients: number;
  /** Reconnect delay suggested to EventSource clients. */
  retryMs: number;
  /**
   * Events a resuming client may be behind at most. Further behind, a snapshot is cheaper than the
   * replay (100 clients resuming from an old id were sent 4 M events in 25 s): it gets `reset`.
   */
  maxReplay: number;
  /** Replays from the database running at once; a client beyond that gets `reset` too. */
  maxConcurrentReplays: number;
}

export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  pollMs: 1_000,
  heartbeatMs: 15_000,
  maxQueue: 2_000,
  batch: 1_000,
  maxClients: 10_000,
  retryMs: 3_000,
  maxReplay: 10_000,
  maxConcurrentReplays: 8,
};

/**
 * Reads a page of a replay: eventsAfter, answered by another thread on Node (a page's query takes
 * 100-250 ms on 1M EVSEs, too long for the event loop). null: no capacity now, ask again shortly.
 */
export type EventsReader = (
  afterId: number,
  limit: number,
  bbox: Bbox,
) => Promise<{ events: StatusEventRow[]; lastId: number } | null>;

/** How long a replay waits before asking a full EventsReader again. */
const REPLAY_RETRY_MS = 100;
/** A replay whose pages the full read workers never take within this is ended (the client reconnects). */
const REPLAY_GIVE_UP_MS = 60_000;

export interface StreamStats {
  clients: number;
  dropped: number;
  delivered: number;
  position: number | null;
}

interface Client {
  bbox: Bbox;
  /** Id of the last event queued to this client. */
  delivered: number;
  /** Encoded frames: an event's bytes are made once and shared by every client that gets it. */
  queue: Uint8Array[];
  /** Live events that arrived while the client was still catching up. */
  pending: { id: number; frame: Uint8Array }[] | null;
  controller: ReadableStreamDefaultController<Uint8Array> | null;
  wake: (() => void) | null;
  closed: boolean;
}

export function eventFrame(e: StatusEventRow): string {
  const data = {
    id: e.evse_pk,
    location: e.location_pk,
    evse_id: e.evse_id,
    status: e.new_status,
    previous: e.old_status,
    at: e.occurred_at,
    received_at: e.received_at,
    via: e.via,
  };
  return `id: ${e.id}\nevent: status\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Sent first when the client's Last-Event-ID cannot be resumed from: it should reload a snapshot. */
export const RESET_FRAME =
  'event: reset\ndata: {"reason":"Last-Event-ID cannot be resumed: reload /v1/availability, then follow this stream"}\n\n';

export class TooManyClients extends Error {}

const encoder = new TextEncoder();
const encode = (text: string) => encoder.encode(text);
const HEARTBEAT = encode(': heartbeat\n\n');

/** The client's waiting frames as one chunk (one socket write), and an empty queue. */
function drain(c: Client): Uint8Array {
  const frames = c.queue;
  c.queue = [];
  if (frames.length === 1) return frames[0]!;
  let size = 0;
  for (const f of frames) size += f.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.byteLength;
  }
  return out;
}

export class AvailabilityStream {
  private readonly opts: StreamOptions;
  private readonly clients = new Set<Client>();
  private position: number | null = null;
  private starting: Promise<void> | null = null;
  private ticking = false;
  private again = false;
  private scheduled = false;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private unsubscribe: (() => void) | null = null;
  private stats = { dropped: 0, delivered: 0 };
  private replaying = 0;

  constructor(
    private readonly getDb: () => Db | Promise<Db>,
    private readonly notifier: StatusNotifier | undefined,
    private readonly log: Logger,
    opts: Partial<StreamOptions> = {},
    private readonly readEvents?: EventsReader,
  ) {
    this.opts = { ...DEFAULT_STREAM_OPTIONS, ...opts };
  }

  get snapshot(): StreamStats {
    return { clients: this.clients.size, position: this.position, ...this.stats };
  }

  /** A response body streaming the changes inside `bbox` after `lastEventId` (null: from now on). */
  async open(bbox: Bbox, lastEventId: number | null): Promise<ReadableStream<Uint8Array>> {
    if (this.clients.size >= this.opts.maxClients) throw new TooManyClients('too many stream clients');
    const oldest = lastEventId === null ? null : await oldestEventId(await this.getDb());
    while (this.position === null) await this.start();
    const client: Client = {
      bbox,
      delivered: 0,
      queue: [encode(`retry: ${this.opts.retryMs}\n: connected\n\n`)],
      pending: null,
      controller: null,
      wake: null,
      closed: false,
    };
    // From here to the end of this block nothing awaits: the client joins exactly at `joinedAt`.
    const joinedAt = this.position!;
    this.clients.add(client);
    this.ensureTimers();
    // An id newer than any we hold (another database) or older than the raw events we keep (rolled
    // up): the gap cannot be replayed. Say so, and stream from now on; the client re-reads a snapshot.
    // Too far behind, or too many replays at once: a replay costs the database far more than a
    // snapshot, so the client is told to reload instead.
    const lost =
      lastEventId !== null &&
      (lastEventId > joinedAt ||
        (oldest !== null && lastEventId < oldest - 1) ||
        (lastEventId < joinedAt &&
          (joinedAt - lastEventId > this.opts.maxReplay ||
            this.replaying >= this.opts.maxConcurrentReplays)));
    if (lost) client.queue.push(encode(RESET_FRAME));
    if (lastEventId === null || lost || lastEventId === joinedAt) {
      client.delivered = joinedAt;
    } else {
      client.delivered = lastEventId;
      client.pending = [];
      void this.catchUp(client, joinedAt);
    }
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          client.controller = controller;
        },
        pull: (controller) => this.pullFrames(client, controller),
        cancel: () => this.remove(client),
      },
      { highWaterMark: 1 },
    );
  }

  /** Stops timers and closes every stream (server shutdown, tests). */
  close(): void {
    for (const c of [...this.clients]) this.drop(c, false);
    this.stopTimers();
  }

  private async start(): Promise<void> {
    if (this.position !== null) return;
    this.starting ??= (async () => {
      const db = await this.getDb();
      this.position = await latestEventId(db);
    })().finally(() => {
      this.starting = null;
    });
    await this.starting;
  }

  private ensureTimers(): void {
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => this.schedule(), this.opts.pollMs);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.opts.heartbeatMs);
    this.unsubscribe = this.notifier?.subscribe(() => this.schedule()) ?? null;
  }

  private stopTimers(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.pollTimer = null;
    this.heartbeatTimer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    // Without clients nobody needs our place in the table; the next client starts from "now".
    if (!this.ticking) this.position = null;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      void this.tick();
    }, 0);
  }

  private async tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return;
    }
    if (this.position === null || this.clients.size === 0) return;
    this.ticking = true;
    try {
      const db = await this.getDb();
      for (;;) {
        this.again = false;
        const from = this.position;
        if (from === null) break;
        const { events, lastId } = await eventsAfter(db, from, this.opts.batch);
        // Synchronous from here: deliver and move the position together (see open()).
        for (const e of events) this.fanOut(e);
        this.position = lastId;
        if (lastId === from && !this.again) break;
      }
    } catch (err) {
      this.log.error({ err: { message: (err as Error).message } }, 'availability stream poll failed');
    } finally {
      this.ticking = false;
      if (this.clients.size === 0) this.position = null;
    }
  }

  private fanOut(e: StatusEventRow): void {
    let frame: Uint8Array | null = null;
    for (const c of this.clients) {
      if (e.id <= c.delivered || !inBbox(c.bbox, e.lat, e.lon)) continue;
      frame ??= encode(eventFrame(e));
      if (c.pending) c.pending.push({ id: e.id, frame });
      else this.push(c, e.id, frame);
    }
  }

  private push(c: Client, id: number, frame: Uint8Array): void {
    if (c.closed || id <= c.delivered) return;
    c.delivered = id;
    this.enqueue(c, frame);
  }

  private enqueue(c: Client, frame: Uint8Array): void {
    if (c.closed) return;
    if (c.queue.length >= this.opts.maxQueue) {
      this.drop(c, true);
      return;
    }
    c.queue.push(frame);
    this.stats.delivered++;
    const wake = c.wake;
    c.wake = null;
    wake?.();
  }

  private heartbeat(): void {
    for (const c of this.clients) if (!c.pending) this.enqueue(c, HEARTBEAT);
  }

  /** Replays what the client missed, page by page, pausing while its queue is half full. */
  private async catchUp(c: Client, until: number): Promise<void> {
    this.replaying++;
    try {
      const db = await this.getDb();
      let cursor = c.delivered;
      while (cursor < until && !c.closed) {
        while (c.queue.length > this.opts.maxQueue / 2 && !c.closed)
          await new Promise((r) => setTimeout(r, 20));
        const page = await this.replayPage(db, c, cursor);
        if (!page) break;
        const { events, lastId } = page;
        for (const e of events) if (e.id <= until) this.push(c, e.id, encode(eventFrame(e)));
        if (lastId === cursor) break;
        cursor = lastId;
      }
      const pending = c.pending ?? [];
      c.pending = null;
      for (const p of pending) this.push(c, p.id, p.frame);
    } catch (err) {
      this.log.error({ err: { message: (err as Error).message } }, 'availability stream catch-up failed');
      this.drop(c, false);
    } finally {
      this.replaying--;
    }
  }

  /** The page after `cursor`, from the EventsReader when there is one (null: the client left). */
  private async replayPage(db: Db, c: Client, cursor: number) {
    if (!this.readEvents) return eventsAfter(db, cursor, this.opts.batch, c.bbox);
    const giveUpAt = Date.now() + REPLAY_GIVE_UP_MS;
    while (!c.closed) {
      const page = await this.readEvents(cursor, this.opts.batch, c.bbox);
      if (page) return page;
      if (Date.now() >= giveUpAt) throw new Error('the read workers stayed full for the whole replay wait');
      await new Promise((r) => setTimeout(r, REPLAY_RETRY_MS));
    }
    return null;
  }

  private pullFrames(
    c: Client,
    controller: ReadableStreamDefaultController<Uint8Array>,
  ): Promise<void> | void {
    if (c.closed) return;
    if (c.queue.length > 0) {
      controller.enqueue(drain(c));
      return;
    }
    return new Promise<void>((resolve) => {
      c.wake = () => {
        if (!c.closed && c.queue.length > 0) controller.enqueue(drain(c));
        resolve();
      };
    });
  }

  private drop(c: Client, slow: boolean): void {
    if (c.closed) return;
    c.closed = true;
    c.queue = [];
    c.pending = null;
    if (slow) {
      this.stats.dropped++;
      this.log.info({ bbox: c.bbox, delivered: c.delivered }, 'slow availability stream client dropped');
    }
    try {
      c.controller?.close();
    } catch {
      // already closed by the peer
    }
    const wake = c.wake;
    c.wake = null;
    wake?.();
    this.remove(c);
  }

  private remove(c: Client): void {
    c.closed = true;
    c.queue = [];
    this.clients.delete(c);
    if (this.clients.size === 0) this.stopTimers();
  }
}
