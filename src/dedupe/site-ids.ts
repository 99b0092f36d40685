// Stable site ids. A new site's id is a hash of its anchor member (the member that ranks first,
// ties by pk), so the same data gives the same ids on any instance. Once a site exists, its id is
// carried by its members (locations.site_id) and survives re-runs: a cluster keeps the previous id
// that most of its members had. When clusters that had different ids become one, the others are
// merged into the kept one (and point to it); when the members of one id end up in several
// clusters, the id stays with the largest part and the others get new ids (a split).
import { hash64 } from '../model/ids.js';
import type { RecordRole } from './types.js';

export function freshSiteId(anchorPk: string, salt = 0): string {
  return hash64(salt === 0 ? `site\u0000${anchorPk}` : `site\u0000${anchorPk}\u0000${salt}`);
}

/** The member a new site's id derives from: best precedence rank, then smallest pk. */
export function anchorOf(members: readonly string[], roles: ReadonlyMap<string, RecordRole>): string {
  let best: string | null = null;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const pk of members) {
    const rank = roles.get(pk)?.rank ?? Number.POSITIVE_INFINITY;
    if (best === null || rank < bestRank || (rank === bestRank && pk < best)) {
      best = pk;
      bestRank = rank;
    }
  }
  if (best === null) throw new Error('a site needs at least one member');
  return best;
}

export interface SiteEvent {
  kind: 'merge' | 'split';
  from: string[];
  to: string[];
}

export interface SiteIdPlan {
  /** Site id per cluster, in the order given. */
  ids: string[];
  events: SiteEvent[];
  /** Previous id -> the id it was merged into. */
  mergedInto: Map<string, string>;
  /** Previous ids that no cluster kept or absorbed: their members are all gone. */
  vanished: string[];
}

export interface SiteIdInput {
  clusters: readonly (readonly string[])[];
  /** Anchor pk per cluster (anchorOf). */
  anchors: readonly string[];
  /** Site id each member had before this run, if any. */
  previous: ReadonlyMap<string, string | null>;
  /** Previous site ids this run is responsible for (those not kept or merged have vanished). */
  previousInScope: Iterable<string>;
  /** Whether a freshly derived id may be used (not held by another site, live or merged). */
  isFree: (id: string) => boolean;
}

export function assignSiteIds(input: SiteIdInput): SiteIdPlan {
  const { clusters } = input;
  // How many members of each previous id every cluster holds.
  const counts: Map<string, number>[] = clusters.map((members) => {
    const c = new Map<string, number>();
    for (const pk of members) {
      const id = input.previous.get(pk);
      if (id) c.set(id, (c.get(id) ?? 0) + 1);
    }
    return c;
  });
  // Each previous id goes to the cluster holding most of its members (the earliest on a tie).
  const home = new Map<string, number>();
  const spread = new Map<string, number[]>();
  counts.forEach((c, k) => {
    for (const [id, n] of c) {
      spread.set(id, [...(spread.get(id) ?? []), k]);
      const h = home.get(id);
      if (h === undefined || n > counts[h]!.get(id)!) home.set(id, k);
    }
  });
  const offered: string[][] = clusters.map(() => []);
  for (const [id, k] of home) offered[k]!.push(id);

  const ids: string[] = [];
  const used = new Set<string>();
  const mergedInto = new Map<string, string>();
  const events: SiteEvent[] = [];
  clusters.forEach((_, k) => {
    const candidates = offered[k]!.sort(
      (a, b) => counts[k]!.get(b)! - counts[k]!.get(a)! || (a < b ? -1 : 1),
    );
    const keep = candidates[0];
    if (keep !== undefined) {
      ids.push(keep);
      used.add(keep);
      const merged = candidates.slice(1);
      for (const id of merged) mergedInto.set(id, keep);
      if (merged.length > 0) events.push({ kind: 'merge', from: [keep, ...merged].sort(), to: [keep] });
      return;
    }
    let salt = 0;
    let id = freshSiteId(input.anchors[k]!, salt);
    while (used.has(id) || home.has(id) || !input.isFree(id)) id = freshSiteId(input.anchors[k]!, ++salt);
    ids.push(id);
    used.add(id);
  });
  for (const [id, parts] of spread) {
    if (parts.length > 1) events.push({ kind: 'split', from: [id], to: parts.map((k) => ids[k]!).sort() });
  }
  const vanished = [...new Set(input.previousInScope)]
    .filter((id) => !used.has(id) && !mergedInto.has(id))
    .sort();
  return { ids, events, mergedInto, vanished };
}
