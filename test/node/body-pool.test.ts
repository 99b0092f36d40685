// The body pool lends each slot to one answer at a time: a slot comes back once released (any
// number of release calls count once), a taken slot the worker did not fill is given back, and with
// every slot lent there is none to take (the worker then transfers its body).
import { describe, expect, it } from 'vitest';
import { BodyPool, freeNow } from '../../src/node/body-pool.js';

describe('the read workers body pool', () => {
  it('lends a slot as a view of the bytes written into it, until released once', () => {
    const pool = new BodyPool(2, 16);
    const a = pool.take();
    const b = pool.take();
    expect(new Set([a, b]).size).toBe(2);
    expect(pool.take()).toBe(-1);
    new Uint8Array(pool.shared.buffer, a * 16, 5).set([1, 2, 3, 4, 5]);
    const lent = pool.lend(a, 5);
    expect([...lent.body]).toEqual([1, 2, 3, 4, 5]);
    expect(Buffer.isBuffer(lent.body)).toBe(true);
    expect(pool.available).toBe(0);
    lent.release();
    lent.release();
    expect(pool.available).toBe(1);
    expect(pool.take()).toBe(a);
    expect(pool.take()).toBe(-1);
  });

  it('takes back a slot the worker did not write, and ignores one it does not lend', () => {
    const pool = new BodyPool(1, 16);
    const slot = pool.take();
    pool.give(slot);
    pool.give(slot);
    pool.give(-1);
    expect(pool.available).toBe(1);
  });

  it('frees a buffer at once, detaching it', () => {
    const bytes = new Uint8Array(1 << 16).fill(7);
    freeNow(bytes.buffer);
    expect(bytes.buffer.byteLength).toBe(0);
    expect(bytes.byteLength).toBe(0);
    // Already empty: nothing to do.
    freeNow(bytes.buffer);
  });
});
