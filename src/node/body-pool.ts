// Page bodies handed from the read workers to the event loop through memory both threads share.
//
// A body transferred from a worker arrives as a new ArrayBuffer, and V8 counts every one as memory
// allocated by this thread (its "external memory"), and counts it again when it is released by a
// transfer. The server's old generation may grow by 20 % between full collections (NODE_FLAGS), and
// those counts fill that allowance every few 700 KB pages: under the api bench the event loop was
// marking all the time (a mark-compact every 15-30 pages, 5-25 ms each, that found ~1 MB to free)
// and V8's helper threads spent ~1.2 ms per page on it. A body copied by the worker into a slot of
// one SharedArrayBuffer, allocated once, is no new memory to this thread: it is a view.
//
// A slot is lent to one answer until it is released, which its user does once the bytes are
// written or copied (OffloadedAnswer.release). A view dropped without that frees its slot when it
// is collected (a FinalizationRegistry), so a path that forgets to release costs only the slot's
// time away, never the slot. With no slot free a worker transfers its body as before.
import { MessageChannel } from 'node:worker_threads';

/** Slots of 1 MiB: a 1,000-site page is ~700 KB; larger answers are transferred. */
export const BODY_SLOT_BYTES = 1 << 20;

/** Eight slots: bodies written at once to slow clients keep theirs while new pages are rendered. */
export const BODY_SLOTS = 8;

/** What a worker needs to write into the pool (sent once, in its workerData). */
export interface SharedBodies {
  buffer: SharedArrayBuffer;
  slotBytes: number;
}

export class BodyPool {
  readonly shared: SharedBodies;
  private readonly free: number[];
  private readonly lent = new Set<number>();
  private readonly collected = new FinalizationRegistry<number>((slot) => this.give(slot));

  constructor(slots = BODY_SLOTS, slotBytes = BODY_SLOT_BYTES) {
    this.shared = { buffer: new SharedArrayBuffer(slots * slotBytes), slotBytes };
    this.free = Array.from({ length: slots }, (_, i) => slots - 1 - i);
  }

  /** A free slot for a worker to write into, or -1 when every slot is lent. */
  take(): number {
    const slot = this.free.pop();
    if (slot === undefined) return -1;
    this.lent.add(slot);
    return slot;
  }

  /** Slots not lent: all of them once every answer is released (tests). */
  get available(): number {
    return this.free.length;
  }

  /**
   * The first `length` bytes of `slot` as a Buffer (Node writes a Buffer to the socket as the very
   * object it is given, so this view lives as long as any write of it), and the release that gives
   * the slot back; the release may be called more than once.
   */
  lend(slot: number, length: number): { body: Uint8Array<ArrayBuffer>; release: () => void } {
    const body = Buffer.from(this.shared.buffer, slot * this.shared.slotBytes, length);
    const token = {};
    this.collected.register(body, slot, token);
    const release = () => {
      if (!this.collected.unregister(token)) return;
      this.give(slot);
    };
    return { body: body as unknown as Uint8Array<ArrayBuffer>, release };
  }

  /** Gives back a slot taken and not lent (the worker did not use it). */
  give(slot: number): void {
    if (!this.lent.delete(slot)) return;
    this.free.push(slot);
  }
}

/** A port whose other end is closed: what is transferred to it is detached and dropped. */
let sink: MessageChannel['port1'] | undefined;

/**
 * Frees a buffer's memory now, and takes it out of V8's count of this thread's external memory at
 * once (detaching does; a collection would only later). A buffer posted to a closed port is
 * transferred (detached) and then dropped with the message. structuredClone's transfer, used
 * before, moved the memory to a clone that counted again until a scavenge collected it.
 */
export function freeNow(buffer: ArrayBuffer): void {
  if (buffer.byteLength === 0) return;
  if (!sink) {
    const channel = new MessageChannel();
    channel.port2.close();
    sink = channel.port1;
  }
  sink.postMessage(null, [buffer]);
}
