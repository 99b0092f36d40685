// Links a record states outright, which win over any score: the same EVSE id in two records (an
// EVSE is in one place), an OCM POI naming the OCPI location it was imported from, the same OCPI
// party and location id in two feeds (a CPO's own feed and the access point republishing it), and
// the always-merge pairs of the overrides file. Each is still checked against distance, because ids
// get reused by mistake and "156" is a location id in many feeds.
import { distanceM } from '../model/geo.js';
import { groupBy } from '../model/group-by.js';
import type { RecordFeatures } from './record-features.js';
import { DERIVED_PENALTY, KIND_RANK } from './source-kinds.js';
import type { LinkKind, Overrides, RecordSelector } from './types.js';

/** An EVSE cannot be in two places: further apart than this, a shared id is a data error. */
const EVSE_LINK_MAX_M = 1000;
/** OCM copies the coordinates it imports; the distance only has to tell one feed's "156" from another's. */
const REF_LINK_MAX_M = 2000;
const PARTY_LINK_MAX_M = 1000;
/** An "EVSE id" carried by more records than this is a placeholder, not an identity. */
const MAX_RECORDS_PER_EVSE_ID = 12;

export interface ExplicitLink {
  i: number;
  j: number;
  kind: LinkKind;
  distanceM: number;
}

function dist(f: readonly RecordFeatures[], i: number, j: number): number {
  const a = f[i]!.rec;
  const b = f[j]!.rec;
  return distanceM(a.lat, a.lon, b.lat, b.lon);
}

/** Record indices grouped by the keys each record has. */
function indicesBy(
  features: readonly RecordFeatures[],
  keysOf: (f: RecordFeatures) => readonly string[],
): Map<string, number[]> {
  return groupBy(
    features.map((_, i) => i),
    (i) => keysOf(features[i]!),
  );
}

/** Links every member of each group to the first earlier member within `maxM` (a spanning set). */
function linkGroups(
  features: readonly RecordFeatures[],
  groups: Map<string, number[]>,
  kind: LinkKind,
  maxM: number,
  allow: (i: number, j: number) => boolean,
): ExplicitLink[] {
  const links: ExplicitLink[] = [];
  for (const group of groups.values()) {
    if (group.length < 2 || group.length > MAX_RECORDS_PER_EVSE_ID) continue;
    for (let k = 1; k < group.length; k++) {
      const j = group[k]!;
      for (let m = 0; m < k; m++) {
        const i = group[m]!;
        if (!allow(i, j)) continue;
        const d = dist(features, i, j);
        if (d <= maxM) {
          links.push({ i, j, kind, distanceM: d });
          break;
        }
      }
    }
  }
  return links;
}

export function evseIdLinks(features: readonly RecordFeatures[]): ExplicitLink[] {
  return linkGroups(
    features,
    indicesBy(features, (f) => f.evseIds),
    'evse-id',
    EVSE_LINK_MAX_M,
    () => true,
  );
}

/** The same (country_code, party_id, location id) in two OCPI feeds. */
export function partyIdLinks(features: readonly RecordFeatures[]): ExplicitLink[] {
  const keyOf = (f: RecordFeatures) =>
    f.rec.sourceType === 'ocpi' && f.rec.partyId.length > 0 && f.rec.countryCode.length > 0
      ? [`${f.rec.countryCode}\u0000${f.rec.partyId}\u0000${f.rec.recordId}`.toLowerCase()]
      : [];
  return linkGroups(
    features,
    indicesBy(features, keyOf),
    'party-id',
    PARTY_LINK_MAX_M,
    (i, j) => features[i]!.rec.sourceId !== features[j]!.rec.sourceId,
  );
}

export interface RefResolution {
  links: ExplicitLink[];
  /** OCM provider id -> source id (given, else learned by majority from resolved references). */
  providers: Record<string, string>;
}

/**
 * Resolves 'ocpi-location' and 'register-id' references to the nearest record of another source
 * with that id. Also sets, on the referring record, where it was copied from (its precedence rank
 * follows its origin's). A resolved reference links the copy to its origin, so it is not matched by
 * place to the origin's other records. A reference to an id its origin no longer lists (LAKD 156 in
 * 2024) says only where the record came from: the copy may still be matched by place, so a site
 * the feed re-registered under a new id (LAKD 2430, same place, same connectors) is found.
 */
export function resolveRefs(features: RecordFeatures[], given: Record<string, string> = {}): RefResolution {
  const byId = indicesBy(features, (f) => [f.rec.recordId.toLowerCase()]);
  const links: ExplicitLink[] = [];
  const votes = new Map<string, Map<string, number>>();
  const unresolved: { i: number; provider: string | null }[] = [];
  features.forEach((f, i) => {
    for (const ref of f.rec.refs) {
      if (ref.kind === 'evse-id' || ref.kind === 'operator-alias') continue;
      const provider = ref.provider ?? null;
      const wanted = provider !== null ? given[provider] : undefined;
      let best: { j: number; d: number } | null = null;
      for (const j of byId.get(ref.value.toLowerCase()) ?? []) {
        const t = features[j]!;
        if (t.rec.sourceId === f.rec.sourceId || !refTargetFits(ref.kind, t)) continue;
        if (wanted !== undefined && t.rec.sourceId.toLowerCase() !== wanted.toLowerCase()) continue;
        const d = dist(features, i, j);
        if (d <= REF_LINK_MAX_M && (best === null || d < best.d)) best = { j, d };
      }
      if (best === null) {
        unresolved.push({ i, provider });
        continue;
      }
      const target = features[best.j]!;
      links.push({
        i,
        j: best.j,
        kind: ref.kind === 'ocpi-location' ? 'ocpi-ref' : 'register-ref',
        distanceM: best.d,
      });
      markDerived(f, target.rec.sourceId, target.rank);
      f.linkedOrigins.add(target.rec.sourceId);
      if (provider !== null) {
        const v = votes.get(provider) ?? new Map<string, number>();
        v.set(target.rec.sourceId, (v.get(target.rec.sourceId) ?? 0) + 1);
        votes.set(provider, v);
      }
    }
  });
  const providers: Record<string, string> = { ...learnedProviders(votes), ...given };
  const rankOfSource = new Map(features.map((f) => [f.rec.sourceId, KIND_RANK[f.kind]] as const));
  for (const { i, provider } of unresolved) {
    const origin = provider !== null ? providers[provider] : undefined;
    if (origin === undefined) continue;
    const f = features[i]!;
    if (f.derivedFrom === null) markDerived(f, origin, rankOfSource.get(origin) ?? f.rank);
  }
  return { links, providers };
}

function refTargetFits(kind: string, t: RecordFeatures): boolean {
  if (kind === 'ocpi-location') return t.rec.sourceType === 'ocpi';
  return t.rec.sourceType !== 'ocpi' && t.rec.sourceType !== 'ocm';
}

function markDerived(f: RecordFeatures, origin: string, originRank: number): void {
  f.derivedFrom = origin;
  f.rank = originRank + DERIVED_PENALTY;
}

function learnedProviders(votes: Map<string, Map<string, number>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [provider, bySource] of votes) {
    let total = 0;
    let best: [string, number] | null = null;
    for (const [source, n] of bySource) {
      total += n;
      if (best === null || n > best[1] || (n === best[1] && source < best[0])) best = [source, n];
    }
    if (best !== null && best[1] * 2 > total) out[provider] = best[0];
  }
  return out;
}

export function selectorMatches(sel: RecordSelector, f: RecordFeatures): boolean {
  const r = f.rec;
  return (
    r.sourceId.toLowerCase() === sel.source.toLowerCase() &&
    r.recordId.toLowerCase() === sel.id.toLowerCase() &&
    (sel.countryCode === undefined || r.countryCode.toLowerCase() === sel.countryCode.toLowerCase()) &&
    (sel.partyId === undefined || r.partyId.toLowerCase() === sel.partyId.toLowerCase())
  );
}

export interface ResolvedOverrides {
  always: ExplicitLink[];
  never: [number, number][];
}

export function resolveOverrides(
  features: readonly RecordFeatures[],
  overrides: Overrides | undefined,
): ResolvedOverrides {
  if (!overrides) return { always: [], never: [] };
  const index = indicesBy(features, (f) => [`${f.rec.sourceId}\u0000${f.rec.recordId}`.toLowerCase()]);
  const find = (sel: RecordSelector) =>
    (index.get(`${sel.source}\u0000${sel.id}`.toLowerCase()) ?? []).filter((i) =>
      selectorMatches(sel, features[i]!),
    );
  const pairs = (list: [RecordSelector, RecordSelector][]) =>
    list.flatMap(([x, y]) =>
      find(x).flatMap((i) =>
        find(y)
          .filter((j) => j !== i)
          .map((j) => [i, j] as [number, number]),
      ),
    );
  return {
    always: pairs(overrides.always).map(([i, j]) => ({
      i,
      j,
      kind: 'override',
      distanceM: dist(features, i, j),
    })),
    never: pairs(overrides.never),
  };
}
