// The read model's row of a location a sync page writes for the first time, built from the record
// in memory instead of re-read from the tables it was just written to (write-site-features.ts's
// refresh reads the location, its EVSEs and connectors again, a dozen subqueries a site).
//
// Only where that gives the refresh's bytes by construction: a location we did not hold (so no
// EVSE status, tariff link, site or read-model row of it exists before the batch) is a site of its
// own (dedupe has not grouped it yet), and every value the row holds is the one its statements
// write. Anything else (a location held before, keys the store would fold together, fractional
// power that SQL would sum in another order) goes through the refresh. What the store decides
// beyond the record stays in SQL here too: publication (the source's and the record's licence) and
// `free` (the source's tariffs). test/db/lone-site-rows.test.ts compares every row with the
// refresh's.
import { connectorSummary, kw, placeFields, point, statusSummary } from '../model/feature-fields.js';
import { lifecycleOf } from '../model/lifecycle.js';
import type { Evse, Location } from '../model/types.js';
import { hasFreeTariffSql } from './queries/locations.js';
import { publishedSql } from './queries/publication.js';
import type { Stmt } from './types.js';
import { maxPowerOf } from './write-location.js';
import { STATUS_CLASSES, upsertSiteFeaturesSql } from './write-site-features.js';

/** What the record gives a row: [pk, evse_count, available_count, installed_w, connector_count, statuses, feature]. */
export type LoneSiteRow = [string, number, number, number, number, string, string];

const CLASS_OF = new Map(STATUS_CLASSES.flatMap((statuses, c) => statuses.map((s) => [s, c] as const)));

/** Whether the connector ids of an EVSE are distinct keys, and their power whole. */
function plainConnectors(e: Evse): boolean {
  const cs = e.connectors;
  for (let i = 0; i < cs.length; i++) {
    const w = cs[i]!.maxPowerW;
    if (w != null && !Number.isInteger(w)) return false;
    for (let j = 0; j < i; j++) if (cs[j]!.id.toLowerCase() === cs[i]!.id.toLowerCase()) return false;
  }
  return true;
}

/** Whether the record's EVSE uids and connector ids are distinct keys, and its power whole. */
function plainKeys(loc: Location): boolean {
  const uids = new Set<string>();
  for (const e of loc.evses) {
    const uid = e.uid.toLowerCase();
    if (uids.has(uid) || !plainConnectors(e)) return false;
    uids.add(uid);
  }
  return true;
}

/**
 * statusesSql's value: [[class, status time, count], ...] of the live EVSEs, sorted. A list
 * searched in place of a map keyed by class and time, and the connector ids compared pairwise in
 * place of a set per EVSE: a location has a few EVSEs, most of them at one time. Measured (rows of
 * the bench feed's 70k locations, in process, seven passes, two interleaved runs, load ~1.5):
 * 347-364 ms against 410-525 ms.
 */
function statusesOf(live: Evse[], locUpdated: string): string {
  const out: [number, string, number][] = [];
  for (const e of live) {
    const c = CLASS_OF.get(e.status);
    if (c === undefined) continue;
    const t = e.lastUpdated ?? locUpdated;
    const entry = out.find((x) => x[0] === c && x[1] === t);
    if (entry) entry[2]++;
    else out.push([c, t, 1]);
  }
  out.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return JSON.stringify(out);
}

/**
 * The row of a location that was not held before this write, or null when the refresh must
 * build it (see the file comment).
 */
export function loneSiteRow(pk: string, sourceId: string, loc: Location): LoneSiteRow | null {
  if (!plainKeys(loc)) return null;
  const live = loc.evses.filter((e) => e.status !== 'REMOVED');
  let installed = 0;
  let available = 0;
  let max: number | null = null;
  const connectors: { standard: string; max_power_w: number | null }[] = [];
  for (const e of live) {
    const w = maxPowerOf(e);
    if (w != null) {
      installed += w;
      if (max == null || w > max) max = w;
    }
    if (e.status === 'AVAILABLE') available++;
    for (const c of e.connectors) connectors.push({ standard: c.standard, max_power_w: c.maxPowerW });
  }
  const operator = loc.operator?.name ?? null;
  // The property order of write-site-features.ts's FEATURE (the API's).
  const feature = {
    type: 'Feature',
    id: pk,
    geometry: point(loc),
    properties: {
      id: pk,
      ...placeFields({
        name: loc.name,
        address: loc.address,
        city: loc.city,
        postal_code: loc.postalCode,
        country: loc.country,
      }),
      operator,
      operators: operator == null ? [] : [operator],
      sources: [sourceId],
      location_ids: [pk],
      evse_count: live.length,
      connector_count: connectors.length,
      max_power_kw: kw(max),
      status: statusSummary(live),
      connectors: connectorSummary(connectors),
      lifecycle: lifecycleOf(loc),
      last_updated: loc.lastUpdated,
    },
  };
  return [
    pk,
    live.length,
    available,
    installed,
    connectors.length,
    statusesOf(live, loc.lastUpdated),
    JSON.stringify(feature),
  ];
}

const field = (i: number) => `json_extract(value, '$[${i}]')`;

// The stored row's own columns are read back from it (one lookup by pk, a page just written), so
// they are the refresh's; a location the store does not publish gets no row, as in the refresh
// (a location not held before has none to delete). CROSS JOIN and the unary plus keep the planner
// on the lookup by pk: on its own it scanned every location without a site (index locations_site).
const UPSERT_LONE_ROWS = upsertSiteFeaturesSql(`r AS (SELECT ${field(0)} AS id, ${field(1)} AS evse_count,
    ${field(2)} AS available_count, ${field(3)} AS installed_w, ${field(4)} AS connector_count,
    ${field(5)} AS statuses, ${field(6)} AS feature FROM json_each(?)),
  f AS MATERIALIZED (SELECT x.pk AS id, 'lone' AS kind, x.lat, x.lon, x.cell, r.evse_count, r.available_count,
    r.installed_w, r.connector_count, x.max_power_w, ${hasFreeTariffSql('x')} AS free,
    x.operator_name AS operator, x.country, json_array(x.source_id) AS sources, x.last_updated, r.statuses,
    r.feature
    FROM r CROSS JOIN locations x ON x.pk = r.id WHERE +x.site_id IS NULL AND ${publishedSql('x')})`);

/** Rows per statement: one bound JSON document of ~0.7 KB a row (D1 binds up to 2 MB). */
const CHUNK = 100;

/** The statements that write these rows into the read model (after their locations' writes). */
export function upsertLoneSiteRowsStmts(rows: readonly LoneSiteRow[]): Stmt[] {
  const out: Stmt[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    out.push({ sql: UPSERT_LONE_ROWS, params: [JSON.stringify(rows.slice(i, i + CHUNK))] });
  }
  return out;
}
