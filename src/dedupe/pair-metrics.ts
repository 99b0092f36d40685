// Pairwise precision and recall of a clustering against labelled pairs: a predicted pair is two
// records put in one site; only pairs the labels speak about (the scope) are counted.

export interface PairMetrics {
  truePositives: number;
  predicted: number;
  actual: number;
  /** null when nothing was predicted. */
  precision: number | null;
  recall: number | null;
  f1: number;
}

export interface PairScope {
  /** Whether the labels cover this pair (e.g. one record from each of the two sources compared). */
  covers(a: string, b: string): boolean;
  /** Pairs the labellers could not decide; counted neither way. */
  unsure?: ReadonlySet<string>;
}

export function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

export function pairMetrics(
  clusters: readonly (readonly string[])[],
  truth: ReadonlySet<string>,
  scope: PairScope,
): PairMetrics {
  let predicted = 0;
  let truePositives = 0;
  for (const c of clusters) {
    for (let x = 0; x < c.length; x++) {
      for (let y = x + 1; y < c.length; y++) {
        const a = c[x]!;
        const b = c[y]!;
        if (!scope.covers(a, b)) continue;
        const key = pairKey(a, b);
        if (scope.unsure?.has(key)) continue;
        predicted++;
        if (truth.has(key)) truePositives++;
      }
    }
  }
  const actual = truth.size;
  const precision = predicted === 0 ? null : truePositives / predicted;
  const recall = actual === 0 ? null : truePositives / actual;
  const p = precision ?? 0;
  const r = recall ?? 0;
  return { truePositives, predicted, actual, precision, recall, f1: p + r === 0 ? 0 : (2 * p * r) / (p + r) };
}
