// The part of the atlas an incremental dedupe run reconsiders: the changed records, every live
// record within the search radius of them, everything linked to those (same site, same EVSE id, a
// stated reference), and one more ring around that so the reconsidered records see all their
// candidates. Only clusters that contain a record of the inner part are written.
import {
  linkedLivePlaces,
  livePlacesInBox,
  livePlacesInSites,
  type PlaceRow,
  placesOf,
} from '../db/queries/dedupe-reads.js';
import { cellRanges } from '../db/spatial-key.js';
import type { Db } from '../db/types.js';
import { lonDegreesPerMetre, METRES_PER_DEGREE_LAT } from '../model/geo.js';

export interface Region {
  /** Records whose clusters are written. */
  inner: Set<string>;
  /** Everything read (inner plus a ring around it). */
  all: Set<string>;
  /** Site ids the inner records (and the changed ones, gone or not) had. */
  previousSites: Set<string>;
  /** Changed records that are no longer live but still have a site. */
  goneWithSite: string[];
}

/** Rounds of link-following before the region stops growing (chains longer than this are not real sites). */
const LINK_ROUNDS = 6;

export async function incrementalRegion(db: Db, changed: string[], radiusM: number): Promise<Region> {
  const seeds = await placesOf(db, changed);
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
  for (let round = 0; round < LINK_ROUNDS; round++) {
    const before = set.size;
    await addSiteMembers(db, set);
    for (const row of await linkedLivePlaces(db, [...set.keys()])) set.set(row.pk, row);
    if (set.size === before) return;
  }
}

async function addSiteMembers(
  db: Db,
  set: Map<string, PlaceRow>,
  alsoSites: Iterable<string> = [],
): Promise<void> {
  const siteIds = new Set([...set.values()].flatMap((r) => (r.site_id ? [r.site_id] : [])));
  for (const id of alsoSites) siteIds.add(id);
  for (const row of await livePlacesInSites(db, [...siteIds])) set.set(row.pk, row);
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
    out.push(...(await livePlacesInBox(db, cellRanges(box, 24), box)));
  }
  return out;
}
