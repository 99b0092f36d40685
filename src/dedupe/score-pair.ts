// The evidence that two nearby records are one site, in points (log-odds-like: positive for "same",
// negative for "different"), so every decision can be explained part by part. The weights were set
// by reasoning about each signal's reliability and then checked against the labelled Ludwigsburg
// sample (docs/dedupe.md); registers geocode by address, so 20-70 m offsets between a register
// entry and the CPO's own coordinates are normal, while a different house number on the same street
// usually means another site.
import { bestAgreement, sameStreet } from './address.js';
import { type OperatorName, operatorSimilarity } from './operator-name.js';
import type { RecordFeatures } from './record-features.js';
import { tokenJaccard } from './text-similarity.js';

export const DEFAULT_ACCEPT_SCORE = 4.5;

export interface ScoreParts {
  distance: number;
  address: number;
  name: number;
  operator: number;
  connectors: number;
}

export interface PairScore {
  score: number;
  parts: ScoreParts;
}

/**
 * 5 points at 0 m, 2.5 at 30 m (one per 12 m), then one per 20 m: 0 at 80 m, never below -4. Two
 * records within a few metres are one site unless something speaks against it, so when the other
 * evidence is silent (a register without names, a crowd record without an operator) distance
 * alone reaches the threshold up to about 6 m, 12 m with a shared connector family.
 */
export function distancePoints(d: number): number {
  if (d <= 30) return 5 - d / 12;
  return Math.max(-4, 4 - d / 20);
}

const ADDRESS_POINTS = {
  same: 3,
  near: 1,
  street: 1,
  'unlike-text': -0.5,
  'other-number': -1.5,
  'other-street': -2,
} as const;

/** Below this distance a contradicting address counts half (see scorePair). */
const CORNER_M = 10;

export type PairScorer = (a: RecordFeatures, b: RecordFeatures, distanceM: number) => PairScore;

/**
 * A scorer for one dedupe run. It remembers string comparisons (street names, operator names, site
 * names) by value: a register lists thousands of stations of a handful of operators on the same
 * streets, so the same Jaro-Winkler comparisons would otherwise be repeated many times. Strings are
 * numbered once, and results are kept under the pair of numbers (no string built per pair).
 */
export function createPairScorer(aliases: ReadonlySet<string> = new Set()): PairScorer {
  const ids = new Map<string, number>();
  const idOf = (s: string) => {
    let id = ids.get(s);
    if (id === undefined) {
      id = ids.size;
      ids.set(s, id);
    }
    return id;
  };
  const memo = [new Map<number, number>(), new Map<number, number>(), new Map<number, number>()];
  const remember = (kind: 0 | 1 | 2, x: string, y: string, compute: () => number): number => {
    const key = idOf(x) * 2 ** 26 + idOf(y);
    const m = memo[kind]!;
    let v = m.get(key);
    if (v === undefined) {
      v = compute();
      m.set(key, v);
    }
    return v;
  };
  const streetsMatch = (x: string, y: string) =>
    x === y || remember(0, x, y, () => (sameStreet(x, y) ? 1 : 0)) === 1;
  const operators = (x: OperatorName | null, y: OperatorName | null) => {
    if (!x || !y) return null;
    if (x.key === y.key || aliases.has(`${x.key}\u0000${y.key}`)) return 1;
    return remember(1, x.key, y.key, () => operatorSimilarity(x, y)!);
  };
  const names = (x: RecordFeatures, y: RecordFeatures) => {
    if (x.nameTokens.length === 0 || y.nameTokens.length === 0) return 0;
    return x.nameKey === y.nameKey
      ? 1
      : remember(2, x.nameKey, y.nameKey, () => tokenJaccard(x.nameTokens, y.nameTokens));
  };
  return (a, b, d) => scorePair(a, b, d, streetsMatch, operators, names);
}

export function scoreCandidatePair(a: RecordFeatures, b: RecordFeatures, distanceM: number): PairScore {
  return scorePair(a, b, distanceM, sameStreet, operatorSimilarity, (x, y) =>
    tokenJaccard(x.nameTokens, y.nameTokens),
  );
}

function scorePair(
  a: RecordFeatures,
  b: RecordFeatures,
  distanceM: number,
  streetsMatch: (x: string, y: string) => boolean,
  operators: (x: OperatorName | null, y: OperatorName | null) => number | null,
  names: (x: RecordFeatures, y: RecordFeatures) => number,
): PairScore {
  // Address lines, or the address a name states against the other's line ("LB Danziger Straße 40"
  // whose address line says 34): the best reading counts, since sources get one or the other wrong.
  const agreement = bestAgreement(
    [
      [a.address, b.address],
      [a.nameAddress, b.address],
      [a.address, b.nameAddress],
    ],
    streetsMatch,
  );
  // Within a few metres an address contradiction is often one place written two ways (a corner
  // site under its cross street, a register geocoding the other entrance): it counts half there.
  const addressPoints = agreement ? ADDRESS_POINTS[agreement] : 0;
  const address = addressPoints < 0 && distanceM < CORNER_M ? addressPoints / 2 : addressPoints;

  // Names agreeing is strong evidence ("Rathaustiefgarage" in two sources); names differing is not
  // evidence against, since one source names the car park and another the street.
  const name = names(a, b) >= 0.5 ? 2.5 : 0;

  const similarity = operators(a.operator, b.operator);
  // Different operators at one spot is common (two CPOs on one car park), so it counts against.
  const operator = similarity === null ? 0 : similarity >= 0.8 ? 1 : similarity <= 0.25 ? -1.5 : 0;

  let connectors = 0;
  if (a.families.size > 0 && b.families.size > 0) {
    let shared = false;
    for (const f of a.families) if (b.families.has(f)) shared = true;
    // Crowd records often carry a generic connector list (whatever the form offered first): a
    // mismatch there is weak evidence; between a CPO feed and a register it is strong.
    const crowd = a.kind === 'crowd' || b.kind === 'crowd';
    connectors += shared ? 0.5 : crowd ? -1 : -2.5;
    // A fast-charging site and a slow one next to each other are two sites (Grönerstraße 3 / 7 DC).
    if (a.fast !== b.fast) connectors -= crowd ? 1 : 2;
  }

  const parts: ScoreParts = { distance: distancePoints(distanceM), address, name, operator, connectors };
  const score = parts.distance + parts.address + parts.name + parts.operator + parts.connectors;
  return { score, parts };
}
