// An atlas on loopback for push tests: a temp SQLite file, one or more CPO sources with push tokens,
// createApp with a controllable clock, served over real HTTP, and helpers to push as a CPO would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createApp } from '../../../src/api/app.js';
import type { AppDeps } from '../../../src/api/deps.js';
import { openSqlite } from '../../../src/db/sqlite.js';
import type { Db } from '../../../src/db/types.js';
import { upsertSources } from '../../../src/ingest/source-state.js';
import type { OcpiSourceConfig } from '../../../src/ingest/sources-file.js';
import { createStatusNotifier, type StatusNotifier } from '../../../src/live/status-notifier.js';
import type { OcpiVersion } from '../../../src/model/types.js';
import { type ServedApp, serveApp } from '../../helpers/serve.js';

export const TOKEN_NL = 'push-token-nl-7f3a9c';
export const TOKEN_DE = 'push-token-de-51b2e0';

export function cpoSource(
  id: string,
  pushToken: string,
  parties: { country_code: string; party_id: string }[],
): OcpiSourceConfig {
  return {
    id,
    name: `CPO ${id}`,
    type: 'ocpi',
    versions_url: 'http://127.0.0.1:9/ocpi/versions',
    token: `pull-${id}`,
    register: false,
    push_token: pushToken,
    parties,
    schedule: '*/30 * * * *',
    full_schedule: '0 3 * * *',
    license: 'CC0-1.0',
    attribution: `data by ${id}`,
    enabled: true,
    suspect_ratio: 0.5,
  };
}

export const DEFAULT_SOURCES = [
  cpoSource('cpo-nl', TOKEN_NL, [{ country_code: 'NL', party_id: 'TNM' }]),
  cpoSource('cpo-de', TOKEN_DE, [{ country_code: 'DE', party_id: 'ABC' }]),
];

/** A clock tests move by hand. */
export class TestClock {
  constructor(public ms: number) {}
  now = () => new Date(this.ms);
  set(iso: string) {
    this.ms = Date.parse(iso);
  }
  advance(seconds: number) {
    this.ms += seconds * 1000;
  }
}

export interface Atlas {
  db: Db;
  url: string;
  clock: TestClock;
  notifier: StatusNotifier;
  push(
    method: 'PUT' | 'PATCH' | 'GET' | 'DELETE' | 'POST',
    version: OcpiVersion,
    path: string,
    body?: unknown,
    opts?: {
      token?: string;
      encoding?: 'raw' | 'base64';
      rawBody?: string;
      module?: string;
      /** More request headers (correlation and routing ones, say). */
      headers?: Record<string, string>;
    },
  ): Promise<{
    status: number;
    body: { status_code: number; status_message?: string; data?: unknown };
    /** The answer's headers, names in lower case. */
    headers: Record<string, string>;
  }>;
  get<T = unknown>(path: string): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startAtlas(
  opts: { sources?: OcpiSourceConfig[]; now?: string; deps?: Partial<AppDeps> } = {},
): Promise<Atlas> {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-push-'));
  const db = openSqlite(join(dir, 'atlas.db'));
  const sources = opts.sources ?? DEFAULT_SOURCES;
  await upsertSources(db, sources, new Date().toISOString());
  const clock = new TestClock(Date.parse(opts.now ?? '2025-03-01T12:00:00Z'));
  const notifier = createStatusNotifier();
  const app = createApp({
    getDb: () => db,
    clock: clock.now,
    sources,
    statusNotifier: notifier,
    ...opts.deps,
  });
  const served: ServedApp = await serveApp(app);
  return {
    db,
    url: served.url,
    clock,
    notifier,
    async push(method, version, path, body, o = {}) {
      const token = o.token ?? TOKEN_NL;
      const encoding = o.encoding ?? (version === '2.1.1' ? 'raw' : 'base64');
      const auth = encoding === 'base64' ? Buffer.from(token, 'utf8').toString('base64') : token;
      const res = await fetch(`${served.url}/ocpi/${version}/${o.module ?? 'receiver/locations'}${path}`, {
        method,
        headers: {
          Authorization: `Token ${auth}`,
          'Content-Type': 'application/json',
          'X-Request-ID': crypto.randomUUID(),
          ...o.headers,
        },
        body: o.rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
      });
      return {
        status: res.status,
        body: (await res.json()) as { status_code: number; status_message?: string; data?: unknown },
        headers: Object.fromEntries(res.headers),
      };
    },
    async get<T>(path: string) {
      const res = await fetch(`${served.url}${path}`);
      return { status: res.status, body: (await res.json()) as T };
    },
    async close() {
      await served.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface EvseSpec {
  uid: string;
  status: string;
  /** Rated power in W (max_electric_power; 2.1.1 derives it from volts x amps x 1 phase). */
  powerW?: number;
  lastUpdated?: string;
}

/** A Location in the wire shape of `version`, minimal but complete. */
export function ocpiLocation(
  version: OcpiVersion,
  o: {
    id: string;
    lat: number;
    lon: number;
    evses: EvseSpec[];
    lastUpdated: string;
    cc?: string;
    pid?: string;
    name?: string;
  },
): Record<string, unknown> {
  const is211 = version === '2.1.1';
  return {
    ...(is211
      ? { type: 'ON_STREET' }
      : {
          country_code: o.cc ?? 'NL',
          party_id: o.pid ?? 'TNM',
          publish: true,
          time_zone: 'Europe/Amsterdam',
        }),
    id: o.id,
    name: o.name ?? `Location ${o.id}`,
    address: 'Stationsplein 1',
    city: 'Utrecht',
    postal_code: '3511ED',
    country: 'NLD',
    coordinates: { latitude: o.lat.toFixed(6), longitude: o.lon.toFixed(6) },
    evses: o.evses.map((e) => ocpiEvse(version, e, o.lastUpdated)),
    last_updated: o.lastUpdated,
  };
}

export function ocpiEvse(version: OcpiVersion, e: EvseSpec, lastUpdated: string): Record<string, unknown> {
  return {
    uid: e.uid,
    evse_id: `NL*TNM*E${e.uid.replace(/[^A-Za-z0-9]/g, '')}`,
    status: e.status,
    capabilities: [],
    connectors: [ocpiConnector(version, '1', e.powerW ?? 11_000, e.lastUpdated ?? lastUpdated)],
    last_updated: e.lastUpdated ?? lastUpdated,
  };
}

export function ocpiConnector(
  version: OcpiVersion,
  id: string,
  powerW: number,
  lastUpdated: string,
): Record<string, unknown> {
  if (version === '2.1.1') {
    // 230 V single phase: amps chosen so that V x A is the wanted power.
    return {
      id,
      standard: 'IEC_62196_T2',
      format: 'SOCKET',
      power_type: 'AC_1_PHASE',
      voltage: 230,
      amperage: powerW / 230,
      last_updated: lastUpdated,
    };
  }
  return {
    id,
    standard: 'IEC_62196_T2',
    format: 'SOCKET',
    power_type: 'AC_3_PHASE',
    max_voltage: 230,
    max_amperage: 32,
    max_electric_power: powerW,
    tariff_ids: [],
    last_updated: lastUpdated,
  };
}

/** Every row of the tables a push may touch, for "the store is unchanged" assertions. */
export async function dumpStore(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of [
    'evses',
    'connectors',
    'location_tariffs',
    'evse_status_events',
    'tariffs',
    'quarantine',
    'source_secrets',
  ]) {
    out[table] = await db.all(`SELECT * FROM ${table} ORDER BY 1, 2`);
  }
  // The data and counts' versions are cache validators, not data: a refused or stale push may bump
  // the one, and the general path of a status PATCH bumps the other where the short path need not;
  // it also clears a location's counts hash (src/db/counts-hash.ts), which the short path keeps.
  const locations = await db.all<Record<string, unknown>>('SELECT * FROM locations ORDER BY 1, 2');
  out.locations = locations.map(({ counts_hash: _countsHash, ...row }) => row);
  out.meta = await db.all(
    `SELECT * FROM meta WHERE key NOT IN ('data_version', 'counts_version') ORDER BY 1`,
  );
  return out;
}

/** A 2.2.1 PUT of location `id` with two EVSEs: E1 AVAILABLE at 11 kW and E2 CHARGING at 22 kW. */
export function putTwoEvseLocation(atlas: Atlas, id: string, lat: number, lon: number, lastUpdated: string) {
  return atlas.push(
    'PUT',
    '2.2.1',
    `/NL/TNM/${id}`,
    ocpiLocation('2.2.1', {
      id,
      lat,
      lon,
      lastUpdated,
      evses: [
        { uid: 'E1', status: 'AVAILABLE', powerW: 11_000 },
        { uid: 'E2', status: 'CHARGING', powerW: 22_000 },
      ],
    }),
  );
}

export type PushStep = [method: 'PUT' | 'PATCH', path: string, body: unknown];

/** Pushes the steps in turn (2.2.1), each of which must be accepted, and runs `check` after each. */
export async function applyPushSteps(atlas: Atlas, steps: PushStep[], check: () => Promise<unknown>) {
  for (const [method, path, body] of steps) {
    const res = await atlas.push(method, '2.2.1', path, body);
    expect(res.body.status_code, `${method} ${path}: ${res.body.status_message}`).toBe(1000);
    await check();
  }
}

/**
 * One push of every kind the receiver applies to locations A and B of putTwoEvseLocation (2.2.1):
 * status PATCH, EVSE PUT, connector PUT and PATCH, Location PATCH (name and operator), and a status
 * PATCH to REMOVED. `at(m)` gives the push times, minute m.
 */
export function pushesOfEveryKind(at: (minute: number) => string): PushStep[] {
  const v = '2.2.1';
  return [
    ['PATCH', '/NL/TNM/A/E1', { status: 'CHARGING', last_updated: at(2) }],
    [
      'PUT',
      '/NL/TNM/A/E3',
      {
        uid: 'E3',
        status: 'AVAILABLE',
        capabilities: [],
        last_updated: at(3),
        connectors: [ocpiConnector(v, '1', 50_000, at(3))],
      },
    ],
    ['PUT', '/NL/TNM/A/E3/2', ocpiConnector(v, '2', 7_400, at(4))],
    ['PATCH', '/NL/TNM/A/E3/1', { max_electric_power: 150_000, last_updated: at(5) }],
    ['PATCH', '/NL/TNM/A', { name: 'Renamed', operator: { name: 'Renamed' }, last_updated: at(6) }],
    ['PATCH', '/NL/TNM/B/E2', { status: 'REMOVED', last_updated: at(7) }],
  ];
}

/** A 2.2.1 PUT of location L1 (Utrecht) with one EVSE, E1, AVAILABLE. */
export function putOneEvseLocation(atlas: Atlas, lastUpdated: string) {
  return atlas.push(
    'PUT',
    '2.2.1',
    '/NL/TNM/L1',
    ocpiLocation('2.2.1', {
      id: 'L1',
      lat: 52.09,
      lon: 5.12,
      lastUpdated,
      evses: [{ uid: 'E1', status: 'AVAILABLE' }],
    }),
  );
}
