// The statistics counted from scratch in plain JS over the raw tables (the brute-force model of
// test/api/atlas-fixture.ts), for comparing every dimension of src/db/queries/stats.ts with.
import {
  type OperatorRow,
  POWER_CLASS_BOUNDS_KW,
  type StatsDimension,
  type StatsRow,
} from '../../src/db/queries/stats.js';
import type { Db } from '../../src/db/types.js';
import { loadTruth, type ModelFilter, model } from '../api/atlas-fixture.js';

type Row = Record<string, unknown> & { pk: string };

interface Group {
  key: string | null;
  key2?: string | null;
  sites: Set<string>;
  locations: Set<string>;
  evses: Set<string>;
  connectors: number;
  installed_w: number | null;
  countries: Set<string>;
}

/** The power class of an EVSE's maximum power, as SQL's CASE over the bounds names it. */
function powerClass(w: number | null): string {
  if (w == null) return 'unknown';
  const i = POWER_CLASS_BOUNDS_KW.findIndex((b) => w <= b * 1000);
  if (i < 0) return `${POWER_CLASS_BOUNDS_KW.at(-1)}+`;
  return `${i === 0 ? 0 : POWER_CLASS_BOUNDS_KW[i - 1]}-${POWER_CLASS_BOUNDS_KW[i]}`;
}

/** SQL's sum(): null over no value or only nulls. */
const addW = (sum: number | null, w: unknown) => (w == null ? sum : (sum ?? 0) + (w as number));

/** Counted data of a database, filtered and grouped by every dimension. */
export async function statsFromScratch(db: Db) {
  const m = model(await loadTruth(db));
  const siteOf = new Map(m.sites.flatMap((s) => s.members.map((l) => [l.pk, s.id] as const)));

  function grouped(filter: ModelFilter, dim: StatsDimension | 'operators') {
    const groups = new Map<string, Group>();
    const group = (key: string | null, key2?: string | null) => {
      const id = JSON.stringify([key, key2]);
      let g = groups.get(id);
      if (!g) {
        g = {
          key,
          key2,
          sites: new Set(),
          locations: new Set(),
          evses: new Set(),
          connectors: 0,
          installed_w: null,
          countries: new Set(),
        };
        groups.set(id, g);
      }
      return g;
    };
    for (const l of m.locationsMatching(filter)) {
      const evses = m.evsesOf.get(l.pk) ?? [];
      const connectors = m.connOf.get(l.pk) ?? [];
      const country = l.country == null ? null : String(l.country).toUpperCase();
      const units: { g: Group; evses: Row[]; connectors: Row[]; watts: unknown[] }[] = [];
      if (dim === 'connector') {
        for (const c of connectors) {
          const g = group(c.standard as string);
          units.push({
            g,
            evses: evses.filter((e) => e.pk === c.evse_pk),
            connectors: [c],
            watts: [c.max_power_w],
          });
        }
      } else if (dim === 'power_class') {
        for (const e of evses) {
          const g = group(powerClass(e.max_power_w as number | null));
          units.push({
            g,
            evses: [e],
            connectors: connectors.filter((c) => c.evse_pk === e.pk),
            watts: [e.max_power_w],
          });
        }
      } else {
        if (dim === 'operators' && l.operator_name == null) continue;
        const g =
          dim === 'total'
            ? group(null)
            : dim === 'country'
              ? group(country, country == null ? String(l.country_code).toUpperCase() : null)
              : group(l.operator_name as string | null);
        g.countries.add(country ?? String(l.country_code).toUpperCase());
        units.push({ g, evses, connectors, watts: evses.map((e) => e.max_power_w) });
      }
      for (const u of units) {
        u.g.sites.add(siteOf.get(l.pk)!);
        u.g.locations.add(l.pk);
        for (const e of u.evses) u.g.evses.add(e.pk);
        u.g.connectors += u.connectors.length;
        u.g.installed_w = u.watts.reduce<number | null>(addW, u.g.installed_w);
      }
    }
    if (dim === 'total' && groups.size === 0) group(null);
    return [...groups.values()];
  }

  const counts = (g: Group): StatsRow => ({
    key: g.key,
    ...(g.key2 !== undefined ? { key2: g.key2 } : {}),
    sites: g.sites.size,
    locations: g.locations.size,
    evses: g.evses.size,
    connectors: g.connectors,
    installed_w: g.installed_w,
  });

  return {
    /** statsBy's rows, in no particular order. */
    statsBy(dim: StatsDimension, filter: ModelFilter): StatsRow[] {
      return grouped(filter, dim).map(counts);
    },
    /** operatorStats's rows (every page), by name, countries sorted (as the API sorts them). */
    operators(filter: ModelFilter): (StatsRow & { countries: string[] })[] {
      return grouped(filter, 'operators')
        .map((g) => ({ ...counts(g), countries: [...g.countries].sort() }))
        .sort((a, b) => (a.key! < b.key! ? -1 : 1));
    },
  };
}

/** Operator rows as the reference gives them: their countries split and sorted. */
export const withSortedCountries = (rows: OperatorRow[]) =>
  rows.map(({ countries, ...r }) => ({
    ...r,
    countries: (countries ?? '').split(',').filter(Boolean).sort(),
  }));
