// Pushes over real HTTP, one CPO per OCPI version with that version's token encoding: a new
// Location, one EVSE's status, a connector; the public API shows each at once.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evseKey, locationKey } from '../../../src/model/ids.js';
import type { OcpiVersion } from '../../../src/model/types.js';
import { type Atlas, ocpiConnector, ocpiLocation, startAtlas, TOKEN_NL } from './push-harness.js';

type Availability = { cursor: string; full: boolean; fields: string[]; evses: unknown[][] };

const VERSIONS: { version: OcpiVersion; encoding: 'raw' | 'base64' }[] = [
  { version: '2.1.1', encoding: 'raw' },
  { version: '2.2.1', encoding: 'base64' },
  { version: '2.3.0', encoding: 'base64' },
];

let atlas: Atlas;
beforeEach(async () => {
  atlas = await startAtlas({ now: '2025-03-01T12:00:00Z' });
});
afterEach(async () => {
  await atlas.close();
});

function byEvse(a: Availability): Map<string, { status: string; since: string; stale: boolean }> {
  return new Map(
    a.evses.map((r) => [
      r[0] as string,
      { status: r[3] as string, since: r[4] as string, stale: r[5] as boolean },
    ]),
  );
}

describe.each(VERSIONS)('OCPI $version push with a $encoding token', ({ version, encoding }) => {
  const id = `LOC-${version.replace(/\./g, '')}`;
  const lpk = locationKey('cpo-nl', 'NL', 'TNM', id);
  const e1 = evseKey(lpk, 'E1');
  const e2 = evseKey(lpk, 'E2');

  it('a PUT location, a PATCH of one EVSE status and a PUT connector show up in the public API', async () => {
    const put = await atlas.push(
      'PUT',
      version,
      `/NL/TNM/${id}`,
      ocpiLocation(version, {
        id,
        lat: 52.0907,
        lon: 5.1214,
        lastUpdated: '2025-03-01T11:00:00Z',
        evses: [
          { uid: 'E1', status: 'AVAILABLE', powerW: 22_000 },
          { uid: 'E2', status: 'AVAILABLE', powerW: 11_000 },
        ],
      }),
      { encoding },
    );
    expect(put).toMatchObject({ status: 201, body: { status_code: 1000 } });

    const first = await atlas.get<Availability>(`/v1/availability?locations=${lpk}`);
    expect(first.status).toBe(200);
    expect(first.body.fields).toEqual(['id', 'location', 'evse_id', 'status', 'since', 'stale']);
    expect(byEvse(first.body)).toEqual(
      new Map([
        [e1, { status: 'AVAILABLE', since: '2025-03-01T11:00:00Z', stale: true }],
        [e2, { status: 'AVAILABLE', since: '2025-03-01T11:00:00Z', stale: true }],
      ]),
    );

    const patch = await atlas.push(
      'PATCH',
      version,
      `/NL/TNM/${id}/E1`,
      { status: 'CHARGING', last_updated: '2025-03-01T11:58:00Z' },
      { encoding },
    );
    expect(patch).toMatchObject({ status: 200, body: { status_code: 1000 } });
    // Only E1 changed after the snapshot's cursor; it is fresh (2 min old, threshold 15 min).
    const changes = await atlas.get<Availability>(
      `/v1/availability?locations=${lpk}&since=${first.body.cursor}`,
    );
    expect(changes.body.full).toBe(false);
    expect(byEvse(changes.body)).toEqual(
      new Map([[e1, { status: 'CHARGING', since: '2025-03-01T11:58:00Z', stale: false }]]),
    );
    const events = await atlas.db.all<{ via: string; old_status: string; new_status: string }>(
      'SELECT via, old_status, new_status FROM evse_status_events WHERE evse_pk = ? ORDER BY id',
      [e1],
    );
    expect(events).toEqual([
      { via: 'push', old_status: null, new_status: 'AVAILABLE' },
      { via: 'push', old_status: 'AVAILABLE', new_status: 'CHARGING' },
    ]);

    const connector = await atlas.push(
      'PUT',
      version,
      `/NL/TNM/${id}/E2/2`,
      ocpiConnector(version, '2', 46_000, '2025-03-01T11:59:00Z'),
      {
        encoding,
      },
    );
    expect(connector).toMatchObject({ status: 201, body: { status_code: 1000 } });
    const detail = await atlas.get<{
      properties: { max_power_kw: number; evses: { uid: string; connectors: { id: string }[] }[] };
    }>(`/v1/locations/${lpk}`);
    expect(detail.status).toBe(200);
    const evse2 = detail.body.properties.evses.find((e) => e.uid === 'E2');
    expect(evse2?.connectors.map((c) => c.id).sort()).toEqual(['1', '2']);
    expect(detail.body.properties.max_power_kw).toBe(46);

    // Our copy as the CPO reads it back: the same version's shape, with both pushes merged in.
    const mine = await atlas.push('GET', version, `/NL/TNM/${id}`, undefined, { encoding });
    const data = mine.body.data as {
      evses: { uid: string; status: string; connectors: unknown[] }[];
      last_updated: string;
    };
    expect(data.evses.map((e) => [e.uid, e.status, e.connectors.length])).toEqual([
      ['E1', 'CHARGING', 1],
      ['E2', 'AVAILABLE', 2],
    ]);
    // 2.2+: a change below a Location sets the Location's last_updated too.
    expect(data.last_updated).toBe('2025-03-01T11:59:00Z');
  });
});

describe('token encoding', () => {
  it('accepts the other encoding too, since peers of every version get it wrong', async () => {
    const body = ocpiLocation('2.2.1', {
      id: 'X1',
      lat: 52.1,
      lon: 5.1,
      lastUpdated: '2025-03-01T11:00:00Z',
      evses: [],
    });
    expect((await atlas.push('PUT', '2.2.1', '/NL/TNM/X1', body, { encoding: 'raw' })).status).toBe(201);
    const body211 = ocpiLocation('2.1.1', {
      id: 'X2',
      lat: 52.1,
      lon: 5.1,
      lastUpdated: '2025-03-01T11:00:00Z',
      evses: [],
    });
    expect((await atlas.push('PUT', '2.1.1', '/NL/TNM/X2', body211, { encoding: 'base64' })).status).toBe(
      201,
    );
  });

  it('accepts a base64 token with the trailing newline the spec examples encode', async () => {
    const res = await fetch(`${atlas.url}/ocpi/versions`, {
      headers: { Authorization: `Token ${Buffer.from(`${TOKEN_NL}\n`).toString('base64')}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { version: string; url: string }[] };
    expect(body.data.map((v) => v.version)).toEqual(['2.1.1', '2.2.1', '2.3.0']);
    expect(body.data[1]!.url).toBe(`${atlas.url}/ocpi/2.2.1/details`);
  });

  it('publishes the receiver endpoints in version details, with roles from 2.2 on', async () => {
    const d211 = await atlas.push('GET', '2.1.1', '', undefined, { module: 'details' });
    expect(d211.body.data).toEqual({
      version: '2.1.1',
      endpoints: [
        { identifier: 'credentials', url: `${atlas.url}/ocpi/2.1.1/credentials` },
        { identifier: 'locations', url: `${atlas.url}/ocpi/2.1.1/receiver/locations` },
        { identifier: 'tariffs', url: `${atlas.url}/ocpi/2.1.1/receiver/tariffs` },
      ],
    });
    const d230 = await atlas.push('GET', '2.3.0', '', undefined, { module: 'details' });
    expect(
      (d230.body.data as { endpoints: { identifier: string; role: string }[] }).endpoints.map((e) => [
        e.identifier,
        e.role,
      ]),
    ).toEqual([
      ['credentials', 'SENDER'],
      ['locations', 'SENDER'],
      ['tariffs', 'SENDER'],
      ['locations', 'RECEIVER'],
      ['tariffs', 'RECEIVER'],
    ]);
  });
});

describe('2.2+ transport headers', () => {
  it('echoes X-Request-ID and X-Correlation-ID and swaps the routing headers', async () => {
    const body = ocpiLocation('2.2.1', {
      id: 'H1',
      lat: 52.1,
      lon: 5.1,
      lastUpdated: '2025-03-01T11:00:00Z',
      evses: [],
    });
    const res = await fetch(`${atlas.url}/ocpi/2.2.1/receiver/locations/NL/TNM/H1`, {
      method: 'PUT',
      headers: {
        Authorization: `Token ${Buffer.from(TOKEN_NL).toString('base64')}`,
        'Content-Type': 'application/json',
        'X-Request-ID': 'req-0f3c',
        'X-Correlation-ID': 'corr-77aa',
        'OCPI-from-country-code': 'NL',
        'OCPI-from-party-id': 'TNM',
        'OCPI-to-country-code': 'NL',
        'OCPI-to-party-id': 'OCA',
      },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('req-0f3c');
    expect(res.headers.get('x-correlation-id')).toBe('corr-77aa');
    expect([res.headers.get('ocpi-to-country-code'), res.headers.get('ocpi-to-party-id')]).toEqual([
      'NL',
      'TNM',
    ]);
    expect([res.headers.get('ocpi-from-country-code'), res.headers.get('ocpi-from-party-id')]).toEqual([
      'NL',
      'OCA',
    ]);
  });
});

describe('push and pull share one write path', () => {
  it('records a status change seen in a pull exactly like a pushed one, apart from via', async () => {
    const { applyLocationPage, ocpiItem } = await import('../../../src/ingest/apply-page.js');
    const { normalizeLocation } = await import('../../../src/model/normalize-location.js');
    const { startRun, zeroCounters } = await import('../../../src/ingest/run-record.js');
    const raw = (status: string, at: string) =>
      ocpiLocation('2.2.1', {
        id: 'P1',
        lat: 52.1,
        lon: 5.1,
        lastUpdated: at,
        evses: [{ uid: 'E1', status, lastUpdated: at }],
      });
    const runId = await startRun(atlas.db, 'cpo-nl', 'full', '2025-03-01T12:00:00Z', null);
    const ctx = {
      db: atlas.db,
      sourceId: 'cpo-nl',
      runId,
      now: '2025-03-01T12:00:00Z',
      counters: zeroCounters(),
      seen: new Map(),
    };
    await applyLocationPage(
      [ocpiItem(raw('AVAILABLE', '2025-03-01T10:00:00Z'), (r) => normalizeLocation(r, '2.2.1'))],
      ctx,
    );
    await atlas.push('PATCH', '2.2.1', '/NL/TNM/P1/E1', {
      status: 'CHARGING',
      last_updated: '2025-03-01T10:30:00Z',
    });
    ctx.seen = new Map();
    await applyLocationPage(
      [ocpiItem(raw('AVAILABLE', '2025-03-01T11:00:00Z'), (r) => normalizeLocation(r, '2.2.1'))],
      ctx,
    );
    const epk = evseKey(locationKey('cpo-nl', 'NL', 'TNM', 'P1'), 'E1');
    const events = await atlas.db.all(
      'SELECT evse_pk, location_pk, old_status, new_status, occurred_at, via FROM evse_status_events ORDER BY id',
    );
    const lpk = locationKey('cpo-nl', 'NL', 'TNM', 'P1');
    expect(events).toEqual([
      {
        evse_pk: epk,
        location_pk: lpk,
        old_status: null,
        new_status: 'AVAILABLE',
        occurred_at: '2025-03-01T10:00:00Z',
        via: 'pull',
      },
      {
        evse_pk: epk,
        location_pk: lpk,
        old_status: 'AVAILABLE',
        new_status: 'CHARGING',
        occurred_at: '2025-03-01T10:30:00Z',
        via: 'push',
      },
      {
        evse_pk: epk,
        location_pk: lpk,
        old_status: 'CHARGING',
        new_status: 'AVAILABLE',
        occurred_at: '2025-03-01T11:00:00Z',
        via: 'pull',
      },
    ]);
  });
});
