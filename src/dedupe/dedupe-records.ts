// The pure dedupe pipeline: records in, sites (clusters of record pks) out, no I/O.
//   1. explicit links (overrides, shared EVSE ids, OCM references, same OCPI party + location id);
//   2. candidate pairs from a grid index within a radius, scored (score-pair.ts);
//   3. per record, only its best match in each other source survives (a register entry between two
//      CPO sites goes to the nearer one instead of bridging them);
//   4. guarded union-find (cluster.ts).
import { clusterRecords, type ScoredPair } from './cluster.js';
import { evseIdLinks, partyIdLinks, resolveOverrides, resolveRefs } from './explicit-links.js';
import { GridIndex } from './grid-index.js';
import { learnOperatorAliases, statedOperatorAliases } from './operator-aliases.js';
import { FeatureCache, type RecordFeatures, recordFeatures } from './record-features.js';
import { createPairScorer, DEFAULT_ACCEPT_SCORE } from './score-pair.js';
import type { Cluster, DedupeOptions, DedupeResult, RecordRole, SourceRecord } from './types.js';

export const DEFAULT_RADIUS_M = 150;
export const DEFAULT_MAX_DIAMETER_M = 150;
/** Matches this close to a record's best match in the same other source are kept too (ties). */
const BEST_MATCH_MARGIN = 0.5;

export function dedupeRecords(input: readonly SourceRecord[], options: DedupeOptions = {}): DedupeResult {
  // Working in pk order makes every tie (equal scores, equal distances) resolve the same way
  // whatever order the records were read in, so the same data always gives the same sites.
  const records = [...input].sort((a, b) => (a.pk < b.pk ? -1 : a.pk > b.pk ? 1 : 0));
  const cache = new FeatureCache();
  const features = records.map((r) => recordFeatures(r, options, cache));
  const refs = resolveRefs(features, options.refProviders);
  const overrides = resolveOverrides(features, options.overrides);
  const links = [...overrides.always, ...evseIdLinks(features), ...refs.links, ...partyIdLinks(features)];

  const candidates = new GridIndex(records, options.radiusM ?? DEFAULT_RADIUS_M).pairs();
  const accept = options.acceptScore ?? DEFAULT_ACCEPT_SCORE;
  const accepted: ScoredPair[] = [];
  const aliases = learnOperatorAliases(features, candidates);
  for (const pair of statedOperatorAliases(features)) aliases.add(pair);
  const score = createPairScorer(aliases);
  for (const c of candidates) {
    const a = features[c.i]!;
    const b = features[c.j]!;
    if (!mayMatchByPlace(a, b)) continue;
    const s = score(a, b, c.distanceM).score;
    if (s >= accept) accepted.push({ i: c.i, j: c.j, distanceM: c.distanceM, score: s });
  }
  const scored = keepBestPerSource(accepted, features);

  const out = clusterRecords({
    features,
    links,
    scored,
    never: overrides.never,
    maxDiameterM: options.maxDiameterM ?? DEFAULT_MAX_DIAMETER_M,
  });
  const clusters: Cluster[] = out.groups
    .map((g, k) => ({ members: g.map((i) => features[i]!.rec.pk).sort(), reasons: out.reasons[k]! }))
    .sort((x, y) => (x.members[0]! < y.members[0]! ? -1 : 1));
  const roles = new Map<string, RecordRole>(
    features.map((f) => [f.rec.pk, { kind: f.kind, rank: f.rank, derivedFrom: f.derivedFrom }]),
  );
  return {
    clusters,
    roles,
    refProviders: refs.providers,
    stats: {
      records: records.length,
      candidatePairs: candidates.length,
      acceptedPairs: scored.length,
      explicitLinks: links.length,
      rejectedByGuard: out.rejectedByGuard,
      sites: clusters.length,
    },
  };
}

/**
 * Whether two records may be matched by place at all. Not: two locations of one OCPI feed (the feed
 * knows its own sites; its duplicates share EVSE ids), nor a copy linked to its origin record and
 * another record of that source (were they the same, the copy's reference would say so). A copy
 * whose referenced id is gone may be: the stale reference is no veto.
 */
function mayMatchByPlace(a: RecordFeatures, b: RecordFeatures): boolean {
  const sa = a.rec.sourceId;
  const sb = b.rec.sourceId;
  if (sa === sb) return a.granularity === 'station' && b.granularity === 'station';
  return !a.linkedOrigins.has(sb) && !b.linkedOrigins.has(sa);
}

function keepBestPerSource(pairs: ScoredPair[], features: readonly RecordFeatures[]): ScoredPair[] {
  const best = new Map<string, number>();
  const key = (i: number, other: number) => `${i}\u0000${features[other]!.rec.sourceId}`;
  const note = (k: string, score: number) => {
    const held = best.get(k);
    if (held === undefined || score > held) best.set(k, score);
  };
  for (const p of pairs) {
    if (features[p.i]!.rec.sourceId === features[p.j]!.rec.sourceId) continue;
    note(key(p.i, p.j), p.score);
    note(key(p.j, p.i), p.score);
  }
  return pairs.filter((p) => {
    if (features[p.i]!.rec.sourceId === features[p.j]!.rec.sourceId) return true;
    return (
      p.score >= best.get(key(p.i, p.j))! - BEST_MATCH_MARGIN ||
      p.score >= best.get(key(p.j, p.i))! - BEST_MATCH_MARGIN
    );
  });
}
