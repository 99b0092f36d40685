// The CQL2 LIKE test of features (src/api/ogc/like-matcher.ts): the answers of the one regular
// expression a pattern reads as, without its backtracking.
import { describe, expect, it } from 'vitest';
import { likeMatcher } from '../../src/api/ogc/like-matcher.js';
import { seededRandom } from '../helpers/synthetic-atlas.js';

/** The pattern as one regular expression (`%` as `.*`): right, and slow on a few `%`s. */
function reference(pattern: string, caseInsensitive: boolean): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const chars = [...pattern];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    out += ch === '%' ? '.*' : ch === '_' ? '.' : esc(ch === '\\' ? chars[++i]! : ch);
  }
  return new RegExp(`^${out}$`, caseInsensitive ? 'sui' : 'su');
}

describe('LIKE on the features', () => {
  it('answers as the whole pattern as one regular expression, on random patterns and texts', () => {
    const rnd = seededRandom(65);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const TEXT = ['a', 'A', 'b', 'é', 'É', '🔌', '%', '_', '\\', '.', '*', '\n'];
    const PATTERN = ['a', 'A', 'b', 'é', '🔌', '.', '*', '\n', '%', '%', '%', '_', '_', '\\%', '\\_', '\\\\'];
    let matched = 0;
    for (let n = 0; n < 4_000; n++) {
      const pattern = Array.from({ length: Math.floor(rnd() * 7) }, () => pick(PATTERN)).join('');
      const text = Array.from({ length: Math.floor(rnd() * 7) }, () => pick(TEXT)).join('');
      for (const caseInsensitive of [false, true]) {
        const want = reference(pattern, caseInsensitive).test(text);
        const why = `${JSON.stringify(pattern)} on ${JSON.stringify(text)}, ILIKE: ${caseInsensitive}`;
        expect(likeMatcher(pattern, caseInsensitive)(text), why).toBe(want);
        if (want) matched++;
      }
    }
    // Both answers are well represented.
    expect(matched).toBeGreaterThan(400);
    expect(matched).toBeLessThan(7_600);
  });

  it('decides a pattern of many % at once, where one regular expression backtracks for seconds', () => {
    // The regular expression took 4 s for ten `%_` on this address, 1.1 s for eight `%` (load ~4.5),
    // and each `%` more multiplies it: what one request could make a page worker do for every
    // feature it decides on.
    const address = 'Friedrichstrasse 123, 10117 Berlin';
    const started = performance.now();
    expect(likeMatcher(`${'%_'.repeat(10)}x`)(address)).toBe(false);
    expect(likeMatcher(`${'%_'.repeat(10)}n`)(address)).toBe(true);
    expect(likeMatcher(`${'%'.repeat(8)}x`, true)(address)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
