// The short path of a status-only EVSE PATCH (location-pushes.ts patchEvseStatus: no read of the
// EVSE, no merge, one checked update and an event) against the general path every other PATCH takes
// (read, merge into the OCPI object, normalize, rewrite), which AppDeps.ocpiStatusFastPath = false
// forces. Two atlases get the same pushes over real HTTP: every answer, every stored row (the read
// model included) and every wake of the availability stream must be the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/db/types.js';
import type { Logger } from '../../../src/log.js';
import type { OcpiVersion } from '../../../src/model/types.js';
import { type Atlas, dumpStore, ocpiLocation, startAtlas, TOKEN_DE } from './push-harness.js';

const HELD = '2025-03-01T09:00:00Z';

interface Step {
  /** PATCH unless said: a PUT changes what the PATCHes after it meet. */
  method?: 'PUT';
  version: OcpiVersion;
  path: string;
  body?: unknown;
  rawBody?: string;
  token?: string;
  /** Clock of the push (2.1.1 PATCHes without last_updated take it). */
  at?: string;
  /** More request headers. */
  headers?: Record<string, string>;
  /** The store fails the push's writes (a trigger refuses its status event). */
  fail?: true;
}

const ROUTING = { 'OCPI-from-country-code': 'NL', 'OCPI-from-party-id': 'TNM' };

const at = (minute: number) => `2025-03-01T10:${String(minute).padStart(2, '0')}:00Z`;

/** In order and out of order, repeats, removal and return, refusals of every kind. */
const STEPS: Step[] = [
  { version: '2.2.1', path: '/NL/TNM/F1/E1', body: { status: 'CHARGING', last_updated: at(1) } },
  // The same status confirmed later: no event, the time moves.
  { version: '2.2.1', path: '/NL/TNM/F1/E1', body: { status: 'CHARGING', last_updated: at(2) } },
  // Older than what we hold: acknowledged, not applied.
  { version: '2.2.1', path: '/NL/TNM/F1/E1', body: { status: 'AVAILABLE', last_updated: at(0) } },
  // The same instant again (an idempotent re-push), then a newer one.
  { version: '2.2.1', path: '/NL/TNM/F1/E1', body: { status: 'CHARGING', last_updated: at(2) } },
  { version: '2.2.1', path: '/NL/TNM/F1/E1', body: { status: 'BLOCKED', last_updated: at(3), uid: 'E1' } },
  { version: '2.3.0', path: '/NL/TNM/F1/E2', body: { status: 'OUTOFORDER', last_updated: at(4) } },
  // Older than the EVSE's own last_updated (it was PUT at minute 30).
  { version: '2.2.1', path: '/NL/TNM/F2/E1', body: { status: 'CHARGING', last_updated: at(20) } },
  { version: '2.2.1', path: '/NL/TNM/F2/E1', body: { status: 'CHARGING', last_updated: at(31) } },
  // Removed, then back: its location's counts and power follow.
  { version: '2.2.1', path: '/NL/TNM/F2/E2', body: { status: 'REMOVED', last_updated: at(32) } },
  { version: '2.2.1', path: '/NL/TNM/F2/E2', body: { status: 'REMOVED', last_updated: at(33) } },
  { version: '2.2.1', path: '/NL/TNM/F2/E2', body: { status: 'AVAILABLE', last_updated: at(34) } },
  // 2.1.1 may omit last_updated: as of its arrival.
  { version: '2.1.1', path: '/NL/TNM/F1/E3', body: { status: 'AVAILABLE' }, at: '2025-03-01T10:40:00Z' },
  { version: '2.1.1', path: '/NL/TNM/F1/E3', body: { status: 'CHARGING', last_updated: at(41) } },
  // An unknown status value is read as the normalizer reads it.
  { version: '2.2.1', path: '/NL/TNM/F1/E2', body: { status: 'PARKED', last_updated: at(42) } },
  { version: '2.2.1', path: '/NL/TNM/F1/E2', body: { status: 'available', last_updated: at(43) } },
  // Refusals: unknown EVSE, unknown location, another party's path, bodies of the wrong shape.
  { version: '2.2.1', path: '/NL/TNM/F1/E99', body: { status: 'CHARGING', last_updated: at(44) } },
  { version: '2.2.1', path: '/NL/TNM/NOPE/E1', body: { status: 'CHARGING', last_updated: at(44) } },
  { version: '2.2.1', path: '/DE/ABC/F1/E1', body: { status: 'CHARGING', last_updated: at(44) } },
  {
    version: '2.2.1',
    path: '/NL/TNM/F1/E1',
    body: { status: 'CHARGING', last_updated: at(44) },
    token: TOKEN_DE,
  },
  // An unknown token (401): from here on the failure throttle knows this address, and the pushes
  // after it are let through by address.
  {
    version: '2.2.1',
    path: '/NL/TNM/F1/E1',
    body: { status: 'CHARGING', last_updated: at(44) },
    token: 'not-a-token',
  },
  { version: '2.2.1', path: '/NL/TNM/F1/E1', body: { status: 'CHARGING' } },
  { version: '2.2.1', path: '/NL/TNM/F1/E1', body: { status: 'CHARGING', last_updated: 'soon' } },
  { version: '2.2.1', path: '/NL/TNM/F1/E1', body: { status: 'CHARGING', last_updated: 5 } },
  {
    version: '2.2.1',
    path: '/NL/TNM/F1/E1',
    body: { status: 'CHARGING', last_updated: '2026-01-01T00:00:00Z' },
  },
  { version: '2.2.1', path: '/NL/TNM/F1/E1', body: { status: 'CHARGING', last_updated: at(45), uid: 'E2' } },
  { version: '2.2.1', path: '/NL/TNM/F1/E1', body: { status: 'CHARGING', last_updated: at(45), uid: 7 } },
  { version: '2.2.1', path: '/NL/TNM/F1/E1', body: { status: 7, last_updated: at(45) } },
  { version: '2.2.1', path: '/NL/TNM/F1/E1', body: { status: 'CHARGING', last_updated: null } },
  { version: '2.2.1', path: '/NL/TNM/F1/E1', body: ['CHARGING'] },
  { version: '2.2.1', path: '/NL/TNM/F1/E1', rawBody: '{"status": "CHARGING",' },
  // A body that starts with a byte order mark: both paths read its text without it, and apply it.
  {
    version: '2.2.1',
    path: '/NL/TNM/F1/E3',
    rawBody: `\uFEFF${JSON.stringify({ status: 'AVAILABLE', last_updated: at(45) })}`,
  },
  // A connector change moves its EVSE's last_updated on, not its status time: a status between
  // the two is older than the EVSE we hold.
  { version: '2.2.1', path: '/NL/TNM/F1/E3/1', body: { max_amperage: 16, last_updated: at(50) } },
  { version: '2.2.1', path: '/NL/TNM/F1/E3', body: { status: 'BLOCKED', last_updated: at(49) } },
  { version: '2.2.1', path: '/NL/TNM/F1/E3', body: { status: 'BLOCKED', last_updated: at(51) } },
  // And one that applies after all the refusals.
  { version: '2.2.1', path: '/NL/TNM/F1/E1', body: { status: 'AVAILABLE', last_updated: at(46) } },
  // Headers that come back: correlation id, routing (2.2+ only), the client's request id or a new one.
  {
    version: '2.2.1',
    path: '/NL/TNM/F1/E2',
    body: { status: 'CHARGING', last_updated: at(47) },
    headers: { 'X-Correlation-ID': 'c-47', 'X-Request-ID': 'r-47', ...ROUTING },
  },
  {
    version: '2.3.0',
    path: '/NL/TNM/F1/E2',
    body: { status: 'AVAILABLE', last_updated: at(48) },
    headers: {
      ...ROUTING,
      'OCPI-to-country-code': 'NL',
      'OCPI-to-party-id': 'ATL',
      'X-Request-ID': 'not ok',
    },
  },
  {
    version: '2.1.1',
    path: '/NL/TNM/F1/E1',
    body: { status: 'BLOCKED', last_updated: at(48) },
    headers: { 'X-Correlation-ID': 'c-48', ...ROUTING },
  },
  // Refused by the store after the checks: answered 500 either way, nothing kept.
  { version: '2.2.1', path: '/NL/TNM/F1/E2', body: { status: 'CHARGING', last_updated: at(49) }, fail: true },
  // A body beside the status, a query: the app's requests.
  {
    version: '2.2.1',
    path: '/NL/TNM/F1/E2',
    body: { status: 'CHARGING', last_updated: at(50), physical_reference: '2' },
  },
  { version: '2.2.1', path: '/NL/TNM/F1/E2?x=1', body: { status: 'AVAILABLE', last_updated: at(51) } },
  // A PUT that leaves E2 (50 kW) out removes it and deletes its connectors; a status PATCH then
  // brings it back without them, so it must not lift its location's max power again.
  {
    method: 'PUT',
    version: '2.2.1',
    path: '/NL/TNM/F2',
    body: ocpiLocation('2.2.1', {
      id: 'F2',
      lat: 52.1,
      lon: 5.1,
      evses: [{ uid: 'E1', status: 'AVAILABLE', powerW: 22_080 }],
      lastUpdated: at(52),
    }),
  },
  { version: '2.2.1', path: '/NL/TNM/F2/E2', body: { status: 'CHARGING', last_updated: at(53) } },
];

/** Each log line as one object: its bindings, fields and message. */
function capturingLogger(lines: Record<string, unknown>[], bindings: object = {}): Logger {
  const at = (level: string) => (obj: object, msg?: string) =>
    lines.push({ level, ...bindings, ...obj, msg });
  return {
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debug: at('debug'),
    child: (more) => capturingLogger(lines, { ...bindings, ...more }),
  };
}

async function seeded(
  fast: boolean,
): Promise<{ atlas: Atlas; wakes: () => number; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const atlas = await startAtlas({
    now: '2025-03-01T11:00:00Z',
    deps: { ocpiStatusFastPath: fast, log: capturingLogger(lines) },
  });
  // 22,080 W is what 2.1.1 derives from the connector's 230 V x 32 A x 3 phases: the general path
  // merges a 2.1.1 PATCH into the EVSE as 2.1.1 shows it, so another rating would not survive
  // there (that path's round trip, not this one's); E2's differs, for its location's max power.
  const evses = ['E1', 'E2', 'E3'].map((uid) => ({
    uid,
    status: 'AVAILABLE',
    powerW: uid === 'E2' ? 50_000 : 22_080,
  }));
  for (const [id, held] of [
    ['F1', HELD],
    ['F2', at(30)],
  ] as const) {
    const body = ocpiLocation('2.2.1', { id, lat: 52.1, lon: 5.1, evses, lastUpdated: held });
    expect((await atlas.push('PUT', '2.2.1', `/NL/TNM/${id}`, body)).status).toBe(201);
  }
  let wakes = 0;
  atlas.notifier.subscribe(() => wakes++);
  lines.length = 0;
  return { atlas, wakes: () => wakes, lines };
}

/** A log line without what differs between two runs (its duration, a made request id, a stack). */
function comparable({ ms: _ms, request_id, err, ...line }: Record<string, unknown>) {
  const e = err as { message?: string } | undefined;
  return { ...line, request_id: request_id === 'r-47' ? request_id : typeof request_id, err: e?.message };
}

/** Answer headers without the date; the request id as sent, or that one was made. */
function comparableHeaders({ date: _date, ...headers }: Record<string, string>, sent: string | undefined) {
  const id = headers['x-request-id'];
  return { ...headers, 'x-request-id': id === sent ? 'as sent' : /^[\w-]{36}$/.test(id ?? '') ? 'made' : id };
}

const FAIL = `CREATE TRIGGER test_refuse_events BEFORE INSERT ON evse_status_events
  BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`;

/** The stored rows, with what differs by design between two databases (random revs, row ids). */
async function stored(db: Db) {
  const store = await dumpStore(db);
  store.evse_status_events = await db.all(
    `SELECT evse_pk, location_pk, old_status, new_status, occurred_at, received_at, via
     FROM evse_status_events ORDER BY evse_pk, occurred_at, id`,
  );
  const features = await db.all<Record<string, unknown>>('SELECT * FROM site_features ORDER BY id');
  store.site_features = features.map(({ rev: _rev, ...row }) => row);
  return store;
}

describe('status PATCH: the short path against the general path', () => {
  let fast: Awaited<ReturnType<typeof seeded>>;
  let general: Awaited<ReturnType<typeof seeded>>;

  beforeAll(async () => {
    fast = await seeded(true);
    general = await seeded(false);
  });
  afterAll(async () => {
    await fast.atlas.close();
    await general.atlas.close();
  });

  it('answers every push alike, stores the same rows and wakes the stream alike', async () => {
    const answers: unknown[][] = [[], []];
    for (const [n, step] of STEPS.entries()) {
      for (const [k, { atlas }] of [fast, general].entries()) {
        atlas.clock.set(step.at ?? '2025-03-01T11:00:00Z');
        if (step.fail) await atlas.db.batch([{ sql: FAIL, params: [] }]);
        const r = await atlas.push(step.method ?? 'PATCH', step.version, step.path, step.body, {
          token: step.token,
          rawBody: step.rawBody,
          headers: step.headers,
        });
        if (step.fail) await atlas.db.batch([{ sql: 'DROP TRIGGER test_refuse_events', params: [] }]);
        answers[k]!.push({
          path: step.path,
          body: step.body,
          status: r.status,
          ...r.body,
          timestamp: undefined,
          headers: comparableHeaders(r.headers, step.headers?.['X-Request-ID']),
        });
      }
      // The request's log lines (the app writes one per request, a failure's error before it).
      expect({ step: n, lines: fast.lines.map(comparable) }).toEqual({
        step: n,
        lines: general.lines.map(comparable),
      });
      expect(general.lines.length).toBeGreaterThan(0);
      fast.lines.length = 0;
      general.lines.length = 0;
      // After every push, not only at the end: a difference may be undone by a later push.
      expect({ step: n, ...(await stored(fast.atlas.db)) }).toEqual({
        step: n,
        ...(await stored(general.atlas.db)),
      });
    }
    expect(answers[0]).toEqual(answers[1]);
    // The script exercises what it means to: applied, stale and refused pushes.
    const codes = (answers[0] as { status: number; status_code: number; status_message?: string }[]).map(
      (a) => `${a.status} ${a.status_code}${a.status_message?.startsWith('older') ? ' stale' : ''}`,
    );
    expect(codes).toContain('200 1000');
    expect(codes).toContain('200 1000 stale');
    expect(codes).toContain('404 2003');
    expect(codes).toContain('404 2000');
    expect(codes).toContain('200 2001');
    expect(codes).toContain('400 2000');
    expect(codes).toContain('500 3000');
    expect(codes).toContain('401 2000');
    expect(await stored(fast.atlas.db)).toEqual(await stored(general.atlas.db));
    expect(fast.wakes()).toBe(general.wakes());
    expect(fast.wakes()).toBeGreaterThan(0);
    // The returned EVSE came back without power: F2's strongest live EVSE is E1 again.
    const f2 = await fast.atlas.db.get<{ w: number }>(
      "SELECT max_power_w AS w FROM locations WHERE ocpi_id = 'F2'",
    );
    expect(f2?.w).toBe(22_080);
  });

  it('gives a location the same max power whether an EVSE arrives REMOVED or is PATCHed to it', async () => {
    const { atlas } = fast;
    atlas.clock.set('2025-03-01T11:00:00Z');
    const evses = (e2: string) => [
      { uid: 'E1', status: 'AVAILABLE', powerW: 22_080 },
      { uid: 'E2', status: e2, powerW: 50_000 },
    ];
    const put = (id: string, e2: string) =>
      atlas.push(
        'PUT',
        '2.2.1',
        `/NL/TNM/${id}`,
        ocpiLocation('2.2.1', { id, lat: 52.2, lon: 5.2, evses: evses(e2), lastUpdated: at(54) }),
      );
    expect((await put('F4', 'REMOVED')).status).toBe(201);
    expect((await put('F5', 'AVAILABLE')).status).toBe(201);
    const patched = await atlas.push('PATCH', '2.2.1', '/NL/TNM/F5/E2', {
      status: 'REMOVED',
      last_updated: at(55),
    });
    expect(patched.status).toBe(200);
    const power = await atlas.db.all<{ id: string; w: number }>(
      "SELECT ocpi_id AS id, max_power_w AS w FROM locations WHERE ocpi_id IN ('F4', 'F5') ORDER BY ocpi_id",
    );
    expect(power).toEqual([
      { id: 'F4', w: 22_080 },
      { id: 'F5', w: 22_080 },
    ]);
  });
});
