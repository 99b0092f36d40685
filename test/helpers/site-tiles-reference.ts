// The `sites` layer's table (site_tiles) built from scratch in plain JS, independent of
// src/db/site-tiles.ts: every published site (a site_features row) with the layer's fields, the
// counted statuses of the live EVSEs of its published locations grouped by class and time, and the
// zoom-13 Web Mercator tile its key must fall in (the standard slippy-map formula).

import { PUBLISHED } from '../../src/db/queries/publication.js';
import { siteKeySql } from '../../src/db/queries/sites.js';
import type { Db } from '../../src/db/types.js';

export interface SiteTileRow {
  id: string;
  cell: number;
  lat: number;
  lon: number;
  evse_count: number;
  free: number;
  name: string | null;
  operator: string | null;
  max_power_kw: number | null;
  connectors: string | null;
  statuses: string;
}

const CLASSES = [['AVAILABLE'], ['CHARGING', 'BLOCKED', 'RESERVED'], ['OUTOFORDER', 'INOPERATIVE']];

function cellOf(lat: number, lon: number): number {
  const n = 2 ** 13;
  const r = (lat * Math.PI) / 180;
  const my = (1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2;
  const clamp = (v: number) => Math.max(0, Math.min(n - 1, Math.floor(v)));
  return clamp(my * n) * n + clamp(((lon + 180) / 360) * n);
}

/** [[class, time, count], ...] sorted by class, then time, as JSON. */
function statusesOf(evses: { status: string; at: string | null }[]): string {
  const counts = new Map<string, number>();
  for (const e of evses) {
    const c = CLASSES.findIndex((statuses) => statuses.includes(e.status));
    if (c < 0 || e.at == null) continue;
    const key = JSON.stringify([c, e.at]);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const entries = [...counts].map(([k, n]) => [...(JSON.parse(k) as [number, string]), n] as const);
  entries.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return JSON.stringify(entries);
}

/** The table as it should be, in id order. */
export async function siteTilesFromScratch(db: Db): Promise<SiteTileRow[]> {
  const sites = await db.all<{
    id: string;
    lat: number;
    lon: number;
    evse_count: number;
    free: number;
    feature: string;
  }>('SELECT id, lat, lon, evse_count, free, feature FROM site_features ORDER BY id');
  const evses = await db.all<{ site: string; status: string; at: string | null }>(
    `SELECT ${siteKeySql('l')} AS site, e.status, e.status_updated_at AS at FROM locations l
     JOIN evses e ON e.location_pk = l.pk AND e.removed_at IS NULL WHERE ${PUBLISHED}`,
  );
  const bySite = new Map<string, { status: string; at: string | null }[]>();
  for (const e of evses) bySite.set(e.site, [...(bySite.get(e.site) ?? []), e]);
  return sites.map((s) => {
    const p = (JSON.parse(s.feature) as { properties: Record<string, unknown> }).properties;
    return {
      id: s.id,
      cell: cellOf(s.lat, s.lon),
      lat: s.lat,
      lon: s.lon,
      evse_count: s.evse_count,
      free: s.free,
      name: (p.name as string | null) ?? null,
      operator: (p.operator as string | null) ?? null,
      max_power_kw: (p.max_power_kw as number | null) ?? null,
      connectors: JSON.stringify(p.connectors),
      statuses: statusesOf(bySite.get(s.id) ?? []),
    };
  });
}

/** The stored table, its key turned into the cell it encodes, in id order. */
export async function storedSiteTiles(db: Db): Promise<SiteTileRow[]> {
  return db.all<SiteTileRow>(
    `SELECT id, key >> 26 AS cell, lat, lon, evse_count, free, name, operator, max_power_kw, connectors, statuses
     FROM site_tiles ORDER BY id`,
  );
}
