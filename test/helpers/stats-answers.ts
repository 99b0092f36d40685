// The six statistics answers (/v1/stats, /v1/stats/by-*, /v1/operators) as served over HTTP, and
// the same answers counted from scratch (stats-reference.ts), for the tests of when they are
// computed again (the counts' version: src/db/counts-changes.ts).
import { expect } from 'vitest';
import type { StatsRow } from '../../src/db/queries/stats.js';
import type { Db } from '../../src/db/types.js';
import { statsFromScratch } from './stats-reference.js';

const DIMENSIONS = [
  ['country', 'by_country', 'country'],
  ['operator', 'by_operator', 'operator'],
  ['connector', 'by_connector', 'standard'],
  ['power_class', 'by_power_class', 'power_class_kw'],
] as const;

export const STATS_PATHS = [
  '/v1/stats',
  ...DIMENSIONS.map(([, key]) => `/v1/stats/${key.replaceAll('_', '-')}`),
  '/v1/operators',
];

export interface StatsAnswer {
  body: unknown;
  etag: string | null;
  lastModified: string | null;
}

/** Every statistics path's answer from the app at `url`. */
export async function statsAnswers(url: string): Promise<Record<string, StatsAnswer>> {
  const out: Record<string, StatsAnswer> = {};
  for (const path of STATS_PATHS) {
    const res = await fetch(`${url}${path}`);
    expect(res.status, path).toBe(200);
    out[path] = {
      body: await res.json(),
      etag: res.headers.get('etag'),
      lastModified: res.headers.get('last-modified'),
    };
  }
  return out;
}

export const statsBodies = async (url: string) =>
  Object.fromEntries(Object.entries(await statsAnswers(url)).map(([p, a]) => [p, a.body]));

/** A background recomputation (fresh-for.ts) starts on a later turn and runs to its end. */
export const settle = () => new Promise((r) => setTimeout(r, 50));

const kw = (w: number | null) => (w == null ? 0 : Math.round(w / 100) / 10);
const counts = (r: Omit<StatsRow, 'key'>) => ({
  sites: r.sites,
  locations: r.locations,
  evses: r.evses,
  connectors: r.connectors,
  installed_kw: kw(r.installed_w),
});
/** Rows in a fixed order: the API's order is by count, ties by key, which the reference does not give. */
const sorted = (rows: object[]) => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
const sortedIn = (body: unknown) =>
  Object.fromEntries(Object.entries(body as object).map(([k, v]) => [k, Array.isArray(v) ? sorted(v) : v]));

/** Every answer with its rows in a fixed order, to compare with statsBodiesFromScratch. */
export function sortedInAll(all: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(all).map(([p, b]) => [p, sortedIn(b)]));
}

/**
 * Every path's answer as counted from scratch over the raw tables, rows sorted (sortedInAll); a
 * site's country is its own (the data given must state one).
 */
export async function statsBodiesFromScratch(db: Db): Promise<Record<string, unknown>> {
  const want = await statsFromScratch(db);
  const by = Object.fromEntries(
    DIMENSIONS.map(([dim, key, name]) => [
      key,
      sorted(want.statsBy(dim, {}).map((r) => ({ [name]: r.key ?? r.key2 ?? null, ...counts(r) }))),
    ]),
  );
  const [total] = want.statsBy('total', {});
  return sortedInAll({
    '/v1/stats': { totals: counts(total!), ...by },
    ...Object.fromEntries(
      DIMENSIONS.map(([, key]) => [`/v1/stats/${key.replaceAll('_', '-')}`, { [key]: by[key] }]),
    ),
    '/v1/operators': {
      operators: want
        .operators({})
        .map(({ key, countries, ...r }) => ({ name: key, ...counts(r), countries })),
      next: null,
    },
  });
}

/** meta.counts_version as stored. */
export const countsVersion = async (db: Db) =>
  (await db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'counts_version'"))?.value ?? null;
