// A seeded synthetic atlas: sources with and without a republishable licence, locations with EVSEs,
// connectors and tariffs, unpublished and removed records, and a few dedupe sites. Written through
// the production statements (writeLocationStmts, writeTariffStmts), so the API reads what a sync
// would have written. Used by the API tests and by scripts/bench/api.ts (1M EVSEs).
import { cellOf } from '../../src/db/spatial-key.js';
import type { Stmt } from '../../src/db/types.js';
import { locationPkOf, writeLocationStmts } from '../../src/db/write-location.js';
import { refreshSiteFeaturesStmts } from '../../src/db/write-site-features.js';
import { writeTariffStmts } from '../../src/db/write-tariff.js';
import { hash64 } from '../../src/model/ids.js';
import type { Connector, Evse, Location, Tariff } from '../../src/model/types.js';

/** mulberry32: small, fast, good enough for test data, and the same sequence everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticSource {
  id: string;
  name: string;
  license: string | null;
  attribution: string | null;
}

export const SYNTHETIC_SOURCES: SyntheticSource[] = [
  { id: 'open-a', name: 'Open A', license: 'CC-BY-4.0', attribution: 'Open A contributors' },
  { id: 'open-b', name: 'Open B', license: 'ODbL-1.0', attribution: '© Open B (ODbL)' },
  { id: 'closed', name: 'Closed', license: null, attribution: null },
  { id: 'denied', name: 'Denied', license: 'proprietary', attribution: 'Denied Inc.' },
];

export const COUNTRIES = [
  { countryCode: 'DE', country: 'DEU' },
  { countryCode: 'FR', country: 'FRA' },
  { countryCode: 'NL', country: 'NLD' },
  { countryCode: 'BE', country: 'BEL' },
];
export const OPERATORS = ['Ionity', 'Allego', 'Fastned', 'EnBW', 'Shell Recharge', 'Stadtwerke Nord'];
export const STANDARDS = [
  'IEC_62196_T2',
  'IEC_62196_T2_COMBO',
  'CHADEMO',
  'DOMESTIC_F',
  'IEC_60309_2_single_16',
];
export const POWERS: (number | null)[] = [3_700, 11_000, 22_000, 50_000, 150_000, 350_000, null];
export const STATUSES = ['AVAILABLE', 'CHARGING', 'OUTOFORDER', 'UNKNOWN', 'AVAILABLE', 'REMOVED'];
export const TARIFF_IDS = ['T-FREE', 'T-STD', 'T-DC'];

export interface SyntheticOptions {
  seed: number;
  locations: number;
  /** Region the points fall in; a few points are also placed across the antimeridian. */
  box?: { minLon: number; minLat: number; maxLon: number; maxLat: number };
  /** EVSEs per location: 1..maxEvses. */
  maxEvses?: number;
  /** Share of locations at the antimeridian (lon ±179.x), for boxes that cross it. */
  antimeridianShare?: number;
}

const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;

function isoDay(rnd: () => number): string {
  const ms = Date.UTC(2024, 0, 1) + Math.floor(rnd() * 365 * 86_400) * 1000;
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function makeConnector(rnd: () => number, id: string): Connector {
  const power = pick(rnd, POWERS);
  const tariffs = rnd() < 0.15 ? [] : [pick(rnd, TARIFF_IDS)];
  return {
    id,
    standard: pick(rnd, STANDARDS),
    format: rnd() < 0.5 ? 'SOCKET' : 'CABLE',
    powerType: power != null && power >= 50_000 ? 'DC' : 'AC_3_PHASE',
    maxVoltage: 400,
    maxAmperage: 32,
    maxPowerW: power,
    tariffIds: tariffs,
    termsAndConditions: null,
    lastUpdated: null,
  };
}

function makeEvse(rnd: () => number, uid: string, status: string): Evse {
  const n = 1 + Math.floor(rnd() * 2);
  return {
    uid,
    evseId: `DE*SYN*E${uid}`,
    status,
    capabilities: ['RFID_READER'],
    floorLevel: null,
    physicalReference: null,
    coordinates: null,
    parkingRestrictions: [],
    connectors: Array.from({ length: n }, (_, i) => makeConnector(rnd, String(i + 1))),
    lastUpdated: null,
  };
}

/** The i-th location of a data set (deterministic for a given random sequence). */
export function makeLocation(rnd: () => number, i: number, opts: SyntheticOptions): Location {
  const box = opts.box ?? { minLon: 2, minLat: 47, maxLon: 12, maxLat: 54 };
  const am = rnd() < (opts.antimeridianShare ?? 0.01);
  const lon = am
    ? rnd() < 0.5
      ? 179 + rnd()
      : -180 + rnd()
    : box.minLon + rnd() * (box.maxLon - box.minLon);
  const lat = am ? -20 + rnd() * 10 : box.minLat + rnd() * (box.maxLat - box.minLat);
  const c = pick(rnd, COUNTRIES);
  const nEvses = 1 + Math.floor(rnd() * (opts.maxEvses ?? 4));
  const lastUpdated = isoDay(rnd);
  return {
    countryCode: c.countryCode,
    partyId: 'SYN',
    id: `LOC-${i}`,
    publish: rnd() >= 0.05,
    name: `Charging ${i}`,
    address: `Street ${i % 997}`,
    city: `City ${i % 50}`,
    postalCode: String(10_000 + (i % 80_000)),
    state: null,
    country: rnd() < 0.05 ? null : c.country,
    // 9 decimals on purpose: the API must round to 7 (RFC 7946 §11.2).
    lat: Math.round(lat * 1e9) / 1e9,
    lon: Math.round(lon * 1e9) / 1e9,
    parkingType: 'ON_STREET',
    timeZone: 'Europe/Berlin',
    operator: { name: pick(rnd, OPERATORS), website: null },
    suboperator: null,
    owner: null,
    facilities: ['PARKING_LOT'],
    openingTimes: {
      twentyfourseven: true,
      regularHours: [],
      exceptionalOpenings: [],
      exceptionalClosings: [],
    },
    chargingWhenClosed: null,
    evses: Array.from({ length: nEvses }, (_, e) =>
      makeEvse(
        rnd,
        `${i}-${e}`,
        pick(rnd, STATUSES) === 'REMOVED' && rnd() < 0.5 ? 'REMOVED' : pick(rnd, STATUSES.slice(0, 5)),
      ),
    ),
    lastUpdated,
    warnings: [],
  };
}

export function makeTariff(countryCode: string, id: string): Tariff {
  const free = id === 'T-FREE';
  const dc = id === 'T-DC';
  return {
    countryCode,
    partyId: 'SYN',
    id,
    currency: 'EUR',
    type: null,
    elements: free
      ? [{ priceComponents: [{ type: 'FLAT', price: 0, vat: null, stepSize: 0 }], restrictions: null }]
      : [
          {
            priceComponents: [{ type: 'ENERGY', price: dc ? 0.59 : 0.39, vat: 19, stepSize: 1 }],
            restrictions: null,
          },
          {
            priceComponents: [{ type: 'TIME', price: 0.1, vat: 19, stepSize: 60 }],
            restrictions: { min_duration: 10_800 },
          },
        ],
    altText: [],
    altUrl: null,
    minPrice: null,
    maxPrice: null,
    startDateTime: null,
    endDateTime: null,
    taxIncluded: null,
    lastUpdated: '2024-01-01T00:00:00Z',
    warnings: [],
  };
}

const SUMMARIES: Record<string, string> = {
  'T-FREE': 'free',
  'T-STD': '0.39 EUR/kWh, 0.10 EUR/min after 3 h',
  'T-DC': '0.59 EUR/kWh, 0.10 EUR/min after 3 h',
};

const NOW = '2025-01-01T00:00:00Z';

export function sourceStmts(sources: SyntheticSource[] = SYNTHETIC_SOURCES): Stmt[] {
  return sources.map((s) => ({
    sql: `INSERT OR REPLACE INTO sources (id, name, type, license, attribution, enabled, updated_at)
      VALUES (?, ?, 'ocpi', ?, ?, 1, ?)`,
    params: [s.id, s.name, s.license, s.attribution, NOW],
  }));
}

export function tariffStmts(sources: SyntheticSource[] = SYNTHETIC_SOURCES): Stmt[] {
  const out: Stmt[] = [];
  for (const s of sources) {
    for (const c of COUNTRIES) {
      for (const id of TARIFF_IDS) {
        out.push(
          ...writeTariffStmts(makeTariff(c.countryCode, id), {
            sourceId: s.id,
            now: NOW,
            runId: null,
            contentHash: id,
            summary: SUMMARIES[id]!,
          }),
        );
      }
    }
  }
  return out;
}

/** Statements for location i: which source it belongs to is part of the sequence. */
export function locationStmts(
  rnd: () => number,
  i: number,
  opts: SyntheticOptions,
): { pk: string; stmts: Stmt[] } {
  const sourceId = pick(rnd, ['open-a', 'open-a', 'open-b', 'open-b', 'closed', 'denied']);
  const loc = makeLocation(rnd, i, opts);
  const stmts = writeLocationStmts(loc, {
    sourceId,
    now: NOW,
    via: 'pull',
    runId: 1,
    contentHash: String(i),
  });
  return { pk: locationPkOf(sourceId, loc), stmts };
}

/**
 * Groups of locations into dedupe sites (hex ids, as dedupe makes them): half of them with a
 * `sites` row, half orphans (a site_id without a row, which the API serves as separate locations).
 */
export function siteStmts(pks: string[], rnd: () => number, groups: number): Stmt[] {
  const out: Stmt[] = [];
  for (let g = 0; g < groups && (g + 1) * 3 <= pks.length; g++) {
    const members = pks.slice(g * 3, g * 3 + 1 + Math.floor(rnd() * 3));
    const siteId = hash64(`site\u0000${g}`);
    for (const pk of members)
      out.push({ sql: 'UPDATE locations SET site_id = ? WHERE pk = ?', params: [siteId, pk] });
    if (g % 2 === 0) {
      // A site row positioned at its first member, with provenance per field as dedupe writes it.
      out.push({
        sql: `INSERT INTO sites (id, lat, lon, cell, fields, updated_at)
          SELECT ?, lat, lon, cell, json_object('name', json_object('value', 'Site ' || ?, 'source', source_id,
            'record', pk, 'last_updated', last_updated)), ? FROM locations WHERE pk = ?`,
        params: [siteId, String(g), NOW, members[0]],
      });
    }
  }
  // As dedupe does: the read model of every regrouped location and site, in the same batch.
  out.push(...refreshSiteFeaturesStmts({ locationPks: pks.slice(0, groups * 3) }));
  return out;
}

/** Marks some locations removed (a completed full pull did not see them). */
export function removeStmts(pks: string[], every: number): Stmt[] {
  const removed = pks.filter((_, i) => i % every === every - 1);
  return [
    ...removed.map((pk) => ({ sql: 'UPDATE locations SET removed_at = ? WHERE pk = ?', params: [NOW, pk] })),
    ...refreshSiteFeaturesStmts({ locationPks: removed }),
  ];
}

export { cellOf };
