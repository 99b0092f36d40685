// Every refused push gets the HTTP and OCPI status the digest gives (SPEC-DIGEST §1, §2), and the
// store is byte for byte what it was before it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OcpiVersion } from '../../../src/model/types.js';
import {
  type Atlas,
  cpoSource,
  dumpStore,
  ocpiConnector,
  ocpiEvse,
  ocpiLocation,
  startAtlas,
  TOKEN_DE,
  TOKEN_NL,
} from './push-harness.js';

let atlas: Atlas;
const T0 = '2025-03-01T10:00:00Z';

beforeAll(async () => {
  atlas = await startAtlas({
    sources: [
      // One CPO with two parties of its own, so "own party but not the path's" can be tried.
      cpoSource('cpo-nl', TOKEN_NL, [
        { country_code: 'NL', party_id: 'TNM' },
        { country_code: 'NL', party_id: 'TN2' },
      ]),
      cpoSource('cpo-de', TOKEN_DE, [{ country_code: 'DE', party_id: 'ABC' }]),
    ],
  });
  for (const [version, id] of [
    ['2.2.1', 'LOC-1'],
    ['2.1.1', 'LOC-211'],
  ] as const) {
    const put = await atlas.push(
      'PUT',
      version,
      `/NL/TNM/${id}`,
      ocpiLocation(version, {
        id,
        lat: 52.09,
        lon: 5.12,
        lastUpdated: T0,
        evses: [{ uid: 'E1', status: 'AVAILABLE' }],
      }),
    );
    expect(put.status).toBe(201);
  }
  const de = await atlas.push(
    'PUT',
    '2.2.1',
    '/DE/ABC/LOC-DE',
    ocpiLocation('2.2.1', {
      id: 'LOC-DE',
      cc: 'DE',
      pid: 'ABC',
      lat: 48.1,
      lon: 11.5,
      lastUpdated: T0,
      evses: [{ uid: 'E1', status: 'AVAILABLE' }],
    }),
    { token: TOKEN_DE },
  );
  expect(de.status).toBe(201);
});
afterAll(async () => {
  await atlas.close();
});

const location = (id: string, extra: Record<string, unknown> = {}) => ({
  ...ocpiLocation('2.2.1', {
    id,
    lat: 52.1,
    lon: 5.1,
    lastUpdated: '2025-03-01T11:00:00Z',
    evses: [{ uid: 'E9', status: 'CHARGING' }],
  }),
  ...extra,
});

interface Case {
  name: string;
  method: 'PUT' | 'PATCH';
  version?: OcpiVersion;
  path: string;
  body?: unknown;
  rawBody?: string;
  token?: string;
  authorization?: string | null;
  http: number;
  ocpi: number;
}

const CASES: Case[] = [
  {
    name: "PUT to another party's path",
    method: 'PUT',
    path: '/DE/ABC/LOC-DE',
    body: location('LOC-DE', { country_code: 'DE', party_id: 'ABC' }),
    http: 404,
    ocpi: 2000,
  },
  {
    name: "PATCH of another party's EVSE",
    method: 'PATCH',
    path: '/DE/ABC/LOC-DE/E1',
    body: { status: 'CHARGING', last_updated: '2025-03-01T11:00:00Z' },
    http: 404,
    ocpi: 2000,
  },
  {
    name: "a body naming another CPO's party",
    method: 'PUT',
    path: '/NL/TNM/LOC-1',
    body: location('LOC-1', { country_code: 'DE', party_id: 'ABC' }),
    http: 404,
    ocpi: 2000,
  },
  {
    name: 'a body naming an own party other than the path',
    method: 'PUT',
    path: '/NL/TNM/LOC-1',
    body: location('LOC-1', { party_id: 'TN2' }),
    http: 200,
    ocpi: 2001,
  },
  {
    name: 'an unknown token',
    method: 'PUT',
    path: '/NL/TNM/NEW-1',
    body: location('NEW-1'),
    token: 'not-a-token-we-issued',
    http: 401,
    ocpi: 2000,
  },
  {
    name: 'no Authorization header',
    method: 'PUT',
    path: '/NL/TNM/NEW-1',
    body: location('NEW-1'),
    authorization: null,
    http: 401,
    ocpi: 2000,
  },
  {
    name: 'a PATCH of an EVSE without last_updated (2.2+)',
    method: 'PATCH',
    path: '/NL/TNM/LOC-1/E1',
    body: { status: 'CHARGING' },
    http: 200,
    ocpi: 2001,
  },
  {
    name: 'a PATCH of a Location without last_updated (2.2+)',
    method: 'PATCH',
    version: '2.3.0',
    path: '/NL/TNM/LOC-1',
    body: { name: 'Renamed' },
    http: 200,
    ocpi: 2001,
  },
  {
    name: 'a location id in the body that is not the path',
    method: 'PUT',
    path: '/NL/TNM/LOC-1',
    body: location('LOC-2'),
    http: 200,
    ocpi: 2001,
  },
  {
    name: 'an EVSE uid in the body that is not the path',
    method: 'PUT',
    path: '/NL/TNM/LOC-1/E1',
    body: ocpiEvse('2.2.1', { uid: 'E2', status: 'CHARGING' }, '2025-03-01T11:00:00Z'),
    http: 200,
    ocpi: 2001,
  },
  {
    name: 'an EVSE uid in a PATCH that is not the path',
    method: 'PATCH',
    path: '/NL/TNM/LOC-1/E1',
    body: { uid: 'E2', status: 'CHARGING', last_updated: '2025-03-01T11:00:00Z' },
    http: 200,
    ocpi: 2001,
  },
  {
    name: 'a connector id in the body that is not the path',
    method: 'PUT',
    path: '/NL/TNM/LOC-1/E1/1',
    body: ocpiConnector('2.2.1', '7', 22_000, '2025-03-01T11:00:00Z'),
    http: 200,
    ocpi: 2001,
  },
  {
    name: 'ids differing only in case in 2.1.1 (case-sensitive there)',
    method: 'PUT',
    version: '2.1.1',
    path: '/NL/TNM/LOC-211',
    body: ocpiLocation('2.1.1', {
      id: 'loc-211',
      lat: 52.1,
      lon: 5.1,
      lastUpdated: '2025-03-01T11:00:00Z',
      evses: [],
    }),
    http: 200,
    ocpi: 2001,
  },
  {
    name: 'a body that is not JSON',
    method: 'PUT',
    path: '/NL/TNM/NEW-1',
    rawBody: '{"id": "NEW-1", "coordinates": ',
    http: 400,
    ocpi: 2000,
  },
  {
    name: 'a JSON body that is not an object',
    method: 'PATCH',
    path: '/NL/TNM/LOC-1/E1',
    rawBody: '["CHARGING"]',
    http: 200,
    ocpi: 2001,
  },
  {
    name: 'a Location without coordinates',
    method: 'PUT',
    path: '/NL/TNM/NEW-1',
    body: { ...location('NEW-1'), coordinates: undefined },
    http: 200,
    ocpi: 2001,
  },
  {
    name: 'a PATCH field of the wrong type',
    method: 'PATCH',
    path: '/NL/TNM/LOC-1/E1',
    body: { status: 'CHARGING', connectors: 'none', last_updated: '2025-03-01T11:00:00Z' },
    http: 200,
    ocpi: 2001,
  },
  {
    name: 'a last_updated that is no DateTime',
    method: 'PATCH',
    path: '/NL/TNM/LOC-1/E1',
    body: { status: 'CHARGING', last_updated: 'yesterday' },
    http: 200,
    ocpi: 2001,
  },
  {
    name: 'a PATCH of an EVSE we do not hold',
    method: 'PATCH',
    path: '/NL/TNM/LOC-1/E404',
    body: { status: 'CHARGING', last_updated: '2025-03-01T11:00:00Z' },
    http: 404,
    ocpi: 2003,
  },
  {
    name: 'a PUT of an EVSE of a location we do not hold',
    method: 'PUT',
    path: '/NL/TNM/NOPE/E1',
    body: ocpiEvse('2.2.1', { uid: 'E1', status: 'CHARGING' }, '2025-03-01T11:00:00Z'),
    http: 404,
    ocpi: 2003,
  },
  {
    name: 'an unsupported version',
    method: 'PUT',
    version: '2.2' as OcpiVersion,
    path: '/NL/TNM/NEW-1',
    body: location('NEW-1'),
    http: 404,
    ocpi: 3002,
  },
];

describe('refused pushes', () => {
  it.each(CASES)('$name: HTTP $http, OCPI $ocpi, nothing written', async (c) => {
    const before = await dumpStore(atlas.db);
    const version = c.version ?? '2.2.1';
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (c.authorization !== null) {
      headers.Authorization = `Token ${Buffer.from(c.token ?? TOKEN_NL).toString('base64')}`;
    }
    const res = await fetch(`${atlas.url}/ocpi/${version}/receiver/locations${c.path}`, {
      method: c.method,
      headers,
      body: c.rawBody ?? JSON.stringify(c.body),
    });
    const body = (await res.json()) as { status_code: number; status_message?: string; timestamp: string };
    expect({ http: res.status, ocpi: body.status_code }).toEqual({ http: c.http, ocpi: c.ocpi });
    expect(body.status_message).toBeTruthy();
    expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(await dumpStore(atlas.db)).toEqual(before);
  });

  it('never echoes a token in a refusal', async () => {
    const res = await fetch(`${atlas.url}/ocpi/2.2.1/receiver/locations/DE/ABC/LOC-DE`, {
      method: 'PUT',
      headers: { Authorization: `Token ${TOKEN_NL}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(location('LOC-DE')),
    });
    const text = await res.text();
    expect(res.status).toBe(404);
    expect(text).not.toContain(TOKEN_NL);
    expect(text).not.toContain(Buffer.from(TOKEN_NL).toString('base64'));
  });
});
