import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import {
  base64Token,
  OcpiBodyError,
  OcpiClientError,
  OcpiHttpError,
  OcpiNetworkError,
  OcpiStatusError,
  OcpiTimeoutError,
  ocpiFetch,
  pullPages,
} from '../../../src/ocpi/client/index.js';
import { type ServedApp, serveApp } from '../../helpers/serve.js';
import { drain, type RunningCpo, startCpo, testClient } from './peer.js';

const token = 'fake-cpo-token';
const get = { token, tokenEncoding: 'base64' as const, version: '2.2.1' as const };

let cpo: RunningCpo | undefined;
let other: ServedApp | undefined;
afterEach(async () => {
  await cpo?.close();
  await other?.close();
  cpo = undefined;
  other = undefined;
});

describe('ocpiFetch retries', () => {
  it('honours Retry-After seconds on 503 and then succeeds', async () => {
    cpo = await startCpo({
      fault: '503-retry-after',
      faultOptions: { page: 1, times: 2, retryAfterSeconds: 1 },
    });
    const { client, sleeps } = testClient();
    const reply = await ocpiFetch(`${cpo.moduleUrl('locations')}?offset=0`, get, client);
    expect(reply.status).toBe(200);
    expect(sleeps).toEqual([1000, 1000]);
    expect(client.stats).toMatchObject({ requests: 3, retries: 2, failures: 0 });
  });

  it('honours an HTTP-date Retry-After on 429, capped so a CPO cannot park a sync for hours', async () => {
    let calls = 0;
    const app = new Hono().get('/x', (c) => {
      calls++;
      if (calls === 1)
        return c.text('slow down', 429, { 'Retry-After': new Date(Date.now() + 3_600_000).toUTCString() });
      return c.json({ data: [], status_code: 1000, timestamp: '2025-01-01T00:00:00Z' });
    });
    other = await serveApp(app);
    const { client, sleeps } = testClient({ retryAfterMaxMs: 5_000 });
    await ocpiFetch(`${other.url}/x`, get, client);
    expect(sleeps).toEqual([5_000]);
  });

  it('backs off exponentially with full jitter on 500, then gives up with a retryable OcpiHttpError', async () => {
    cpo = await startCpo({ fault: '500', faultOptions: { page: 1 } });
    const { client, sleeps } = testClient({ retries: 3, backoffBaseMs: 100, random: () => 0.5 });
    const err = await ocpiFetch(`${cpo.moduleUrl('locations')}?offset=0`, get, client).catch((e) => e);
    expect(err).toBeInstanceOf(OcpiHttpError);
    expect(err).toMatchObject({ status: 500, retryable: true });
    expect(sleeps).toEqual([50, 100, 200]);
    expect(client.stats).toMatchObject({ requests: 4, retries: 3, failures: 1 });
  });

  it('does not retry 401 or 404', async () => {
    cpo = await startCpo();
    const { client } = testClient();
    const unauthorized = await ocpiFetch(
      cpo.moduleUrl('locations'),
      { ...get, token: 'wrong-token' },
      client,
    ).catch((e) => e);
    expect(unauthorized).toMatchObject({ name: 'OcpiHttpError', status: 401, retryable: false });
    const missing = await ocpiFetch(`${cpo.url}/ocpi/2.2.1/nothing-here`, get, client).catch((e) => e);
    expect(missing).toMatchObject({ status: 404, retryable: false });
    expect(client.stats).toMatchObject({ requests: 2, retries: 0 });
  });

  it('retries a non-idempotent POST on 503 but not on 500', async () => {
    let calls = 0;
    const app = new Hono()
      .post('/busy', (c) => (++calls === 1 ? c.text('busy', 503) : c.json({ status_code: 1000, data: {} })))
      .post('/broken', (c) => c.text('boom', 500));
    other = await serveApp(app);
    const { client } = testClient();
    await ocpiFetch(`${other.url}/busy`, { ...get, method: 'POST', body: {}, idempotent: false }, client);
    expect(client.stats.retries).toBe(1);
    const err = await ocpiFetch(
      `${other.url}/broken`,
      { ...get, method: 'POST', body: {}, idempotent: false },
      client,
    ).catch((e) => e);
    expect(err).toMatchObject({ status: 500 });
    expect(client.stats.retries).toBe(1);
  });

  it('times out a request that never answers, retrying it first', async () => {
    cpo = await startCpo({ fault: 'timeout', faultOptions: { page: 1 } });
    const { client, sleeps } = testClient({ timeoutMs: 200, retries: 1 });
    const err = await ocpiFetch(`${cpo.moduleUrl('locations')}?offset=0`, get, client).catch((e) => e);
    expect(err).toBeInstanceOf(OcpiTimeoutError);
    expect(err.timeoutMs).toBe(200);
    expect(sleeps).toHaveLength(1);
    expect(client.stats.requests).toBe(2);
  });

  it('turns a refused connection into a retryable OcpiNetworkError', async () => {
    other = await serveApp(new Hono());
    const deadUrl = `${other.url}/ocpi/versions`;
    await other.close();
    other = undefined;
    const { client } = testClient({ retries: 2 });
    const err = await ocpiFetch(deadUrl, get, client).catch((e) => e);
    expect(err).toBeInstanceOf(OcpiNetworkError);
    expect(err.retryable).toBe(true);
    expect(client.stats.requests).toBe(3);
  });
});

describe('ocpiFetch concurrency and headers', () => {
  it('never has more requests in flight than the client allows', async () => {
    let active = 0;
    let peak = 0;
    const app = new Hono().get('/slow', async (c) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setTimeout(resolve, 40));
      active--;
      return c.json({ status_code: 1000, data: [] });
    });
    other = await serveApp(app);
    const { client } = testClient({ concurrency: 2 });
    await Promise.all(Array.from({ length: 8 }, () => ocpiFetch(`${other!.url}/slow`, get, client)));
    expect(peak).toBe(2);
    expect(client.stats.maxInFlight).toBe(2);
    expect(client.stats.requests).toBe(8);
  });

  it('sends a new X-Request-ID per request and one X-Correlation-ID per crawl on 2.2+, none on 2.1.1', async () => {
    cpo = await startCpo({ pageSize: 100 });
    const { client } = testClient();
    await drain(pullPages(cpo.moduleUrl('locations'), get, client));
    const pages = cpo.fake.requests;
    expect(pages).toHaveLength(3);
    expect(new Set(pages.map((r) => r.requestId)).size).toBe(3);
    expect(new Set(pages.map((r) => r.correlationId)).size).toBe(1);
    expect(pages[0]?.correlationId).toMatch(/^[0-9a-f-]{36}$/);

    await cpo.close();
    cpo = await startCpo({ versions: ['2.1.1'] });
    await ocpiFetch(cpo.moduleUrl('locations'), { ...get, tokenEncoding: 'raw', version: '2.1.1' }, client);
    expect(cpo.fake.requests[0]).toMatchObject({
      requestId: null,
      correlationId: null,
      auth: { encoding: 'raw' },
    });
  });
});

describe('secrets in errors', () => {
  const secret = 'sEcReT-token-4711';
  const forms = [secret, base64Token(secret)];
  const expectNoSecret = (err: unknown) => {
    expect(err).toBeInstanceOf(OcpiClientError);
    const e = err as OcpiClientError;
    const shown = [e.message, String(e), e.url, JSON.stringify(e), e.stack ?? ''].join('\n');
    for (const form of forms) expect(shown).not.toContain(form);
  };

  it('keeps the token out of every kind of failure, even when the peer echoes it', async () => {
    const echo = (c: { req: { header(n: string): string | undefined } }) =>
      `refused ${c.req.header('authorization')} / ${secret}`;
    const app = new Hono()
      .get('/401', (c) => c.json({ status_code: 2000, status_message: echo(c) }, 401))
      .get('/500', (c) => c.text(echo(c), 500))
      .get('/3000', (c) => c.json({ status_code: 3000, status_message: echo(c), timestamp: 'x' }))
      .get('/bad', (c) => c.body(`{"data": [${secret}`, 200))
      .get('/hang', () => new Promise<Response>(() => {}));
    other = await serveApp(app);
    // The answering routes must answer within it on a loaded machine; only /hang runs into it.
    const { client } = testClient({ retries: 1, timeoutMs: 1_000 });
    const call = { token: secret, tokenEncoding: 'base64' as const, version: '2.2.1' as const };
    const withTokenInUrl = (path: string) => `${other!.url}${path}?access_token=${secret}`;

    const e401 = await ocpiFetch(withTokenInUrl('/401'), call, client).catch((e) => e);
    expect(e401).toBeInstanceOf(OcpiHttpError);
    expect(e401.message).toContain('refused');
    expectNoSecret(e401);
    expectNoSecret(await ocpiFetch(withTokenInUrl('/500'), call, client).catch((e) => e));
    const hang = await ocpiFetch(withTokenInUrl('/hang'), call, client).catch((e) => e);
    expect(hang).toBeInstanceOf(OcpiTimeoutError);
    expectNoSecret(hang);
    const userInfo = `${other.url.replace('127.0.0.1', `user:${secret}@127.0.0.1`)}/500`;
    expectNoSecret(await ocpiFetch(userInfo, call, client).catch((e) => e));
    const bad = await ocpiFetch(withTokenInUrl('/bad'), call, client).catch((e) => e);
    expect(bad).toBeInstanceOf(OcpiBodyError);
    expectNoSecret(bad);
    const status = await drain(pullPages(withTokenInUrl('/3000'), call, client));
    expect(status.error).toBeInstanceOf(OcpiStatusError);
    expectNoSecret(status.error);
  });
});
