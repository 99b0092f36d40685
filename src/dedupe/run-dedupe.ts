// Dedupe against the database: reads live locations (with EVSE ids, connectors and stated links),
// groups them into sites with the pure pipeline, keeps site ids stable across runs, and writes
// `sites`, `site_events` and `locations.site_id` in one atomic batch a run.
//
// Full run: every live published location. Incremental run (`changedNear`): only the sites near
// the changed records are reconsidered (incremental-region.ts); a large change in parts.

import { bumpCountsVersionStmt, bumpDataVersionStmt } from '../db/queries/data-version.js';
import {
  changedLocationPks,
  type LocationRow,
  liveLocationRows,
  liveSiteIds,
  placesOf,
  refProviderCounts,
  siteIdStates,
  storedSites,
} from '../db/queries/dedupe-reads.js';
import {
  assignSitesStmts,
  detachDeadLocationsStmt,
  detachLocationsStmts,
  mergeSiteStmts,
  removeSiteStmt,
  type SiteRow,
  siteEventStmt,
  upsertSitesStmts,
} from '../db/queries/dedupe-writes.js';
import { cellOf } from '../db/spatial-key.js';
import type { Db, Stmt } from '../db/types.js';
import { refreshSiteFeaturesStmts } from '../db/write-site-features.js';
import { iso } from '../model/iso-time.js';
import type { ExternalRef } from '../model/types.js';
import { buildSiteDocument, type SiteDocument } from './build-site.js';
import { DEFAULT_RADIUS_M, dedupeRecords } from './dedupe-records.js';
import { incrementalRegion } from './incremental-region.js';
import { anchorOf, assignSiteIds, freshSiteId } from './site-ids.js';
import type { DedupeOptions, DedupeStats, SourceRecord } from './types.js';

export interface DedupeSitesOptions extends DedupeOptions {
  /** Location pks changed by a sync (new, updated or removed); without it, every site is reconsidered. */
  changedNear?: string[];
  /** When this run happens (ISO); defaults to now. */
  now?: string;
  /** Changed records a run takes at once (default INCREMENTAL_LIMIT); more are taken in parts. */
  partSize?: number;
}

export interface DedupeSitesResult {
  mode: 'full' | 'incremental';
  /** Records read and clustered. */
  records: number;
  /** Sites written (new or changed). */
  sitesWritten: number;
  /** Sites reconsidered (written or found unchanged). */
  sitesConsidered: number;
  merges: number;
  splits: number;
  removed: number;
  stats: DedupeStats;
}

/**
 * Changed records one incremental run takes. A larger change (the first sync of a national feed:
 * every record is new) is taken in parts of this many, in spatial-key order, each part an
 * incremental run with its own batch, so memory and the write transaction are bounded by the part,
 * not by the feed. Such a change used to take a full run, reading every record at once: ~450 MB
 * more in the server after a first sync of 70k locations (VmHWM 219 -> 671 MB), and one write
 * transaction for every site. The parts end where one run over all of them would
 * (test/dedupe/run-dedupe.test.ts compares the two).
 */
const INCREMENTAL_LIMIT = 5000;

/**
 * A run's batch keeps SQLite's statement journal in memory (db/types.ts BatchOptions): its writes
 * to tables with triggers (locations, site_features) each take one, and past 64 KB the rest of the
 * transaction wrote it to a temporary file, page by page. Every statement is bounded by a chunk of
 * ids (WRITE_CHUNK, the refresh's CHUNK), none rewrites a table, so each journal stays small.
 * Measured on the sync bench's dedupe (20k new locations, interleaved with the batch as before, load
 * 3-4.6): 5.78 / 6.32 s -> 4.62 / 5.29 s.
 */
const DEDUPE_BATCH = { smallStatements: true } as const;

export async function dedupeSites(db: Db, given: DedupeSitesOptions = {}): Promise<DedupeSitesResult> {
  const options = { ...given, now: given.now ?? iso(new Date()) };
  const changed = options.changedNear;
  if (changed === undefined) return dedupeOnce(db, options, null);
  if (changed.length === 0) return nothingChanged();
  const limit = options.partSize ?? INCREMENTAL_LIMIT;
  if (changed.length <= limit) return dedupeOnce(db, options, changed);
  let total = nothingChanged();
  for (const part of await spatialParts(db, changed, limit)) {
    total = addResults(total, await dedupeOnce(db, options, part));
  }
  return total;
}

/** The changed records in parts of `size`, in spatial-key order, so that each part's region is compact. */
async function spatialParts(db: Db, changed: string[], size: number): Promise<string[][]> {
  const places = await placesOf(db, changed);
  const cells = new Map(places.map((p) => [p.pk, cellOf(p.lat, p.lon)]));
  const ordered = [...changed].sort((a, b) => (cells.get(a) ?? Infinity) - (cells.get(b) ?? Infinity));
  const parts: string[][] = [];
  for (let i = 0; i < ordered.length; i += size) parts.push(ordered.slice(i, i + size));
  return parts;
}

/** One run: over every record (`changed` null), or over the region of the changed ones. */
async function dedupeOnce(
  db: Db,
  options: DedupeSitesOptions & { now: string },
  changed: string[] | null,
): Promise<DedupeSitesResult> {
  const now = options.now;
  const incremental = changed !== null;
  const refProviders = { ...(await learnedRefProviders(db)), ...options.refProviders };
  const scope = incremental
    ? await incrementalScope(db, changed, options.radiusM ?? DEFAULT_RADIUS_M)
    : await fullScope(db);
  const result = dedupeRecords(scope.records, { ...options, refProviders });
  const clusters = result.clusters
    .map((c) => c.members)
    .filter((members) => scope.inner === null || members.some((pk) => scope.inner!.has(pk)));
  const plan = await planSites(db, clusters, result.roles, scope);
  const stmts = [...scope.stmts, ...writeStmts(db, plan, now)];
  if (stmts.length > 0) {
    // The read model of every site whose members, fields or liveness changed, and of the records
    // that joined or left one (in the same batch, after the writes above).
    stmts.push(...refreshSiteFeaturesStmts(touchedByPlan(plan, scope, incremental)));
    // Sites changed outside a sync run: bump the data version so ETags and cached answers move on,
    // and the counts' version when what the statistics count as sites may have changed
    // (src/db/counts-changes.ts).
    stmts.push(bumpDataVersionStmt(now));
    if (!incremental || regroups(plan, scope)) stmts.push(bumpCountsVersionStmt(now));
  }
  await db.batch(stmts, DEDUPE_BATCH);
  return {
    mode: incremental ? 'incremental' : 'full',
    records: scope.records.length,
    sitesWritten: plan.siteRows.length,
    sitesConsidered: clusters.length,
    merges: plan.events.filter((e) => e.kind === 'merge').length,
    splits: plan.events.filter((e) => e.kind === 'split').length,
    removed: plan.vanished.length,
    stats: result.stats,
  };
}

/** What a run reconsiders, and the detachments that go first in its batch. */
interface Scope {
  records: LoadedRecord[];
  /** Records whose clusters are written (null: all). */
  inner: Set<string> | null;
  previousInScope: Set<string>;
  goneWithSite: string[];
  stmts: Stmt[];
}

async function incrementalScope(db: Db, changed: string[], radiusM: number): Promise<Scope> {
  const region = await incrementalRegion(db, changed, radiusM);
  return {
    records: await loadRecords(db, [...region.all]),
    inner: region.inner,
    previousInScope: region.previousSites,
    goneWithSite: region.goneWithSite,
    // Changed records that are gone (removed, unpublished) leave their sites.
    stmts: detachLocationsStmts(db, region.goneWithSite),
  };
}

async function fullScope(db: Db): Promise<Scope> {
  return {
    records: await loadRecords(db, null),
    inner: null,
    previousInScope: await liveSiteIds(db),
    goneWithSite: [],
    stmts: [detachDeadLocationsStmt(db)],
  };
}

type SitePlan = ReturnType<typeof assignSiteIds> & {
  previous: Map<string, string | null>;
  siteRows: SiteRow[];
  assignments: [string, string][];
  /** Site rows written that were not live before (new, or merged away): their members' site key may change. */
  sitesRevived: number;
};

/**
 * Whether an incremental run's writes may change what the statistics count as sites (a location's
 * site key: queries/sites.ts siteKeySql): a location moved to another site or out of one, a site
 * merged, removed or made live. A run that only rewrites sites' documents (a member's new content
 * hash after a pull that changed its statuses) does not.
 */
function regroups(plan: SitePlan, scope: Scope): boolean {
  return (
    plan.assignments.length > 0 ||
    plan.mergedInto.size > 0 ||
    plan.vanished.length > 0 ||
    plan.events.length > 0 ||
    plan.sitesRevived > 0 ||
    scope.goneWithSite.length > 0
  );
}

/** Stable ids for the clusters, and the site rows and memberships that differ from what is stored. */
async function planSites(
  db: Db,
  clusters: string[][],
  roles: Parameters<typeof buildSiteDocument>[1],
  scope: Scope,
): Promise<SitePlan> {
  const byPk = new Map(scope.records.map((r) => [r.pk, r]));
  const anchors = clusters.map((members) => anchorOf(members, roles));
  const previous = new Map(scope.records.map((r) => [r.pk, r.siteId ?? null]));
  const candidates = anchors.flatMap((a) => [freshSiteId(a, 0), freshSiteId(a, 1), freshSiteId(a, 2)]);
  const known = await siteIdStates(db, candidates);
  const plan = assignSiteIds({
    clusters,
    anchors,
    previous,
    previousInScope: scope.previousInScope,
    isFree: (id) => known.get(id) !== 'taken',
  });
  const stored = await storedSites(db, plan.ids);
  const siteRows: SiteRow[] = [];
  const assignments: [string, string][] = [];
  let sitesRevived = 0;
  clusters.forEach((members, k) => {
    const id = plan.ids[k]!;
    for (const pk of members) if (previous.get(pk) !== id) assignments.push([pk, id]);
    const doc = withHashes(
      buildSiteDocument(
        members.map((pk) => byPk.get(pk)!),
        roles,
      ),
      byPk,
    );
    const text = JSON.stringify(doc);
    const [lon, lat] = doc.coordinates.value;
    const held = stored.get(id);
    if (held && held.fields === text && held.lat === lat && held.lon === lon && held.merged_into === null)
      return;
    if (!held || held.merged_into !== null) sitesRevived++;
    siteRows.push([id, lat, lon, cellOf(lat, lon), text]);
  });
  return { ...plan, previous, siteRows, assignments, sitesRevived };
}

function writeStmts(db: Db, plan: SitePlan, now: string): Stmt[] {
  return [
    ...upsertSitesStmts(plan.siteRows, now),
    ...assignSitesStmts(plan.assignments),
    ...[...plan.mergedInto].flatMap(([from, to]) => mergeSiteStmts(db, from, to, now)),
    ...plan.vanished.map((id) => removeSiteStmt(db, id, now)),
    ...plan.events.map((e) => siteEventStmt(db, e, now)),
  ];
}

/** Sites and records whose read-model rows a run's writes change. */
function touchedByPlan(plan: SitePlan, scope: Scope, incremental: boolean) {
  const touched = new Set<string>(incremental ? scope.previousInScope : []);
  for (const [pk] of plan.assignments) {
    const before = plan.previous.get(pk);
    if (before) touched.add(before);
  }
  for (const row of plan.siteRows) touched.add(row[0]);
  for (const [from, to] of plan.mergedInto) touched.add(from).add(to);
  for (const id of plan.vanished) touched.add(id);
  // The refresh of a location reaches the site it is in by then (keys in write-site-features.ts),
  // so a site that a location was assigned to is not named again: each summary is computed once.
  // A first dedupe names every site both ways; the second refresh of 20k new sites cost 1.3-2.0 s.
  for (const [, id] of plan.assignments) touched.delete(id);
  return {
    locationPks: [...plan.assignments.map(([pk]) => pk), ...scope.goneWithSite],
    siteIds: [...touched],
  };
}

function nothingChanged(): DedupeSitesResult {
  return {
    mode: 'incremental',
    records: 0,
    sitesWritten: 0,
    sitesConsidered: 0,
    merges: 0,
    splits: 0,
    removed: 0,
    stats: {
      records: 0,
      candidatePairs: 0,
      acceptedPairs: 0,
      explicitLinks: 0,
      rejectedByGuard: 0,
      sites: 0,
    },
  };
}

/** Two runs' results as one: counts added, the stats too. */
function addResults(a: DedupeSitesResult, b: DedupeSitesResult): DedupeSitesResult {
  const stats = { ...a.stats };
  for (const k of Object.keys(stats) as (keyof DedupeStats)[]) stats[k] += b.stats[k];
  return {
    mode: 'incremental',
    records: a.records + b.records,
    sitesWritten: a.sitesWritten + b.sitesWritten,
    sitesConsidered: a.sitesConsidered + b.sitesConsidered,
    merges: a.merges + b.merges,
    splits: a.splits + b.splits,
    removed: a.removed + b.removed,
    stats,
  };
}

export { changedLocationPks };

/** The content hash of each member goes into the document, so a later run can tell what changed. */
function withHashes(doc: SiteDocument, byPk: Map<string, LoadedRecord>): SiteDocument {
  return {
    ...doc,
    members: doc.members.map((m) => ({ ...m, content_hash: byPk.get(m.pk)?.contentHash ?? null })),
  };
}

interface LoadedRecord extends SourceRecord {
  siteId: string | null;
  contentHash: string;
}

/** Live published locations (all, or the given pks) with their EVSEs, connectors and references. */
async function loadRecords(db: Db, pks: string[] | null): Promise<LoadedRecord[]> {
  const rows = await liveLocationRows(db, pks);
  const out = new Map<string, LoadedRecord>();
  for (const r of rows.locations) out.set(r.pk, recordFromRow(r));
  for (const e of rows.evses) {
    out
      .get(e.location_pk)
      ?.evses.push({ evseIdNorm: e.evse_id_norm, status: e.status, statusUpdatedAt: e.status_updated_at });
  }
  for (const c of rows.connectors) {
    out
      .get(c.location_pk)
      ?.connectors.push({ standard: c.standard, powerType: c.power_type, maxPowerW: c.max_power_w });
  }
  for (const ref of rows.refs) {
    const kind = ref.kind as ExternalRef['kind'];
    out
      .get(ref.location_pk)
      ?.refs.push(
        ref.provider === null
          ? { kind, value: ref.value }
          : { kind, value: ref.value, provider: ref.provider },
      );
  }
  return [...out.values()];
}

function recordFromRow(r: LocationRow): LoadedRecord {
  return {
    pk: r.pk,
    sourceId: r.source_id,
    sourceType: r.source_type,
    recordId: r.ocpi_id,
    countryCode: r.country_code,
    partyId: r.party_id,
    lat: r.lat,
    lon: r.lon,
    name: r.name,
    address: r.address,
    city: r.city,
    postalCode: r.postal_code,
    country: r.country,
    operatorName: r.operator_name,
    operatorWebsite: r.operator_website,
    ownerName: r.owner_name,
    parkingType: r.parking_type,
    timeZone: r.time_zone,
    facilities: parseJson<string[]>(r.facilities) ?? [],
    openingTimes: parseJson(r.opening_times),
    maxPowerW: r.max_power_w,
    evses: [],
    connectors: [],
    refs: [],
    lastUpdated: r.last_updated,
    license: r.license,
    sourceRepublishable: r.source_open === 1,
    siteId: r.site_id,
    contentHash: r.content_hash,
  };
}

function parseJson<T = unknown>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/** OCM provider id -> source id, by majority over the references that resolve to a held location. */
async function learnedRefProviders(db: Db): Promise<Record<string, string>> {
  const rows = await refProviderCounts(db);
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.provider, (totals.get(r.provider) ?? 0) + r.n);
  const out: Record<string, string> = {};
  for (const r of rows) {
    if (r.n * 2 > totals.get(r.provider)!) out[r.provider] = r.source_id;
  }
  return out;
}
