// The stored keys are hashes (ids.ts): a faster spelling of the hash must give every key it gave
// before, or a database written earlier would no longer find its own rows.
import { describe, expect, it } from 'vitest';
import { evseKey, hash64, hashBytes64, locationKey } from '../../src/model/ids.js';

/** hash64 as first written: the 32-bit halves spelled by Number.prototype.toString. */
function reference(input: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  const fmix = (h: number) => {
    let x = h;
    x ^= x >>> 16;
    x = Math.imul(x, 0x85ebca6b);
    x ^= x >>> 13;
    x = Math.imul(x, 0xc2b2ae35);
    x ^= x >>> 16;
    return x >>> 0;
  };
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  return hex(fmix(h1 ^ input.length)) + hex(fmix(h2 ^ Math.imul(input.length, 0x27d4eb2d)));
}

describe('hash keys', () => {
  it('are the keys written before (values computed by the earlier code)', () => {
    const l1 = locationKey('bench', 'NL', 'BEN', 'L1');
    expect([hash64(''), hash64('a'), hash64('NL\u0000BEN'), l1, evseKey(l1, 'E1'), hash64('ÿ€𝄞')]).toEqual([
      'ab3e7c0bebb6c228',
      '2a681819844870d1',
      '916acf7d85bfba12',
      '1a5064f69b74e33e',
      'c848ede5139dada1',
      'f118b3f8423008c8',
    ]);
  });

  it('agree with the reference spelling on many inputs, leading zeros included', () => {
    let zeros = 0;
    for (let i = 0; i < 20_000; i++) {
      const input = `src\u0000NL\u0000BEN\u0000L${i}\u0000${(i * 7919).toString(36)}`;
      const h = hash64(input);
      expect(h).toBe(reference(input));
      if (h[0] === '0' || h[8] === '0') zeros++;
    }
    // ~1/8 of the halves start with a zero digit: the padding is exercised.
    expect(zeros).toBeGreaterThan(1_000);
    const bytes = new TextEncoder().encode('bytes and text alike');
    expect(hashBytes64(bytes)).toBe(reference('bytes and text alike'));
  });
});
