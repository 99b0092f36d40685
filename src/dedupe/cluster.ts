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
  const s = initialSets(input);
  const pkOf = (i: number) => input.features[i]!.rec.pk;
  let rejectedByGuard = 0;

  for (const link of input.links) {
    const ra = find(s, link.i);
    const rb = find(s, link.j);
    if (ra === rb) continue;
    if (forbidden(s, ra, rb)) {
      rejectedByGuard++;
      continue;
    }
    union(s, ra, rb, {
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
    const ra = find(s, pair.i);
    const rb = find(s, pair.j);
    if (ra === rb) continue;
    if (forbidden(s, ra, rb) || siteSourceClash(s, ra, rb) || tooWide(s, ra, rb)) {
      rejectedByGuard++;
      continue;
    }
    union(s, ra, rb, {
      a: pkOf(pair.i),
      b: pkOf(pair.j),
      link: null,
      score: round2(pair.score),
      distanceM: pair.distanceM,
    });
  }
  return { ...groupsOf(s), rejectedByGuard };
}

interface Box {
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
}

/** The union-find forest; members, reasons, box and siteSources are kept per root. */
interface Sets {
  features: readonly RecordFeatures[];
  maxDiameterM: number;
  parent: Int32Array;
  members: number[][];
  reasons: MergeReason[][];
  /** Bounding box of the members: a cheap first answer to "too wide?". */
  box: Box[];
  /** The site-level sources among the members (null: none). */
  siteSources: (Set<string> | null)[];
  /** Never-merge partners per record. */
  never: Map<number, number[]>;
}

function initialSets(input: ClusterInput): Sets {
  const { features } = input;
  const n = features.length;
  const never = new Map<number, number[]>();
  for (const [a, b] of input.never) {
    (never.get(a) ?? never.set(a, []).get(a)!).push(b);
    (never.get(b) ?? never.set(b, []).get(b)!).push(a);
  }
  return {
    features,
    maxDiameterM: input.maxDiameterM,
    parent: Int32Array.from({ length: n }, (_, i) => i),
    members: Array.from({ length: n }, (_, i) => [i]),
    reasons: Array.from({ length: n }, () => []),
    box: features.map((f) => ({
      minLat: f.rec.lat,
      maxLat: f.rec.lat,
      minLon: f.rec.lon,
      maxLon: f.rec.lon,
    })),
    siteSources: features.map((f) => (f.granularity === 'site' ? new Set([f.rec.sourceId]) : null)),
    never,
  };
}

/** The root of x's set, compressing the path on the way. */
function find(s: Sets, x: number): number {
  const { parent } = s;
  let r = x;
  while (parent[r] !== r) r = parent[r]!;
  let c = x;
  while (parent[c] !== r) {
    const next = parent[c]!;
    parent[c] = r;
    c = next;
  }
  return r;
}

function forbidden(s: Sets, ra: number, rb: number): boolean {
  if (s.never.size === 0) return false;
  const [small, other] = s.members[ra]!.length <= s.members[rb]!.length ? [ra, rb] : [rb, ra];
  for (const m of s.members[small]!)
    for (const x of s.never.get(m) ?? []) if (find(s, x) === other) return true;
  return false;
}

function siteSourceClash(s: Sets, ra: number, rb: number): boolean {
  const a = s.siteSources[ra];
  const b = s.siteSources[rb];
  if (!a || !b) return false;
  for (const id of a) if (b.has(id)) return true;
  return false;
}

function tooWide(s: Sets, ra: number, rb: number): boolean {
  const both = joinBoxes(s.box[ra]!, s.box[rb]!);
  if (distanceM(both.minLat, both.minLon, both.maxLat, both.maxLon) <= s.maxDiameterM) return false;
  for (const x of s.members[ra]!) {
    const a = s.features[x]!.rec;
    for (const y of s.members[rb]!) {
      const b = s.features[y]!.rec;
      if (distanceM(a.lat, a.lon, b.lat, b.lon) > s.maxDiameterM) return true;
    }
  }
  return false;
}

function joinBoxes(a: Box, b: Box): Box {
  return {
    minLat: Math.min(a.minLat, b.minLat),
    maxLat: Math.max(a.maxLat, b.maxLat),
    minLon: Math.min(a.minLon, b.minLon),
    maxLon: Math.max(a.maxLon, b.maxLon),
  };
}

function union(s: Sets, ra: number, rb: number, reason: MergeReason): void {
  const { members, reasons, siteSources } = s;
  const [keep, gone] = members[ra]!.length >= members[rb]!.length ? [ra, rb] : [rb, ra];
  s.parent[gone] = keep;
  s.box[keep] = joinBoxes(s.box[keep]!, s.box[gone]!);
  const ks = siteSources[keep];
  const gs = siteSources[gone];
  if (gs) siteSources[keep] = ks ? new Set([...ks, ...gs]) : gs;
  for (const m of members[gone]!) members[keep]!.push(m);
  for (const r of reasons[gone]!) reasons[keep]!.push(r);
  reasons[keep]!.push(reason);
  members[gone] = [];
  reasons[gone] = [];
}

function groupsOf(s: Sets): Pick<ClusterOutput, 'groups' | 'reasons'> {
  const groups: number[][] = [];
  const reasons: MergeReason[][] = [];
  for (let i = 0; i < s.parent.length; i++) {
    if (find(s, i) !== i) continue;
    groups.push(s.members[i]!.sort((a, b) => a - b));
    reasons.push(s.reasons[i]!);
  }
  return { groups, reasons };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
