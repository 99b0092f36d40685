// Union-find over accepted pairs, with guards so that pairs cannot chain distinct sites together:
// explicit links merge first and always (unless an override forbids it); scored pairs merge from
// the strongest down, and only while the merged site stays narrower than a bound, holds no two
// records of a site-level source (an OCPI feed's two locations are two sites unless linked), and
// joins no never-merge pair.
import { distanceM } from '../model/geo.js';
import type { RecordFeatures } from './record-features.js';
import type { LinkKind, MergeReason } from './types.js';

export interface ScoredPair {
  i: number;
  j: number;
  score: number;
  distanceM: number;
}

export interface LinkedPair {
  i: number;
  j: number;
  kind: LinkKind;
  distanceM: number;
}

export interface ClusterInput {
  features: readonly RecordFeatures[];
  links: readonly LinkedPair[];
  scored: readonly ScoredPair[];
  never: readonly [number, number][];
  maxDiameterM: number;
}

export interface ClusterOutput {
  /** Member indexes per cluster, each sorted, clusters in order of their first member. */
  groups: number[][];
  reasons: MergeReason[][];
  rejectedByGuard: number;
}

export function clusterRecords(input: ClusterInput): ClusterOutput {
  const { features } = input;
  const n = features.length;
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const members: number[][] = Array.from({ length: n }, (_, i) => [i]);
  const reasons: MergeReason[][] = Array.from({ length: n }, () => []);
  // Per cluster root: its bounding box (a cheap first answer to "too wide?") and the site-level
  // sources among its members.
  const box = features.map((f) => ({
    minLat: f.rec.lat,
    maxLat: f.rec.lat,
    minLon: f.rec.lon,
    maxLon: f.rec.lon,
  }));
  const siteSources: (Set<string> | null)[] = features.map((f) =>
    f.granularity === 'site' ? new Set([f.rec.sourceId]) : null,
  );
  const never = new Map<number, number[]>();
  for (const [a, b] of input.never) {
    (never.get(a) ?? never.set(a, []).get(a)!).push(b);
    (never.get(b) ?? never.set(b, []).get(b)!).push(a);
  }

  const find = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r]!;
    let c = x;
    while (parent[c] !== r) {
      const next = parent[c]!;
      parent[c] = r;
      c = next;
    }
    return r;
  };

  const forbidden = (ra: number, rb: number): boolean => {
    if (never.size === 0) return false;
    const [small, other] = members[ra]!.length <= members[rb]!.length ? [ra, rb] : [rb, ra];
    for (const m of members[small]!) for (const x of never.get(m) ?? []) if (find(x) === other) return true;
    return false;
  };

  const siteSourceClash = (ra: number, rb: number): boolean => {
    const a = siteSources[ra];
    const b = siteSources[rb];
    if (!a || !b) return false;
    for (const s of a) if (b.has(s)) return true;
    return false;
  };

  const tooWide = (ra: number, rb: number): boolean => {
    const a = box[ra]!;
    const b = box[rb]!;
    const minLat = Math.min(a.minLat, b.minLat);
    const maxLat = Math.max(a.maxLat, b.maxLat);
    const minLon = Math.min(a.minLon, b.minLon);
    const maxLon = Math.max(a.maxLon, b.maxLon);
    if (distanceM(minLat, minLon, maxLat, maxLon) <= input.maxDiameterM) return false;
    for (const x of members[ra]!) {
      const a = features[x]!.rec;
      for (const y of members[rb]!) {
        const b = features[y]!.rec;
        if (distanceM(a.lat, a.lon, b.lat, b.lon) > input.maxDiameterM) return true;
      }
    }
    return false;
  };

  const union = (ra: number, rb: number, reason: MergeReason) => {
    const [keep, gone] = members[ra]!.length >= members[rb]!.length ? [ra, rb] : [rb, ra];
    parent[gone] = keep;
    const kb = box[keep]!;
    const gb = box[gone]!;
    box[keep] = {
      minLat: Math.min(kb.minLat, gb.minLat),
      maxLat: Math.max(kb.maxLat, gb.maxLat),
      minLon: Math.min(kb.minLon, gb.minLon),
      maxLon: Math.max(kb.maxLon, gb.maxLon),
    };
    const ks = siteSources[keep];
    const gs = siteSources[gone];
    if (gs) siteSources[keep] = ks ? new Set([...ks, ...gs]) : gs;
    for (const m of members[gone]!) members[keep]!.push(m);
    for (const r of reasons[gone]!) reasons[keep]!.push(r);
    reasons[keep]!.push(reason);
    members[gone] = [];
    reasons[gone] = [];
  };

  const pkOf = (i: number) => features[i]!.rec.pk;
  let rejectedByGuard = 0;

  for (const link of input.links) {
    const ra = find(link.i);
    const rb = find(link.j);
    if (ra === rb) continue;
    if (forbidden(ra, rb)) {
      rejectedByGuard++;
      continue;
    }
    union(ra, rb, {
      a: pkOf(link.i),
      b: pkOf(link.j),
      link: link.kind,
      score: null,
      distanceM: link.distanceM,
    });
  }

  // Strongest first. The sort is stable and callers list pairs in an order that depends only on
  // the records (dedupeRecords works in pk order), so ties always resolve the same way.
  const scored = [...input.scored].sort((x, y) => y.score - x.score);
  for (const pair of scored) {
    const ra = find(pair.i);
    const rb = find(pair.j);
    if (ra === rb) continue;
    if (forbidden(ra, rb) || siteSourceClash(ra, rb) || tooWide(ra, rb)) {
      rejectedByGuard++;
      continue;
    }
    union(ra, rb, {
      a: pkOf(pair.i),
      b: pkOf(pair.j),
      link: null,
      score: round2(pair.score),
      distanceM: pair.distanceM,
    });
  }

  const groups: number[][] = [];
  const groupReasons: MergeReason[][] = [];
  for (let i = 0; i < n; i++) {
    if (find(i) !== i) continue;
    groups.push(members[i]!.sort((a, b) => a - b));
    groupReasons.push(reasons[i]!);
  }
  return { groups, reasons: groupReasons, rejectedByGuard };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
