// The statistics' last answer stands in while their worker is busy: only after the patience, only
// when there is one, as a copy of the bytes (a worker's body is lent and reused), and the answer
// that comes late is kept for the next request and its lent body given back.
import { describe, expect, it } from 'vitest';
import type { OffloadedAnswer } from '../../src/api/http/options.js';
import { BodyPool } from '../../src/node/body-pool.js';
import { LastAnswers } from '../../src/node/last-answers.js';

function answer(text: string, status: 200 | 500 = 200) {
  const released: string[] = [];
  const a: OffloadedAnswer = {
    status,
    headers: { 'content-type': 'application/json' },
    body: new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>,
    release: () => released.push(text),
  };
  return { a, released };
}

function held() {
  let give!: (a: OffloadedAnswer) => void;
  const pending = new Promise<OffloadedAnswer>((resolve) => {
    give = resolve;
  });
  return { pending, give };
}

const text = (a: OffloadedAnswer) => new TextDecoder().decode(a.body!);
let clock = 0;
const last = () => new LastAnswers({ patienceMs: 10, maxKeys: 2, maxBytes: 1 << 20, nowMs: () => clock });

describe('LastAnswers', () => {
  it('waits for the first answer however long it takes: there is nothing to stand in', async () => {
    const l = last();
    const h = held();
    const served = l.serve('k', h.pending);
    await new Promise((r) => setTimeout(r, 30));
    const first = answer('v1');
    h.give(first.a);
    expect(await served).toBe(first.a);
    expect(first.released).toEqual([]);
  });

  it('serves a copy of the last answer, with its age, once the patience is spent', async () => {
    const l = last();
    clock = 1_000;
    const first = answer('v1');
    await l.serve('k', Promise.resolve(first.a));
    // The worker reuses the lent memory for its next answer: the kept bytes must not change.
    first.a.body!.fill(0x21);
    clock = 61_500;
    const h = held();
    const stood = await l.serve('k', h.pending);
    expect(text(stood)).toBe('v1');
    expect(stood.headers.age).toBe('60');
    expect(stood.release).toBeUndefined();
    // The late answer: kept for the next request, its lent body given back (nobody sends it).
    const late = answer('v2');
    h.give(late.a);
    await h.pending;
    await new Promise((r) => setTimeout(r, 0));
    expect(late.released).toEqual(['v2']);
    const next = held();
    expect(text(await l.serve('k', next.pending))).toBe('v2');
    next.give(answer('v3').a);
  });

  it('keeps only 200s, per key, and the newest keys', async () => {
    const l = last();
    await l.serve('a', Promise.resolve(answer('a1').a));
    await l.serve('a', Promise.resolve(answer('oops', 500).a));
    expect(text(l.earlier('a')!)).toBe('a1');
    await l.serve('b', Promise.resolve(answer('b1').a));
    await l.serve('c', Promise.resolve(answer('c1').a));
    expect(l.earlier('a')).toBeNull();
    expect(text(l.earlier('b')!)).toBe('b1');
    expect(text(l.earlier('c')!)).toBe('c1');
    // Renewed statistics (the server's first sync): no earlier answer stands in any more.
    l.clear();
    expect(l.earlier('c')).toBeNull();
  });

  it('keeps its own copy of a body lent from the read workers body pool', async () => {
    const pool = new BodyPool(1, 64);
    const slot = pool.take();
    const bytes = new TextEncoder().encode('{"v":1}');
    new Uint8Array(pool.shared.buffer, 0, bytes.length).set(bytes);
    const lent = pool.lend(slot, bytes.length);
    const l = last();
    const h = held();
    const served = l.serve('lent', h.pending);
    h.give({ status: 200, headers: {}, ...lent });
    await served;
    lent.release();
    // The slot goes to the next answer, which overwrites it.
    new Uint8Array(pool.shared.buffer, 0, bytes.length).fill(0x20);
    expect(text(l.earlier('lent')!)).toBe('{"v":1}');
  });

  it('starts with answers an earlier server kept, and reports every change of its set', async () => {
    const saved: string[][] = [];
    clock = 100_000;
    const l = new LastAnswers({
      patienceMs: 10,
      maxKeys: 2,
      maxBytes: 1 << 20,
      nowMs: () => clock,
      restored: [{ key: 'k', at: 40_000, answer: answer('before restart').a }],
      onChange: (answers) => saved.push(answers.map((a) => `${a.key}=${text(a.answer)}@${a.at}`)),
    });
    // The worker is busy with its first computation: the restored answer stands in, as old as it is.
    const h = held();
    const stood = await l.serve('k', h.pending);
    expect(text(stood)).toBe('before restart');
    expect(stood.headers.age).toBe('60');
    expect(saved).toEqual([]);
    h.give(answer('computed').a);
    await h.pending;
    await new Promise((r) => setTimeout(r, 0));
    expect(saved).toEqual([['k=computed@100000']]);
    // The same bytes again (the worker's minute-fresh copy): as old as when they first came, and
    // nothing new to save.
    clock = 130_000;
    await l.serve('k', Promise.resolve(answer('computed').a));
    expect(l.earlier('k')!.headers.age).toBe('30');
    expect(saved).toHaveLength(1);
    l.clear();
    expect(saved.at(-1)).toEqual([]);
  });
});
