// A synthetic atlas in a temp SQLite file, served over real HTTP, plus a brute-force model of what
// the API should answer, computed in plain JS from the raw tables (not through the API's SQL).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '@placemarkio/check-geojson';
import { createApp } from '../../src/api/app.js';
import type { HttpOptions } from '../../src/api/http/options.js';
import { licenseAllowsRepublishing } from '../../src/db/queries/publication.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db, Stmt } from '../../src/db/types.js';
import type { Bbox } from '../../src/model/geo.js';
import { closeServed, type ServedApp, serveApp } from '../helpers/serve.js';
import {
  locationStmts,
  removeStmts,
  seededRandom,
  siteStmts,
  sourceStmts,
  tariffStmts,
} from '../helpers/synthetic-atlas.js';

export interface Atlas {
  dir: string;
  file: string;
  db: Db;
  server: ServedApp;
  close(): Promise<void>;
}

export async function buildAtlas(opts: {
  locations: number;
  seed: number;
  http?: HttpOptions;
  /** Where the points fall (default: the synthetic generator's box). */
  box?: Bbox;
}): Promise<Atlas> {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-api-'));
  const file = join(dir, 'atlas.db');
  const db = openSqlite(file);
  await db.batch([...sourceStmts(), ...tariffStmts()]);
  const rnd = seededRandom(opts.seed);
  const pks: string[] = [];
  let chunk: Stmt[] = [];
  for (let i = 0; i < opts.locations; i++) {
    const { pk, stmts } = locationStmts(rnd, i, {
      seed: opts.seed,
      locations: opts.locations,
      antimeridianShare: 0.03,
      box: opts.box,
    });
    pks.push(pk);
    chunk.push(...stmts);
    if (chunk.length > 2_000) {
      await db.batch(chunk);
      chunk = [];
    }
  }
  await db.batch([...chunk, ...siteStmts(pks, rnd, 40), ...removeStmts(pks, 37)]);
  const app = createApp({ getDb: () => db, http: { rateLimit: false, ...opts.http } });
  const server = await serveApp(app);
  return {
    dir,
    file,
    db,
    server,
    close: () => closeServed({ server, db, dir }),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON answers, checked by the assertions that read them
export type Json = any;

type Row = Record<string, unknown> & { pk: string };

export interface Truth {
  locations: Row[];
  evses: Row[];
  connectors: Row[];
  tariffs: Row[];
  sources: Row[];
  sites: Row[];
}

export async function loadTruth(db: Db): Promise<Truth> {
  return {
    locations: await db.all<Row>('SELECT * FROM locations'),
    evses: await db.all<Row>('SELECT * FROM evses'),
    connectors: await db.all<Row>('SELECT * FROM connectors'),
    tariffs: await db.all<Row>('SELECT * FROM tariffs'),
    sources: await db.all<Row>('SELECT * FROM sources'),
    sites: (await db.all<Row>('SELECT *, id AS pk FROM sites')) as Row[],
  };
}

export interface ModelFilter {
  bbox?: Bbox;
  countries?: string[];
  operator?: string;
  connectors?: string[];
  minKw?: number;
  maxKw?: number;
  available?: boolean;
  free?: boolean;
  sources?: string[];
  licenses?: string[];
  updatedSince?: string;
}

const ALPHA2: Record<string, string> = { DE: 'DEU', FR: 'FRA', NL: 'NLD', BE: 'BEL' };

export function inBbox(p: { lat: number; lon: number }, b: Bbox): boolean {
  if (p.lat < b.minLat || p.lat > b.maxLat) return false;
  return b.minLon <= b.maxLon
    ? p.lon >= b.minLon && p.lon <= b.maxLon
    : p.lon >= b.minLon || p.lon <= b.maxLon;
}

/** The brute-force model: published locations, their sites, and which of them match a filter. */
export function model(t: Truth) {
  const license = new Map(t.sources.map((s) => [s.pk ?? s.id, s.license as string | null]));
  for (const s of t.sources) license.set(s.id as string, s.license as string | null);
  const published = t.locations.filter(
    (l) =>
      l.publish === 1 &&
      l.removed_at == null &&
      l.lifecycle !== 'removed' &&
      (l.license == null || licenseAllowsRepublishing(l.license as string)) &&
      licenseAllowsRepublishing(license.get(l.source_id as string) ?? null),
  );
  const liveEvses = t.evses.filter((e) => e.removed_at == null);
  const liveEvsePks = new Set(liveEvses.map((e) => e.pk));
  const evsesOf = new Map<string, Row[]>();
  for (const e of liveEvses)
    evsesOf.set(e.location_pk as string, [...(evsesOf.get(e.location_pk as string) ?? []), e]);
  const connOf = new Map<string, Row[]>();
  for (const c of t.connectors) {
    if (!liveEvsePks.has(c.evse_pk as string)) continue;
    connOf.set(c.location_pk as string, [...(connOf.get(c.location_pk as string) ?? []), c]);
  }
  const freeTariff = new Set(
    t.tariffs
      .filter((x) => x.is_free === 1 && x.removed_at == null)
      .map(
        (x) =>
          `${x.source_id}|${String(x.country_code).toUpperCase()}|${String(x.party_id).toUpperCase()}|${String(x.tariff_id).toUpperCase()}`,
      ),
  );
  // From each connector's own tariff_ids, not from the link table the atlas keeps for lookups.
  const hasFree = (l: Row) =>
    (connOf.get(l.pk as string) ?? []).some((c) =>
      (JSON.parse(c.tariff_ids as string) as string[]).some((id) =>
        freeTariff.has(
          `${l.source_id}|${String(l.country_code).toUpperCase()}|${String(l.party_id).toUpperCase()}|${id.toUpperCase()}`,
        ),
      ),
    );

  function matches(l: Row, f: ModelFilter): boolean {
    if (f.countries) {
      const a3 = f.countries.map((c) => (c.length === 2 ? ALPHA2[c.toUpperCase()] : c.toUpperCase()));
      const a2 = f.countries.map((c) =>
        c.length === 2 ? c.toUpperCase() : Object.keys(ALPHA2).find((k) => ALPHA2[k] === c.toUpperCase()),
      );
      const ok = l.country
        ? a3.includes(String(l.country).toUpperCase())
        : a2.includes(String(l.country_code).toUpperCase());
      if (!ok) return false;
    }
    if (f.operator != null && String(l.operator_name).toLowerCase() !== f.operator.toLowerCase())
      return false;
    if (f.connectors || f.minKw != null || f.maxKw != null) {
      const ok = (connOf.get(l.pk) ?? []).some((c) => {
        const w = c.max_power_w as number | null;
        if (
          f.connectors &&
          !f.connectors.map((x) => x.toUpperCase()).includes(String(c.standard).toUpperCase())
        )
          return false;
        if (f.minKw != null && (w == null || w < f.minKw * 1000)) return false;
        if (f.maxKw != null && (w == null || w > f.maxKw * 1000)) return false;
        return true;
      });
      if (!ok) return false;
    }
    if (f.available && !(evsesOf.get(l.pk) ?? []).some((e) => e.status === 'AVAILABLE')) return false;
    if (f.free != null && hasFree(l) !== f.free) return false;
    if (f.sources && !f.sources.includes(l.source_id as string)) return false;
    if (
      f.licenses &&
      !f.licenses
        .map((x) => x.toLowerCase())
        .includes(String(license.get(l.source_id as string)).toLowerCase())
    ) {
      return false;
    }
    if (f.updatedSince && String(l.last_updated) < f.updatedSince) return false;
    return true;
  }

  const siteRows = new Map(t.sites.filter((s) => s.merged_into == null).map((s) => [s.id as string, s]));
  const groups = new Map<string, Row[]>();
  for (const l of [...published].sort((a, b) => (a.pk < b.pk ? -1 : 1))) {
    // A site_id without a live sites row is no site (the API serves such a location on its own).
    const id = l.site_id != null && siteRows.has(l.site_id as string) ? (l.site_id as string) : l.pk;
    groups.set(id, [...(groups.get(id) ?? []), l]);
  }
  const sites = [...groups.entries()].map(([id, members]) => {
    const row = siteRows.get(id);
    const pos = row ?? members[0]!;
    return { id, lat: pos.lat as number, lon: pos.lon as number, members };
  });

  return {
    published,
    sites,
    evsesOf,
    connOf,
    /** Site ids matching the filter (position in bbox, one member matching everything else). */
    sitesMatching(f: ModelFilter): typeof sites {
      return sites.filter((s) => (!f.bbox || inBbox(s, f.bbox)) && s.members.some((l) => matches(l, f)));
    },
    locationsMatching(f: ModelFilter): Row[] {
      return published.filter((l) => (!f.bbox || inBbox(l as never, f.bbox)) && matches(l, f));
    },
  };
}

/** Fetches a GeoJSON answer, asserting RFC 7946 validity (check-geojson) and 7-decimal coordinates. */
export async function getGeoJson(url: string, init?: RequestInit): Promise<{ res: Response; body: Json }> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (res.status !== 200) return { res, body: text ? JSON.parse(text) : null };
  check(text);
  const body = JSON.parse(text);
  const features = body.type === 'FeatureCollection' ? body.features : [body];
  for (const f of features) {
    for (const v of f.geometry.coordinates as number[]) {
      const decimals = (String(v).split('.')[1] ?? '').length;
      if (decimals > 7) throw new Error(`coordinate ${v} has more than 7 decimals`);
    }
  }
  return { res, body };
}

/** Follows `next` links from a first URL; returns every feature in order and the pages' sizes. */
export async function pageThrough(url: string): Promise<{ features: Json[]; pages: number }> {
  const features: Json[] = [];
  let next: string | null = url;
  let pages = 0;
  while (next) {
    const { res, body } = await getGeoJson(next);
    if (res.status !== 200) throw new Error(`${next}: ${res.status} ${JSON.stringify(body)}`);
    features.push(...body.features);
    next = body.next;
    pages++;
    if (pages > 1_000) throw new Error('paging does not end');
  }
  return { features, pages };
}
