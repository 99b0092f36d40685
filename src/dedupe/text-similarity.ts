// Text folding and string similarity for comparing names and addresses across sources: the same
// place is "Geisingerstraße 15" in one source and "Geisinger Straße 15" in another, the same
// company "Įkrautas" or "Ikrautas".

/** Lower case, without diacritics (ß -> ss, ø -> o, ł -> l), punctuation turned into spaces. */
export function foldText(s: string): string {
  let t = s.toLowerCase();
  // Most names are plain ASCII; Unicode decomposition is only paid for when there is something to fold.
  if (NON_ASCII.test(t)) {
    t = t
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/ß/g, 'ss')
      .replace(/[øœæđłı]/g, (c) => FOLD[c] ?? c);
  }
  return t.replace(/[^a-z0-9]+/g, ' ').trim();
}

const NON_ASCII = /[^\x20-\x7e]/;
const FOLD: Record<string, string> = { ø: 'o', œ: 'oe', æ: 'ae', đ: 'd', ł: 'l', ı: 'i' };

export function tokensOf(s: string | null): string[] {
  if (!s) return [];
  const folded = foldText(s);
  return folded.length > 0 ? folded.split(' ') : [];
}

/** Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, at most 4 prefix characters). */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return a.length > 0 ? 1 : 0;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(la, lb) / 2) - 1);
  const matchedB = new Uint8Array(lb);
  const matchA: number[] = [];
  for (let i = 0; i < la; i++) {
    const from = Math.max(0, i - window);
    const to = Math.min(lb - 1, i + window);
    for (let j = from; j <= to; j++) {
      if (matchedB[j] === 0 && a.charCodeAt(i) === b.charCodeAt(j)) {
        matchedB[j] = 1;
        matchA.push(i);
        break;
      }
    }
  }
  const m = matchA.length;
  if (m === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let j = 0; j < lb; j++) {
    if (matchedB[j] === 0) continue;
    if (a.charCodeAt(matchA[k]!) !== b.charCodeAt(j)) transpositions++;
    k++;
  }
  const jaro = (m / la + m / lb + (m - transpositions / 2) / m) / 3;
  let prefix = 0;
  while (prefix < 4 && prefix < la && prefix < lb && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/** Jaccard similarity of two token sets, with the same fuzzy equality as tokenOverlap. */
export function tokenJaccard(a: readonly string[], b: readonly string[], fuzzy = 0.92): number {
  if (a.length === 0 || b.length === 0) return 0;
  const shared = tokenOverlap(a, b, fuzzy) * Math.min(a.length, b.length);
  return shared / (a.length + b.length - shared);
}

/**
 * Share of the smaller token set found in the other, a token counting as found when it is equal or
 * Jaro-Winkler-close (typos such as "Nalgel" / "Nagel"). Tokens shorter than 3 characters only
 * count when equal.
 */
export function tokenOverlap(a: readonly string[], b: readonly string[], fuzzy = 0.92): number {
  if (a.length === 0 || b.length === 0) return 0;
  const [small, large] = a.length <= b.length ? [a, b] : [b, a];
  let found = 0;
  for (const t of small) {
    if (large.includes(t)) found++;
    else if (t.length >= 4 && large.some((u) => u.length >= 4 && jaroWinkler(t, u) >= fuzzy)) found++;
  }
  return found / small.length;
}
