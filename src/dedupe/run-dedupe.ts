// Dedupe against the database: reads live locations (with EVSE ids, connectors and stated links),
// groups them into sites with the pure pipeline, keeps site ids stable across runs, and writes
// `sites`, `site_events` and `locations.site_id` in one atomic batch.
//
// Full run: every live published location. Incremental run (`changedNear`): only the sites near
// the changed records are reconsidered: the changed records, every live record within the search
// radius of them, everything linked to those (same site, same EVSE id, a stated reference), and
// one more ring around that so the reconsidered records see all their candidates. Only clusters
// that contain a record of the inner part are written.

import { bumpDataVersionStmt } from '../db/queries/data-version.js';
import { cellOf, cellRanges } from '../db/spatial-key.js';
import type { Db, Stmt } from '../db/types.js';
import { refreshSiteFeaturesStmts } from '../db/write-site-features.js';
import { lonDegreesPerMetre, METRES_PER_DEGREE_LAT } from '../model/geo.js';
import { iso } from '../model/iso-time.js';
import type { ExternalRef } from '../model/types.js';
import { buildSiteDocument, type SiteDocument } from './build-site.js';
import { DEFAULT_RADIUS_M, dedupeRecords } from './dedupe-records.js';
import { anchorOf, assignSiteIds, freshSiteId } from './site-ids.js';
import type { DedupeOptions, DedupeStats, SourceRecord } from './types.js';

export interface DedupeSitesOptions extends DedupeOptions {
  /** Location pks changed by a sync (new, updated or removed); without it, every site is reconsidered. */
  changedNear?: string[];
  /** When this run happens (ISO); defaults to now. */
  now?: string;
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

/** Above this many changed records an incremental run reads everything anyway. */
const INCREMENTAL_LIMIT = 5000;
/** JSON lists bound as one parameter: ids per list. */
const ID_CHUNK = 2000;
/** Rows per statement in the JSON-driven bulk writes (keeps each bound document well under 1 MB). */
const WRITE_CHUNK = 200;

export async function dedupeSites(db: Db, options: DedupeSitesOptions = {}): Promise<DedupeSitesResult> {
  const now = options.now ?? iso(new Date());
  const incremental = options.changedNear !== undefined && options.changedNear.length <= INCREMENTAL_LIMIT;
  if (options.changedNear !== undefined && options.changedNear.length === 0) {
    return {
      mode: 'incremental',
      records: 0,
      sitesWritten: 0,
      sitesConsidered: 0,
      merges: 0,
      splits: 0,
      removed: 0,
      stats: emptyStats(),
    };
  }
  const refProviders = { ...(await learnedRefProviders(db)), ...options.refProviders };
  let records: LoadedRecord[];
  let inner: Set<string> | null = null;
  let previousInScope: Set<string>;
  let goneWithSite: string[] = [];
  const stmts: Stmt[] = [];
  if (incremental) {
    const region = await incrementalRegion(db, options.changedNear!, options.radiusM ?? DEFAULT_RADIUS_M);
    records = await loadRecords(db, [...region.all]);
    inner = region.inner;
    previousInScope = region.previousSites;
    goneWithSite = region.goneWithSite;
    // Changed records that are gone (removed, unpublished) leave their sites.
    stmts.push(
      ...chunks(region.goneWithSite, ID_CHUNK).map((pks) => ({
        sql: 'UPDATE locations SET site_id = NULL WHERE pk IN (SELECT value FROM json_each(?))',
        params: [JSON.stringify(pks)],
      })),
    );
  } else {
    records = await loadRecords(db, null);
    previousInScope = new Set(
      (
        await db.all<{ id: string }>(
          "SELECT id FROM sites WHERE merged_into IS NULL AND json_extract(fields, '$.removed_at') IS NULL",
        )
      ).map((r) => r.id),
    );
    stmts.push({
      sql: "UPDATE locations SET site_id = NULL WHERE site_id IS NOT NULL AND (removed_at IS NOT NULL OR publish = 0 OR lifecycle = 'removed')",
      params: [],
    });
  }

  const result = dedupeRecords(records, { ...options, refProviders });
  const byPk = new Map(records.map((r) => [r.pk, r]));
  const clusters = result.clusters
    .map((c) => c.members)
    .filter((members) => inner === null || members.some((pk) => inner!.has(pk)));
  const anchors = clusters.map((members) => anchorOf(members, result.roles));
  const previous = new Map(records.map((r) => [r.pk, r.siteId ?? null]));
  const known = await knownSiteIds(db, anchors);
  const plan = assignSiteIds({
    clusters,
    anchors,
    previous,
    previousInScope,
    isFree: (id) => known.get(id) !== 'taken',
  });

  const docs = clusters.map((members) =>
    withHashes(
      buildSiteDocument(
        members.map((pk) => byPk.get(pk)!),
        result.roles,
      ),
      byPk,
    ),
  );
  const stored = await storedSites(db, plan.ids);
  const siteRows: unknown[][] = [];
  clusters.forEach((_, k) => {
    const id = plan.ids[k]!;
    const doc = docs[k]!;
    const text = JSON.stringify(doc);
    const [lon, lat] = doc.coordinates.value;
    const held = stored.get(id);
    if (held && held.fields === text && held.lat === lat && held.lon === lon && held.merged_into === null)
      return;
    siteRows.push([id, lat, lon, cellOf(lat, lon), text]);
  });
  const assignments: [string, string][] = [];
  clusters.forEach((members, k) => {
    for (const pk of members) if (previous.get(pk) !== plan.ids[k]) assignments.push([pk, plan.ids[k]!]);
  });

  stmts.push(...siteUpserts(siteRows, now));
  stmts.push(...siteAssignments(assignments));
  for (const [from, to] of plan.mergedInto) {
    stmts.push({
      sql: 'UPDATE sites SET merged_into = ?, updated_at = ? WHERE id = ?',
      params: [to, now, from],
    });
    // One hop is enough for a reader: whoever pointed at the merged id now points at its successor.
    stmts.push({ sql: 'UPDATE sites SET merged_into = ? WHERE merged_into = ?', params: [to, from] });
  }
  for (const id of plan.vanished) {
    stmts.push({
      sql: "UPDATE sites SET fields = json_set(fields, '$.removed_at', ?), updated_at = ? WHERE id = ? AND merged_into IS NULL",
      params: [now, now, id],
    });
  }
  for (const e of plan.events) {
    stmts.push({
      sql: 'INSERT INTO site_events (kind, from_ids, to_ids, at) VALUES (?, ?, ?, ?)',
      params: [e.kind, JSON.stringify(e.from), JSON.stringify(e.to), now],
    });
  }
  // The read model of every site whose members, fields or liveness changed, and of the records
  // that joined or left one (in the same batch, after the writes above).
  const touched = new Set<string>([...(incremental ? previousInScope : [])]);
  for (const [pk] of assignments) {
    const before = previous.get(pk);
    if (before) touched.add(before);
  }
  for (const row of siteRows) touched.add(row[0] as string);
  for (const [from, to] of plan.mergedInto) touched.add(from).add(to);
  for (const id of plan.vanished) touched.add(id);
  if (stmts.length > 0) {
    stmts.push(
      ...refreshSiteFeaturesStmts({
        locationPks: [...assignments.map(([pk]) => pk), ...goneWithSite],
        siteIds: [...touched],
      }),
    );
  }
  // Sites changed outside a sync run: bump the data version so ETags and cached answers move on.
  if (stmts.length > 0) stmts.push(bumpDataVersionStmt(now));
  await db.batch(stmts);
  return {
    mode: incremental ? 'incremental' : 'full',
    records: records.length,
    sitesWritten: siteRows.length,
    sitesConsidered: clusters.length,
    merges: plan.events.filter((e) => e.kind === 'merge').length,
    splits: plan.events.filter((e) => e.kind === 'split').length,
    removed: plan.vanished.length,
    stats: result.stats,
  };
}

/**
 * Live locations whose dedupe input changed since they were last grouped: new ones (no site yet),
 * gone ones still in a site, and those whose content hash differs from the one their site recorded.
 * Meant for the call after a sync: `dedupeSites(db, { changedNear: await changedLocationPks(db) })`.
 */
export async function changedLocationPks(db: Db): Promise<string[]> {
  const rows = await db.all<{ pk: string }>(
    `SELECT l.pk FROM locations l LEFT JOIN sites s ON s.id = l.site_id
     WHERE (${LIVE} AND (
              l.site_id IS NULL OR s.id IS NULL OR NOT EXISTS (
                SELECT 1 FROM json_each(s.fields, '$.members') m
                WHERE json_extract(m.value, '$.pk') = l.pk AND json_extract(m.value, '$.content_hash') = l.content_hash)))
        OR (NOT (${LIVE}) AND l.site_id IS NOT NULL)`,
  );
  return rows.map((r) => r.pk);
}

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

interface LocationRow {
  pk: string;
  source_id: string;
  source_type: string;
  country_code: string;
  party_id: string;
  ocpi_id: string;
  name: string | null;
  address: string | null;
  city: string | null;
  postal_code: string | null;
  country: string | null;
  lat: number;
  lon: number;
  operator_name: string | null;
  operator_website: string | null;
  owner_name: string | null;
  parking_type: string | null;
  time_zone: string | null;
  facilities: string;
  opening_times: string | null;
  max_power_w: number | null;
  last_updated: string;
  site_id: string | null;
  content_hash: string;
  license: string | null;
}

/**
 * Records that take part: held, not unpublished by their CPO, not decommissioned (a removed site
 * must not lend its place to a live one). A record whose licence forbids republishing does take
 * part (it is evidence of place), but lends no field to its site (build-site.ts).
 */
const LIVE = "l.removed_at IS NULL AND l.publish = 1 AND l.lifecycle <> 'removed'";

/** Live published locations (all, or the given pks) with their EVSEs, connectors and references. */
async function loadRecords(db: Db, pks: string[] | null): Promise<LoadedRecord[]> {
  const rows: LocationRow[] = [];
  const evses: {
    location_pk: string;
    evse_id_norm: string | null;
    status: string;
    status_updated_at: string | null;
  }[] = [];
  const connectors: {
    location_pk: string;
    standard: string;
    power_type: string | null;
    max_power_w: number | null;
  }[] = [];
  const refs: { location_pk: string; kind: string; value: string; provider: string | null }[] = [];
  const select = `SELECT l.pk, l.source_id, COALESCE(s.type, 'ocpi') AS source_type, l.country_code, l.party_id, l.ocpi_id,
    l.name, l.address, l.city, l.postal_code, l.country, l.lat, l.lon, l.operator_name, l.operator_website, l.owner_name,
    l.parking_type, l.time_zone, l.facilities, l.opening_times, l.max_power_w, l.last_updated, l.site_id, l.content_hash,
    l.license FROM locations l LEFT JOIN sources s ON s.id = l.source_id WHERE ${LIVE}`;
  const evseSql =
    'SELECT location_pk, evse_id_norm, status, status_updated_at FROM evses WHERE removed_at IS NULL';
  const connectorSql = 'SELECT location_pk, standard, power_type, max_power_w FROM connectors';
  const refSql = 'SELECT location_pk, kind, value, provider FROM location_refs';
  if (pks === null) {
    rows.push(...(await db.all<LocationRow>(select)));
    evses.push(...(await db.all<(typeof evses)[number]>(evseSql)));
    connectors.push(...(await db.all<(typeof connectors)[number]>(connectorSql)));
    refs.push(...(await db.all<(typeof refs)[number]>(refSql)));
  } else {
    for (const chunk of chunks(pks, ID_CHUNK)) {
      const list = JSON.stringify(chunk);
      rows.push(
        ...(await db.all<LocationRow>(`${select} AND l.pk IN (SELECT value FROM json_each(?))`, [list])),
      );
      const where = 'location_pk IN (SELECT value FROM json_each(?))';
      evses.push(...(await db.all<(typeof evses)[number]>(`${evseSql} AND ${where}`, [list])));
      connectors.push(
        ...(await db.all<(typeof connectors)[number]>(`${connectorSql} WHERE ${where}`, [list])),
      );
      refs.push(...(await db.all<(typeof refs)[number]>(`${refSql} WHERE ${where}`, [list])));
    }
  }
  const out = new Map<string, LoadedRecord>();
  for (const r of rows) out.set(r.pk, recordFromRow(r));
  for (const e of evses) {
    out
      .get(e.location_pk)
      ?.evses.push({ evseIdNorm: e.evse_id_norm, status: e.status, statusUpdatedAt: e.status_updated_at });
  }
  for (const c of connectors) {
    out
      .get(c.location_pk)
      ?.connectors.push({ standard: c.standard, powerType: c.power_type, maxPowerW: c.max_power_w });
  }
  for (const ref of refs) {
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

interface Region {
  /** Records whose clusters are written. */
  inner: Set<string>;
  /** Everything read (inner plus a ring around it). */
  all: Set<string>;
  /** Site ids the inner records (and the changed ones, gone or not) had. */
  previousSites: Set<string>;
  /** Changed records that are no longer live but still have a site. */
  goneWithSite: string[];
}

interface PlaceRow {
  pk: string;
  lat: number;
  lon: number;
  site_id: string | null;
  live: number;
}

async function incrementalRegion(db: Db, changed: string[], radiusM: number): Promise<Region> {
  const seeds: PlaceRow[] = [];
  for (const chunk of chunks(changed, ID_CHUNK)) {
    seeds.push(
      ...(await db.all<PlaceRow>(
        `SELECT l.pk, l.lat, l.lon, l.site_id, (${LIVE}) AS live FROM locations l WHERE l.pk IN (SELECT value FROM json_each(?))`,
        [JSON.stringify(chunk)],
      )),
    );
  }
  const previousSites = new Set(seeds.flatMap((s) => (s.site_id ? [s.site_id] : [])));
  const goneWithSite = seeds.filter((s) => !s.live && s.site_id).map((s) => s.pk);
  const inner = new Map<string, PlaceRow>();
  for (const row of await liveNear(db, seeds, radiusM)) inner.set(row.pk, row);
  for (const s of seeds) if (s.live) inner.set(s.pk, s);
  // The sites the changed records were in, including those of records that are gone.
  await addSiteMembers(db, inner, previousSites);
  await closeOverLinks(db, inner);
  for (const r of inner.values()) if (r.site_id) previousSites.add(r.site_id);
  const all = new Map(inner);
  for (const row of await liveNear(db, [...inner.values()], radiusM)) all.set(row.pk, row);
  await addSiteMembers(db, all);
  return { inner: new Set(inner.keys()), all: new Set(all.keys()), previousSites, goneWithSite };
}

/** Adds, until nothing new turns up, the records sharing a site, an EVSE id or a stated reference. */
async function closeOverLinks(db: Db, set: Map<string, PlaceRow>): Promise<void> {
  for (let round = 0; round < 6; round++) {
    const before = set.size;
    await addSiteMembers(db, set);
    const pks = [...set.keys()];
    for (const chunk of chunks(pks, ID_CHUNK)) {
      const list = JSON.stringify(chunk);
      const linked = await db.all<PlaceRow>(
        `SELECT l.pk, l.lat, l.lon, l.site_id, 1 AS live FROM locations l WHERE ${LIVE} AND l.pk IN (
           SELECT e2.location_pk FROM evses e1 JOIN evses e2 ON e2.evse_id_norm = e1.evse_id_norm
           WHERE e1.location_pk IN (SELECT value FROM json_each(?)) AND e1.evse_id_norm IS NOT NULL
             AND e1.removed_at IS NULL AND e2.removed_at IS NULL
           UNION SELECT r.location_pk FROM locations t JOIN location_refs r
             ON r.kind IN ('ocpi-location', 'register-id') AND r.value = t.ocpi_id
           WHERE t.pk IN (SELECT value FROM json_each(?))
           UNION SELECT t.pk FROM location_refs r JOIN locations t ON t.ocpi_id = r.value
           WHERE r.location_pk IN (SELECT value FROM json_each(?)) AND r.kind IN ('ocpi-location', 'register-id'))`,
        [list, list, list],
      );
      for (const row of linked) set.set(row.pk, row);
    }
    if (set.size === before) return;
  }
}

async function addSiteMembers(
  db: Db,
  set: Map<string, PlaceRow>,
  alsoSites: Iterable<string> = [],
): Promise<void> {
  const siteIds = [
    ...new Set([...set.values()].flatMap((r) => (r.site_id ? [r.site_id] : [])).concat([...alsoSites])),
  ];
  for (const chunk of chunks(siteIds, ID_CHUNK)) {
    const rows = await db.all<PlaceRow>(
      `SELECT l.pk, l.lat, l.lon, l.site_id, 1 AS live FROM locations l WHERE ${LIVE} AND l.site_id IN (SELECT value FROM json_each(?))`,
      [JSON.stringify(chunk)],
    );
    for (const row of rows) set.set(row.pk, row);
  }
}

/** Live records within `radiusM` of any of the points: one indexed box query per ~2 km tile of points. */
async function liveNear(
  db: Db,
  points: readonly { lat: number; lon: number }[],
  radiusM: number,
): Promise<PlaceRow[]> {
  const tiles = new Map<string, { minLat: number; maxLat: number; minLon: number; maxLon: number }>();
  for (const p of points) {
    const key = `${Math.floor(p.lat / 0.02)}:${Math.floor(p.lon / 0.02)}`;
    const t = tiles.get(key);
    if (t) {
      t.minLat = Math.min(t.minLat, p.lat);
      t.maxLat = Math.max(t.maxLat, p.lat);
      t.minLon = Math.min(t.minLon, p.lon);
      t.maxLon = Math.max(t.maxLon, p.lon);
    } else tiles.set(key, { minLat: p.lat, maxLat: p.lat, minLon: p.lon, maxLon: p.lon });
  }
  const out: PlaceRow[] = [];
  const dLat = radiusM / METRES_PER_DEGREE_LAT;
  for (const t of tiles.values()) {
    const dLon = radiusM * lonDegreesPerMetre(Math.max(Math.abs(t.minLat), Math.abs(t.maxLat)) + dLat);
    const box = {
      minLat: t.minLat - dLat,
      maxLat: t.maxLat + dLat,
      minLon: t.minLon - dLon,
      maxLon: t.maxLon + dLon,
    };
    const ranges = cellRanges(box, 24);
    const cells = ranges.map(() => 'l.cell BETWEEN ? AND ?').join(' OR ');
    out.push(
      ...(await db.all<PlaceRow>(
        `SELECT l.pk, l.lat, l.lon, l.site_id, 1 AS live FROM locations l
         WHERE (${cells}) AND l.lat BETWEEN ? AND ? AND l.lon BETWEEN ? AND ? AND ${LIVE}`,
        [...ranges.flat(), box.minLat, box.maxLat, box.minLon, box.maxLon],
      )),
    );
  }
  return out;
}

/** OCM provider id -> source id, by majority over the references that resolve to a held location. */
async function learnedRefProviders(db: Db): Promise<Record<string, string>> {
  const rows = await db.all<{ provider: string; source_id: string; n: number }>(
    `SELECT r.provider, t.source_id, COUNT(*) AS n FROM location_refs r
     JOIN locations t ON t.ocpi_id = r.value AND t.removed_at IS NULL AND t.source_id <> (
       SELECT source_id FROM locations WHERE pk = r.location_pk)
     WHERE r.kind IN ('ocpi-location', 'register-id') AND r.provider IS NOT NULL
     GROUP BY r.provider, t.source_id`,
  );
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.provider, (totals.get(r.provider) ?? 0) + r.n);
  const out: Record<string, string> = {};
  for (const r of rows) {
    if (r.n * 2 > totals.get(r.provider)!) out[r.provider] = r.source_id;
  }
  return out;
}

/**
 * What the sites table says about the ids new sites would get (salts 0-2 of each anchor): 'taken'
 * by a live or merged site, or 'removed' (a site whose members all went away: its id may be reused).
 */
async function knownSiteIds(db: Db, anchors: readonly string[]): Promise<Map<string, 'taken' | 'removed'>> {
  const candidates = anchors.flatMap((a) => [freshSiteId(a, 0), freshSiteId(a, 1), freshSiteId(a, 2)]);
  const out = new Map<string, 'taken' | 'removed'>();
  for (const chunk of chunks(candidates, ID_CHUNK)) {
    const rows = await db.all<{ id: string; removed: number }>(
      `SELECT id, (merged_into IS NULL AND json_extract(fields, '$.removed_at') IS NOT NULL) AS removed
       FROM sites WHERE id IN (SELECT value FROM json_each(?))`,
      [JSON.stringify(chunk)],
    );
    for (const r of rows) out.set(r.id, r.removed ? 'removed' : 'taken');
  }
  return out;
}

async function storedSites(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, { fields: string; lat: number; lon: number; merged_into: string | null }>> {
  const out = new Map<string, { fields: string; lat: number; lon: number; merged_into: string | null }>();
  for (const chunk of chunks(ids, ID_CHUNK)) {
    const rows = await db.all<{
      id: string;
      fields: string;
      lat: number;
      lon: number;
      merged_into: string | null;
    }>('SELECT id, fields, lat, lon, merged_into FROM sites WHERE id IN (SELECT value FROM json_each(?))', [
      JSON.stringify(chunk),
    ]);
    for (const r of rows) out.set(r.id, r);
  }
  return out;
}

/** Sites as JSON rows [id, lat, lon, cell, fields]: one statement per chunk, two bound parameters. */
function siteUpserts(rows: unknown[][], now: string): Stmt[] {
  return chunks(rows, WRITE_CHUNK).map((chunk) => ({
    sql: `INSERT INTO sites (id, lat, lon, cell, fields, merged_into, updated_at)
      SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
        json_extract(value, '$[3]'), json_extract(value, '$[4]'), NULL, ?
      FROM json_each(?) WHERE true
      ON CONFLICT(id) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, cell = excluded.cell,
        fields = excluded.fields, merged_into = NULL, updated_at = excluded.updated_at`,
    params: [now, JSON.stringify(chunk)],
  }));
}

function siteAssignments(pairs: [string, string][]): Stmt[] {
  return chunks(pairs, ID_CHUNK).map((chunk) => ({
    sql: `UPDATE locations SET site_id = j.site
      FROM (SELECT json_extract(value, '$[0]') AS pk, json_extract(value, '$[1]') AS site FROM json_each(?)) AS j
      WHERE locations.pk = j.pk`,
    params: [JSON.stringify(chunk)],
  }));
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function emptyStats(): DedupeStats {
  return { records: 0, candidatePairs: 0, acceptedPairs: 0, explicitLinks: 0, rejectedByGuard: 0, sites: 0 };
}
