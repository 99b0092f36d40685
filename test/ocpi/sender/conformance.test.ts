// The sender as an eMSP's OCPI client sees it: our own client library crawling it in the paging
// styles it supports, both current versions, refusals in OCPI's envelope, and the push outbox
// towards a receiver that is down for a while.
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listClients, registerClient } from '../../../src/db/queries/ocpi-clients.js';
import { demoLocations } from '../../../src/fake-cpo/demo-data.js';
import type { OcpiVersion } from '../../../src/model/types.js';
import { createOcpiClient, formatOcpiDateTime } from '../../../src/ocpi/client/index.js';
import { fetchPage, firstPageUrl, nextPageUrl, pullPages } from '../../../src/ocpi/client/pages.js';
import { mintToken, tokenDigest } from '../../../src/ocpi/receiver/token-hash.js';
import { type ServedApp, serveApp } from '../../helpers/serve.js';
import { CPO_PUSH_TOKEN, type SenderAtlas, startSenderAtlas } from './harness.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed OCPI answers, checked by the assertions that read them
type Json = any;

let a: SenderAtlas;
let tokenA: string;
let tokenC: string;
let clientId: string;
const received: { method: string; path: string; body: Json }[] = [];
let receiverUp = true;
let receiver: ServedApp;
const published = demoLocations().locations.filter((l) => l.publish);

beforeAll(async () => {
  a = await startSenderAtlas();
  // A subscriber's Locations receiver that records what it gets and can be switched off.
  const app = new Hono();
  app.on(['PUT', 'PATCH', 'DELETE'], '/ocpi/2.2.1/locations/*', async (c) => {
    if (!receiverUp) return c.text('down for maintenance', 503);
    received.push({ method: c.req.method, path: c.req.path, body: await c.req.json().catch(() => null) });
    return c.json({ status_code: 1000, timestamp: new Date().toISOString() });
  });
  receiver = await serveApp(app);
  clientId = (await a.addClient('Conformance eMSP')).id;
  // A second client that has not registered yet: its token A opens versions and credentials only.
  tokenA = (await a.addClient('Waiting eMSP')).tokenA;
  // The first is registered as the credentials handshake leaves it (the handshake itself is run by
  // the round-trip test).
  tokenC = mintToken();
  await registerClient(a.db, clientId, {
    tokenCDigest: await tokenDigest(tokenC),
    theirToken: 'their-token-b',
    version: '2.2.1',
    versionsUrl: `${receiver.url}/ocpi/versions`,
    tokenEncoding: 'base64',
    parties: [{ country_code: 'NL', party_id: 'EMS' }],
    locationsUrl: `${receiver.url}/ocpi/2.2.1/locations`,
    tariffsUrl: null,
    now: new Date().toISOString(),
  });
});

afterAll(async () => {
  await a.close();
  await receiver.close();
});

const client = () => createOcpiClient({ retries: 0 });
const auth = (token: string, version: OcpiVersion) =>
  `Token ${version === '2.1.1' ? token : Buffer.from(token).toString('base64')}`;
async function get(path: string, token: string | null, version: OcpiVersion = '2.2.1', headers = {}) {
  const res = await fetch(`${a.url}/ocpi/${path}`, {
    headers: { ...(token ? { Authorization: auth(token, version) } : {}), ...headers },
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
}

describe.each(['2.2.1', '2.3.0'] as const)('paging over OCPI %s', (version) => {
  const request = () => ({ token: tokenC, tokenEncoding: 'base64' as const, version });
  const moduleUrl = () => `${a.url}/ocpi/${version}/sender/locations`;

  it('following Link: every published location exactly once, nothing unpublished', async () => {
    const ids: string[] = [];
    let pages = 0;
    for await (const page of pullPages(moduleUrl(), { ...request(), limit: 7 }, client())) {
      pages++;
      expect(page.totalCount).toBe(published.length);
      expect(page.xLimit).toBe(1000);
      for (const l of page.items as Json[]) ids.push(l.id);
    }
    expect(pages).toBe(Math.ceil(published.length / 7));
    expect(ids.sort()).toEqual(published.map((l) => l.id).sort());
  });

  it('stepping the offset by X-Total-Count, as clients that ignore Link do', async () => {
    const ids: string[] = [];
    let url: string | null = firstPageUrl(moduleUrl(), { limit: 40 });
    while (url) {
      const page = await fetchPage(url, request(), client());
      for (const l of page.items as Json[]) ids.push(l.id);
      url = nextPageUrl(url, { ...page, link: null }, null, 40).next;
    }
    expect(ids.sort()).toEqual(published.map((l) => l.id).sort());
  });

  it('chained date windows (from inclusive, to exclusive) split the set without overlap or gap', async () => {
    const stamps = published.map((l) => l.last_updated).sort();
    const middle = formatOcpiDateTime(stamps[Math.floor(stamps.length / 2)]!);
    const crawl = async (w: { dateFrom?: string; dateTo?: string }) => {
      const ids: string[] = [];
      for await (const page of pullPages(moduleUrl(), { ...request(), ...w, limit: 50 }, client()))
        for (const l of page.items as Json[]) ids.push(l.id);
      return ids;
    };
    const before = await crawl({ dateTo: middle });
    const after = await crawl({ dateFrom: middle });
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(before.filter((id) => after.includes(id))).toEqual([]);
    expect([...before, ...after].sort()).toEqual(published.map((l) => l.id).sort());
  });

  it('caps a limit above its maximum and says so in X-Limit and the next link', async () => {
    const r = await get(`${version}/sender/locations?limit=5000&offset=0`, tokenC, version);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-limit')).toBe('1000');
    expect(r.body.data.length).toBe(published.length);
    expect(r.headers.get('link')).toBeNull();
    const tariffs = await get(`${version}/sender/tariffs`, tokenC, version);
    expect(tariffs.body.data.map((t: Json) => t.id).sort()).toEqual(
      demoLocations()
        .tariffs.map((t) => t.id)
        .sort(),
    );
  });

  it('answers one location, EVSE, connector and tariff by owner ids, in the path or by routing headers', async () => {
    const l = published[3]!;
    const evse = l.evses[0]!;
    const byPath = await get(`${version}/sender/locations/NL/DEM/${l.id}`, tokenC, version);
    expect(byPath.body.status_code).toBe(1000);
    expect(byPath.body.data.id).toBe(l.id);
    expect(byPath.body.data.country_code).toBe('NL');
    const byHeaders = await get(`${version}/sender/locations/${l.id}/${evse.uid}`, tokenC, version, {
      'OCPI-to-country-code': 'NL',
      'OCPI-to-party-id': 'DEM',
    });
    expect(byHeaders.body.data.uid).toBe(evse.uid);
    const connector = await get(`${version}/sender/locations/NL/DEM/${l.id}/${evse.uid}/1`, tokenC, version);
    expect(connector.body.data.id).toBe('1');
    const tariff = await get(`${version}/sender/tariffs/NL/DEM/DC-FAST`, tokenC, version);
    expect(tariff.body.data.id).toBe('DC-FAST');
  });
});

describe('refusals in the OCPI envelope', () => {
  it('401 for a wrong token, for token A on a module, for a CPO push token and for no token', async () => {
    for (const token of ['not-a-token', tokenA, CPO_PUSH_TOKEN, null]) {
      const r = await get('2.2.1/sender/locations', token);
      expect(r.status).toBe(401);
      expect(r.body.status_code).toBe(2000);
      expect(r.body.timestamp).toMatch(/Z$/);
      expect(r.body.data).toBeUndefined();
    }
    // Token A still opens versions and details (to register).
    expect((await get('versions', tokenA)).status).toBe(200);
  });

  it('2003 for unknown ids, and unpublished locations are unknown', async () => {
    const hidden = demoLocations().locations.find((l) => !l.publish)!;
    const l = published[0]!;
    for (const path of [
      'locations/NL/DEM/NOPE',
      `locations/NL/DEM/${hidden.id}`,
      `locations/NL/XXX/${l.id}`,
      `locations/NL/DEM/${l.id}/NOPE`,
      `locations/NL/DEM/${l.id}/${l.evses[0]!.uid}/9`,
      'tariffs/NL/DEM/NOPE',
    ]) {
      const r = await get(`2.2.1/sender/${path}`, tokenC);
      expect(r.status, path).toBe(404);
      expect(r.body.status_code, path).toBe(2003);
    }
  });

  it('2001 for bad parameters', async () => {
    for (const q of [
      'offset=-1',
      'offset=abc',
      'limit=0',
      'limit=1.5',
      'date_from=yesterday',
      'date_to=2026-13-45T00:00:00Z',
      // A day the calendar does not have: Date.parse alone rolled it over to March 2.
      'date_from=2026-02-30T00:00:00Z',
      'date_to=2026-11-31T10:00:00',
      'date_from=2026-01-02T00:00:00Z&date_to=2026-01-01T00:00:00Z',
    ]) {
      const r = await get(`2.2.1/sender/locations?${q}`, tokenC);
      expect(r.body.status_code, q).toBe(2001);
    }
    const r = await get(`2.2.1/sender/locations/${published[0]!.id}`, tokenC);
    expect(r.body.status_code).toBe(2001);
  });
});

describe('tokens at rest', () => {
  it('the database file holds no working token, only digests', async () => {
    const bytes =
      readFileSync(a.cpo.dbFile).toString('latin1') + readFileSync(`${a.cpo.dbFile}-wal`).toString('latin1');
    expect(bytes.includes(tokenC)).toBe(false);
    expect(bytes.includes(tokenA)).toBe(false);
    expect(bytes.includes(await tokenDigest(tokenC))).toBe(true);
  });
});

describe('a subscriber whose receiver is down for a while', () => {
  it('builds a backlog, then gets every status change in order once it is back', async () => {
    await a.outbox.drain();
    received.length = 0;
    receiverUp = false;
    const l = published[5]!;
    const uid = l.evses[0]!.uid;
    const sequence = ['CHARGING', 'AVAILABLE', 'BLOCKED', 'CHARGING', 'AVAILABLE', 'OUTOFORDER'];
    const start = Date.now();
    for (const [i, status] of sequence.entries()) {
      const res = await fetch(`${a.url}/ocpi/2.2.1/receiver/locations/NL/DEM/${l.id}/${uid}`, {
        method: 'PATCH',
        headers: { Authorization: auth(CPO_PUSH_TOKEN, '2.2.1'), 'Content-Type': 'application/json' },
        body: JSON.stringify({ status, last_updated: formatOcpiDateTime(new Date(start + i * 1000)) }),
      });
      expect(res.status).toBe(200);
    }
    let listed = (await listClients(a.db)).find((c) => c.id === clientId)!;
    for (let i = 0; i < 100 && listed.failures === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      listed = (await listClients(a.db)).find((c) => c.id === clientId)!;
    }
    expect(listed.backlog).toBe(sequence.length);
    const queuedIds = await a.db.all<{ id: number }>(
      'SELECT id FROM ocpi_outbox WHERE client_id = ? ORDER BY id',
      [clientId],
    );
    expect(listed.oldest_queued_id).toBe(queuedIds[0]?.id);
    expect(listed.failures).toBeGreaterThan(0);
    expect(listed.last_error).toMatch(/503/);
    expect(received).toEqual([]);

    receiverUp = true;
    for (let i = 0; i < 200 && (await listClients(a.db)).find((c) => c.id === clientId)!.backlog > 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const statuses = received.filter((r) => r.path.endsWith(`/${uid}`)).map((r) => [r.method, r.body.status]);
    expect(statuses).toEqual(sequence.map((s) => ['PATCH', s]));
    expect(received.every((r) => r.path.startsWith(`/ocpi/2.2.1/locations/NL/DEM/${l.id}`))).toBe(true);
    const after = (await listClients(a.db)).find((c) => c.id === clientId)!;
    expect(after.backlog).toBe(0);
    expect(after.oldest_queued_id).toBeNull();
    expect(after.failures).toBe(0);
  });
});
