// Operator aliases learned from the data itself. A network's brand and its operating company
// ("Ladenetz Köln" run by "RheinEnergie", a city brand run by a national CPO) spell nothing alike,
// yet one source lists the brand and another the company at the same places again and again. When
// records of operator A in one source have, within a few metres, a record of operator B in another
// source, repeatedly and as A's usual neighbour there, A and B are taken as the same operator.
import { type OperatorName, parseOperatorName } from './operator-name.js';

/** Co-location radius: registers geocode by address, but an alias should show up at the same spot. */
export const ALIAS_RADIUS_M = 25;
/** At least this many co-located records... */
const MIN_TIMES = 3;
/** ...and this share of A's records that have any named record of that source so close. */
const MIN_SHARE = 0.5;

interface Located {
  rec: { sourceId: string };
  operator: OperatorName | null;
}

/** Operator key pairs ("a\0b", both orders) learned from close candidate pairs. */
export function learnOperatorAliases(
  features: readonly Located[],
  closePairs: Iterable<{ i: number; j: number; distanceM: number }>,
): Set<string> {
  // For each (record, other source): the operator keys seen near it (a record counts once per key).
  const near = new Map<string, Set<string>>();
  for (const p of closePairs) {
    if (p.distanceM > ALIAS_RADIUS_M) continue;
    const a = features[p.i]!;
    const b = features[p.j]!;
    if (a.rec.sourceId === b.rec.sourceId || !a.operator || !b.operator) continue;
    add(near, `${p.i}\u0000${b.rec.sourceId}`, b.operator.key);
    add(near, `${p.j}\u0000${a.rec.sourceId}`, a.operator.key);
  }
  // (A's key, other source) -> records of A with a named neighbour there, and per neighbour key.
  const withNeighbour = new Map<string, number>();
  const together = new Map<string, number>();
  for (const [slot, keys] of near) {
    const [i, otherSource] = slot.split('\u0000') as [string, string];
    const own = features[Number(i)]!.operator!.key;
    const base = `${own}\u0000${otherSource}`;
    withNeighbour.set(base, (withNeighbour.get(base) ?? 0) + 1);
    for (const k of keys) {
      if (k === own) continue;
      const key = `${base}\u0000${k}`;
      together.set(key, (together.get(key) ?? 0) + 1);
    }
  }
  const aliases = new Set<string>();
  for (const [key, n] of together) {
    const [own, otherSource, other] = key.split('\u0000') as [string, string, string];
    const base = withNeighbour.get(`${own}\u0000${otherSource}`) ?? 0;
    if (n >= MIN_TIMES && n >= MIN_SHARE * base) {
      aliases.add(`${own}\u0000${other}`);
      aliases.add(`${other}\u0000${own}`);
    }
  }
  return aliases;
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

/**
 * Operator key pairs a source states itself: a record's `operator-alias` references (the BNetzA
 * API's display name, the parts of an Open Charge Map operator title) name the same operator as
 * its operator name, whatever the co-location count says.
 */
export function statedOperatorAliases(
  features: readonly (Located & { rec: { refs: readonly { kind: string; value: string }[] } })[],
): Set<string> {
  const aliases = new Set<string>();
  for (const f of features) {
    if (!f.operator) continue;
    for (const ref of f.rec.refs) {
      if (ref.kind !== 'operator-alias') continue;
      const other = parseOperatorName(ref.value)?.key;
      if (!other || other === f.operator.key) continue;
      aliases.add(`${f.operator.key}\u0000${other}`);
      aliases.add(`${other}\u0000${f.operator.key}`);
    }
  }
  return aliases;
}
