// The evaluation data sets: records from ../shared/data, the ground truth for each, and which
// pairs that truth speaks about. Used by `npm run dedupe:eval` and by the tests that assert the
// targets. Ground truth is built from the raw files (OCM's DataProvidersReference, NDW's EVSE ids,
// Fastned's location id) or from the labelled sample in test/fixtures/dedupe/.
import fs from 'node:fs';
import path from 'node:path';
import { ocmBaselineClusters } from '../../src/dedupe/baseline-ocm.js';
import { dedupeRecords } from '../../src/dedupe/dedupe-records.js';
import { type PairMetrics, type PairScope, pairKey, pairMetrics } from '../../src/dedupe/pair-metrics.js';
import type { DedupeOptions, SourceRecord } from '../../src/dedupe/types.js';
import { distanceM } from '../../src/model/geo.js';
import {
  bnetzaApiRecords,
  chargeItRecords,
  OCM_SAMPLE_IDS,
  ocmSampleRecords,
  ocpiFeedRecords,
  sharedText,
} from './eval-sources.js';

export interface EvalSet {
  name: string;
  description: string;
  /** Ground truth from ids in the data (not from human labels): the targets apply. */
  idLinked: boolean;
  records: SourceRecord[];
  options: DedupeOptions;
  truth: Set<string>;
  scope: PairScope;
}

export interface EvalResult {
  set: EvalSet;
  ours: PairMetrics;
  baseline: PairMetrics;
  ms: number;
  /** The same figures for pairs whose records are 0-30, 30-50, 50-100 m apart (and further). */
  bands: { band: string; ours: PairMetrics; baseline: PairMetrics }[];
  /** Our wrong pairs, as "source:id <> source:id". */
  falsePositives: string[];
  falseNegatives: string[];
}

export const SOURCE = {
  lakd: 'lt-lakd',
  ocm: 'lt-ocm',
  ndw: 'nl-ndw',
  fastned: 'fastned-2019',
  chargecloud: 'swlb-chargecloud',
  bnetza: 'bnetza-api',
  chargeit: 'swlb-chargeit',
} as const;

/** Pairs with one record from each of two sources. */
export function between(records: readonly SourceRecord[], x: string, y: string): PairScope {
  const source = new Map(records.map((r) => [r.pk, r.sourceId]));
  return {
    covers: (a, b) => {
      const sa = source.get(a);
      const sb = source.get(b);
      return (sa === x && sb === y) || (sa === y && sb === x);
    },
  };
}

function byRecordId(records: readonly SourceRecord[], sourceId: string): Map<string, SourceRecord> {
  return new Map(records.filter((r) => r.sourceId === sourceId).map((r) => [r.recordId, r]));
}

/**
 * (a) LAKD and the OCM sample; every pair with an OCM POI in it counts (pairs of two LAKD locations
 * have no ground truth here). Truth: a POI with DataProviderID 32 is the LAKD location its
 * DataProvidersReference names; the three crowd POIs are no LAKD site (196-453 m from the nearest).
 * When the named id is gone from the snapshot (156 in 2024), the POI is the location that replaced
 * it: within 1 m and with the same set of connector standards (2430 "Jerevan" Druskininkai A4,
 * 0.02 m from where 156 was, CHAdeMO + CCS + Type 2 like 156).
 */
export function lakdOcmSet(snapshot: '2023-07-04' | '2024-06-06'): EvalSet {
  const lakd = ocpiFeedRecords(`lakd@${snapshot}`, SOURCE.lakd);
  const ocm = ocmSampleRecords(SOURCE.ocm);
  const records = [...lakd, ...ocm];
  const lakdById = byRecordId(records, SOURCE.lakd);
  const ocmById = byRecordId(records, SOURCE.ocm);
  const links: [string, string][] = [];
  for (const id of OCM_SAMPLE_IDS) {
    const poi = JSON.parse(sharedText(`lt-ocm-export-sample/OCM-${id}.json`)) as {
      DataProviderID: number;
      DataProvidersReference?: string;
    };
    if (poi.DataProviderID !== 32 || !poi.DataProvidersReference) continue;
    const copy = ocmById.get(id)!;
    const target = lakdById.get(poi.DataProvidersReference) ?? reRegistration(copy, lakd);
    if (target) links.push([copy.pk, target.pk]);
  }
  const isOcm = new Set(ocm.map((r) => r.pk));
  const withOcm = (a: string, b: string) => isOcm.has(a) || isOcm.has(b);
  return {
    name: `LAKD ${snapshot} + OCM sample`,
    description: 'OCM imports <> the LAKD id they reference; pairs with an OCM POI counted',
    idLinked: true,
    records,
    options: { sourceKinds: { [SOURCE.lakd]: 'nap' } },
    truth: idTruth(records, links, withOcm),
    scope: { covers: withOcm },
  };
}

function reRegistration(copy: SourceRecord, feed: readonly SourceRecord[]): SourceRecord | undefined {
  const standards = (r: SourceRecord) => [...new Set(r.connectors.map((c) => c.standard))].sort().join();
  return feed.find(
    (r) => distanceM(r.lat, r.lon, copy.lat, copy.lon) <= 1 && standards(r) === standards(copy),
  );
}

function ndwRecords(): SourceRecord[] {
  return [...ocpiFeedRecords('ndw-delft', SOURCE.ndw), ...ocpiFeedRecords('ndw-nijmegen', SOURCE.ndw)];
}

/** Connected components of "shares an EVSE id" (or is linked) among the given records (pk lists). */
function sharedEvseComponents(records: readonly SourceRecord[], links: [string, string][]): string[][] {
  const parent = new Map(records.map((r) => [r.pk, r.pk]));
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  const owner = new Map<string, string>();
  for (const r of records) {
    for (const e of r.evses) {
      if (!e.evseIdNorm) continue;
      const first = owner.get(e.evseIdNorm);
      if (first === undefined) owner.set(e.evseIdNorm, r.pk);
      else parent.set(find(r.pk), find(first));
    }
  }
  for (const [a, b] of links) parent.set(find(a), find(b));
  const groups = new Map<string, string[]>();
  for (const r of records) {
    const root = find(r.pk);
    groups.set(root, [...(groups.get(root) ?? []), r.pk]);
  }
  return [...groups.values()];
}

/** (b) NDW republishes sites under two location ids with the same EVSE ids. */
export function ndwSet(): EvalSet {
  const records = ndwRecords();
  return {
    name: 'NDW Delft + Nijmegen',
    description: 'locations sharing an EVSE id (transitively) are one site; all pairs counted',
    idLinked: true,
    records,
    options: { sourceKinds: { [SOURCE.ndw]: 'nap' } },
    truth: idTruth(records, []),
    scope: { covers: () => true },
  };
}

/** Pairs within the connected components of "shares an EVSE id" plus the given id links. */
function idTruth(
  records: readonly SourceRecord[],
  links: [string, string][],
  keep: (a: string, b: string) => boolean = () => true,
): Set<string> {
  const truth = new Set<string>();
  for (const group of sharedEvseComponents(records, links)) {
    for (let x = 0; x < group.length; x++) {
      for (let y = x + 1; y < group.length; y++)
        if (keep(group[x]!, group[y]!)) truth.add(pairKey(group[x]!, group[y]!));
    }
  }
  return truth;
}

/**
 * (c) Fastned's own 2019 feed with NDW 2026, every pair that involves a Fastned record counted.
 * Truth: Fastned location 50008 (Vrijenban, Delft) is NDW's 50008 (same Fastned location id, shared
 * EVSE ids) and so NDW's duplicate of it; otherwise shared EVSE ids. Fastned 31702 has no NDW match.
 */
export function fastnedNdwSet(): EvalSet {
  const ndw = ndwRecords();
  const fastned = ocpiFeedRecords('fastned', SOURCE.fastned);
  const records = [...ndw, ...fastned];
  const vrijenban = fastned.find((r) => r.recordId === '50008')!;
  const ndw50008 = ndw.find((r) => r.recordId === '50008')!;
  const isFastned = new Set(fastned.map((r) => r.pk));
  return {
    name: 'Fastned 2019 + NDW',
    description: 'Fastned 50008 <> NDW 50008 and its NDW duplicate; pairs with a Fastned record counted',
    idLinked: true,
    records,
    options: { sourceKinds: { [SOURCE.ndw]: 'nap' } },
    truth: idTruth(records, [[vrijenban.pk, ndw50008.pk]], (a, b) => isFastned.has(a) || isFastned.has(b)),
    scope: { covers: (a, b) => isFastned.has(a) || isFastned.has(b) },
  };
}

interface Labels {
  sites: { chargecloud: string; bnetza: string[]; chargeit: string[]; unsure?: string[] }[];
}

export function ludwigsburgLabels(): Labels {
  return JSON.parse(
    fs.readFileSync(path.resolve('test/fixtures/dedupe/ludwigsburg-labels.json'), 'utf8'),
  ) as Labels;
}

/** (d) and (e): chargecloud vs the BNetzA subset or chargeIT, against the labelled sample. */
export function ludwigsburgSet(other: 'bnetza' | 'chargeit'): EvalSet {
  const chargecloud = ocpiFeedRecords('chargecloud-ludwigsburg', SOURCE.chargecloud);
  const otherRecords =
    other === 'bnetza' ? bnetzaApiRecords(SOURCE.bnetza) : chargeItRecords(SOURCE.chargeit);
  const otherSource = SOURCE[other];
  const records = [...chargecloud, ...otherRecords];
  const ccById = byRecordId(records, SOURCE.chargecloud);
  const otherById = byRecordId(records, otherSource);
  const truth = new Set<string>();
  const labelled = new Set<string>();
  for (const site of ludwigsburgLabels().sites) {
    const c = ccById.get(site.chargecloud);
    if (!c) throw new Error(`labelled chargecloud id ${site.chargecloud} is not in the feed`);
    labelled.add(c.pk);
    for (const id of site[other]) {
      const o = otherById.get(id);
      if (!o) throw new Error(`labelled ${other} id ${id} is not in the data`);
      truth.add(pairKey(c.pk, o.pk));
    }
  }
  const pair = between(records, SOURCE.chargecloud, otherSource);
  return {
    name: `chargecloud <> ${other === 'bnetza' ? 'BNetzA' : 'chargeIT'}`,
    description: `labelled sample, test/fixtures/dedupe/ludwigsburg-labels.json (${labelled.size} chargecloud sites)`,
    idLinked: false,
    records,
    // chargeIT lists one place per charging pole, like a register does.
    options: other === 'chargeit' ? { granularity: { [SOURCE.chargeit]: 'station' } } : {},
    truth,
    scope: { covers: (a, b) => pair.covers(a, b) && (labelled.has(a) || labelled.has(b)) },
  };
}

interface PairLabels {
  sites: { chargeit: string[]; bnetza: string[] }[];
  unsure: { chargeit: string[]; bnetza: string[] }[];
}

/**
 * (f) chargeIT x BNetzA, the second labelled set (test/fixtures/dedupe/chargeit-bnetza-labels.json):
 * labelled by hand from the raw files before the scorer was run on these two sources. All pairs
 * between the two sources count; pairs under `unsure` count neither way.
 */
export function chargeItBnetzaSet(): EvalSet {
  const chargeit = chargeItRecords(SOURCE.chargeit);
  const bnetza = bnetzaApiRecords(SOURCE.bnetza);
  const records = [...chargeit, ...bnetza];
  const cById = byRecordId(records, SOURCE.chargeit);
  const bById = byRecordId(records, SOURCE.bnetza);
  const labels = JSON.parse(
    fs.readFileSync(path.resolve('test/fixtures/dedupe/chargeit-bnetza-labels.json'), 'utf8'),
  ) as PairLabels;
  const pairsOf = (groups: PairLabels['sites']) =>
    groups.flatMap((g) =>
      g.chargeit.flatMap((c) =>
        g.bnetza.map((b) => {
          const x = cById.get(c);
          const y = bById.get(b);
          if (!x || !y) throw new Error(`labelled pair ${c} / ${b} is not in the data`);
          return pairKey(x.pk, y.pk);
        }),
      ),
    );
  const pair = between(records, SOURCE.chargeit, SOURCE.bnetza);
  return {
    name: 'chargeIT <> BNetzA',
    description: 'second labelled set, test/fixtures/dedupe/chargeit-bnetza-labels.json (not tuned on)',
    idLinked: false,
    records,
    options: { granularity: { [SOURCE.chargeit]: 'station' } },
    truth: new Set(pairsOf(labels.sites)),
    scope: { covers: pair.covers, unsure: new Set(pairsOf(labels.unsure)) },
  };
}

export function allEvalSets(): EvalSet[] {
  return [
    lakdOcmSet('2023-07-04'),
    lakdOcmSet('2024-06-06'),
    ndwSet(),
    fastnedNdwSet(),
    ludwigsburgSet('bnetza'),
    ludwigsburgSet('chargeit'),
    chargeItBnetzaSet(),
  ];
}

export const DISTANCE_BANDS: [string, number, number][] = [
  ['0-30 m', 0, 30],
  ['30-50 m', 30, 50],
  ['50-100 m', 50, 100],
  ['>100 m', 100, Number.POSITIVE_INFINITY],
];

/** The set's scope, narrowed to pairs whose records are from..to metres apart (to exclusive). */
function withinBand(set: EvalSet, from: number, to: number): PairScope {
  const at = new Map(set.records.map((r) => [r.pk, r]));
  return {
    covers: (a, b) => {
      if (!set.scope.covers(a, b)) return false;
      const x = at.get(a)!;
      const y = at.get(b)!;
      const d = distanceM(x.lat, x.lon, y.lat, y.lon);
      return d >= from && d < to;
    },
  };
}

export function evaluateSet(set: EvalSet): EvalResult {
  const started = performance.now();
  const result = dedupeRecords(set.records, set.options);
  const ms = performance.now() - started;
  const name = new Map(set.records.map((r) => [r.pk, `${r.sourceId}:${r.recordId}`]));
  const label = (key: string) =>
    key
      .split('|')
      .map((pk) => name.get(pk))
      .join(' <> ');
  const predicted = new Set<string>();
  for (const c of result.clusters) {
    for (let x = 0; x < c.members.length; x++) {
      for (let y = x + 1; y < c.members.length; y++) {
        if (set.scope.covers(c.members[x]!, c.members[y]!))
          predicted.add(pairKey(c.members[x]!, c.members[y]!));
      }
    }
  }
  const baselineClusters = ocmBaselineClusters(set.records);
  const ourClusters = result.clusters.map((c) => c.members);
  const bands = DISTANCE_BANDS.map(([band, from, to]) => {
    const scope = { ...withinBand(set, from, to), unsure: set.scope.unsure };
    const truth = new Set([...set.truth].filter((k) => scope.covers(...(k.split('|') as [string, string]))));
    return {
      band,
      ours: pairMetrics(ourClusters, truth, scope),
      baseline: pairMetrics(baselineClusters, truth, scope),
    };
  });
  return {
    set,
    bands,
    falsePositives: [...predicted].filter((k) => !set.truth.has(k)).map(label),
    falseNegatives: [...set.truth].filter((k) => !predicted.has(k)).map(label),
    ours: pairMetrics(
      result.clusters.map((c) => c.members),
      set.truth,
      set.scope,
    ),
    baseline: pairMetrics(baselineClusters, set.truth, set.scope),
    ms,
  };
}
