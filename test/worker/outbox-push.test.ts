// Push delivery on Workers: a CPO pushes a location and a status change to the Worker's receiver,
// the triggers (created by the Worker, since D1 gets them from no open) queue both for an eMSP
// client in the same D1 batch, and the Cron handler delivers them to the client's receiver in
// order; a receiver that is down parks the client until a later invocation. The eMSP's receiver is
// the test's own fetch (the test shares the Worker's isolate), answering for one host.
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { d1Db } from '../../src/db/d1.js';
import { addClient, registerClient } from '../../src/db/queries/ocpi-clients.js';
import { demoLocations } from '../../src/fake-cpo/demo-data.js';
import { formatOcpiDateTime } from '../../src/ocpi/client/datetime.js';
import { count, fireCron } from './cron.js';
import { pushingSourceBindings, pushTo } from './push.js';

const PUSH_TOKEN = 'worker-push-token-4c2d';
// A source of its own: pushes for NL/DEM; its pulls go to a host that answers 503 (nothing synced).
const bindings = pushingSourceBindings('push-cpo', 'Pushing CPO', PUSH_TOKEN);
const EMSP = 'https://emsp.example/ocpi/2.2.1/locations';
const location = demoLocations().locations.find((l) => l.publish && l.evses.length > 0)!;
const uid = location.evses[0]!.uid;

interface Received {
  method: string;
  url: string;
  body: { status?: string; id?: string; evses?: { uid: string; status: string }[] };
}
const received: Received[] = [];
let emspUp = true;

/** The eMSP's receiver and the CPO's dead pull endpoint; every other URL goes out as usual. */
function fakeHosts() {
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (request.url.startsWith('https://cpo.example/')) return new Response('busy', { status: 503 });
    if (!request.url.startsWith('https://emsp.example/'))
      return Reflect.apply(realFetch, globalThis, [input, init]);
    if (!emspUp) return new Response('down', { status: 503 });
    received.push({ method: request.method, url: request.url, body: await request.json() });
    return Response.json({ status_code: 1000, timestamp: new Date().toISOString() });
  });
}

const push = pushTo(bindings, PUSH_TOKEN);

let clientId: string;
const backlog = () => count('SELECT count(*) AS n FROM ocpi_outbox WHERE client_id = ?', clientId);

beforeAll(async () => {
  const db = d1Db(env.DB);
  clientId = await addClient(db, 'Worker eMSP', 'digest-of-token-a', new Date().toISOString());
  await registerClient(db, clientId, {
    tokenCDigest: 'digest-of-token-c',
    theirToken: 'emsp-token-b',
    version: '2.2.1',
    versionsUrl: 'https://emsp.example/ocpi/versions',
    tokenEncoding: 'base64',
    parties: [],
    locationsUrl: EMSP,
    tariffsUrl: null,
    now: new Date().toISOString(),
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the push outbox on Workers', () => {
  it('queues pushed changes in D1 and delivers them from the Cron handler, in order', async () => {
    fakeHosts();
    const put = await push('PUT', location.id, location);
    expect([put.status, put.body.status_code]).toEqual([201, 1000]);
    const status = location.evses[0]!.status === 'CHARGING' ? 'AVAILABLE' : 'CHARGING';
    const at = formatOcpiDateTime(new Date(Date.now() - 60_000));
    const patch = await push('PATCH', `${location.id}/${uid}`, { status, last_updated: at });
    expect([patch.status, patch.body.status_code]).toEqual([200, 1000]);
    expect(await backlog()).toBeGreaterThanOrEqual(2);
    expect(received).toEqual([]);

    await fireCron(bindings);
    expect(await backlog()).toBe(0);
    const ours = received.filter((r) => r.url.startsWith(`${EMSP}/NL/DEM/${location.id}`));
    expect(ours[0]).toMatchObject({
      method: 'PUT',
      url: `${EMSP}/NL/DEM/${location.id}`,
      body: { id: location.id },
    });
    // Each new EVSE's first status is a change of its own (a PATCH repeating what the PUT showed);
    // the PUT shows this EVSE's status before the queued change, the PATCHes then go in order.
    const initial = location.evses[0]!.status;
    expect(ours[0]!.body.evses!.find((e) => e.uid === uid)?.status).toBe(initial);
    const patches = ours.filter((r) => r.url === `${EMSP}/NL/DEM/${location.id}/${uid}`);
    expect(patches.map((r) => [r.method, r.body.status])).toEqual([
      ['PATCH', initial],
      ['PATCH', status],
    ]);
    expect(ours.slice(1).every((r) => r.method === 'PATCH')).toBe(true);
  });

  it('parks the client while its receiver is down, and delivers at a later invocation', async () => {
    fakeHosts();
    received.length = 0;
    emspUp = false;
    const patch = await push('PATCH', `${location.id}/${uid}`, {
      status: 'BLOCKED',
      last_updated: formatOcpiDateTime(new Date(Date.now() - 30_000)),
    });
    expect(patch.body.status_code).toBe(1000);
    const now = Date.now();
    await fireCron(bindings, new Date(now));
    expect(await backlog()).toBe(1);
    const parked = await env.DB.prepare(
      'SELECT failures, retry_at, last_error FROM ocpi_clients WHERE id = ?',
    )
      .bind(clientId)
      .first<{ failures: number; retry_at: string | null; last_error: string | null }>();
    expect(parked?.failures).toBe(1);
    expect(parked?.last_error).toMatch(/503/);

    emspUp = true;
    await fireCron(bindings, new Date(now + 5 * 60_000));
    expect(await backlog()).toBe(0);
    expect(received.map((r) => [r.method, r.body.status])).toEqual([['PATCH', 'BLOCKED']]);
  });
});
