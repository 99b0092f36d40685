import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import type { OcpiVersion } from '../../../src/model/types.js';
import {
  authorizationHeader,
  defaultTokenEncoding,
  discover,
  OcpiHttpError,
  OcpiStatusError,
  ocpiFetch,
  pullPages,
  registerWithCpo,
  rotateCredentials,
} from '../../../src/ocpi/client/index.js';
import { serveApp } from '../../helpers/serve.js';
import { drain, idsOf, type RunningCpo, startCpo, testClient } from './peer.js';

const tokenA = 'token-A-given-offline-by-the-cpo';
const tokenB = 'token-B-minted-by-the-atlas';
const ourParty = { countryCode: 'NL', partyId: 'ATL', name: 'Open Charging Atlas' };

/** Our own versions, details and credentials endpoints, which the CPO must reach with token B. */
async function startUs(version: OcpiVersion, acceptedToken = tokenB) {
  const calls: { path: string; authorization: string | undefined }[] = [];
  const expected = authorizationHeader(acceptedToken, defaultTokenEncoding(version));
  const app = new Hono();
  app.use(async (c, next) => {
    calls.push({ path: c.req.path, authorization: c.req.header('authorization') });
    if (c.req.header('authorization') !== expected) {
      return c.json(
        { status_code: 2000, status_message: 'Unauthorized', timestamp: '2025-01-01T00:00:00Z' },
        401,
      );
    }
    await next();
  });
  const envelope = (data: unknown) => ({ data, status_code: 1000, timestamp: '2025-01-01T00:00:00Z' });
  const base = (url: string) => `${new URL(url).origin}/ocpi`;
  app.get('/ocpi/versions', (c) =>
    c.json(envelope([{ version, url: `${base(c.req.url)}/${version}/details` }])),
  );
  app.get(`/ocpi/${version}/details`, (c) => {
    const role = version === '2.1.1' ? {} : { role: 'RECEIVER' };
    return c.json(
      envelope({
        version,
        endpoints: [
          {
            identifier: 'credentials',
            ...(version === '2.1.1' ? {} : { role: 'SENDER' }),
            url: `${base(c.req.url)}/${version}/credentials`,
          },
          { identifier: 'locations', ...role, url: `${base(c.req.url)}/${version}/receiver/locations` },
        ],
      }),
    );
  });
  const served = await serveApp(app);
  return { calls, versionsUrl: `${served.url}/ocpi/versions`, close: served.close };
}

/** What registerWithCpo is given: the CPO's versions URL with token A, and ours with token B. */
const handshake = (
  cpo: RunningCpo,
  me: { versionsUrl: string },
  party: Parameters<typeof registerWithCpo>[0]['ourParty'] = ourParty,
) => ({
  versionsUrl: cpo.versionsUrl,
  tokenA,
  ourVersionsUrl: me.versionsUrl,
  ourTokenB: tokenB,
  ourParty: party,
});

let cpo: RunningCpo | undefined;
let us: Awaited<ReturnType<typeof startUs>> | undefined;
afterEach(async () => {
  await cpo?.close();
  await us?.close();
  cpo = undefined;
  us = undefined;
});

describe('registerWithCpo', () => {
  it.each<OcpiVersion>(['2.1.1', '2.2.1', '2.3.0'])(
    'completes the %s handshake: the CPO calls us back with B, we get C, C works and A is dead',
    async (version) => {
      cpo = await startCpo({ versions: [version], registration: { tokenA } });
      const me = await startUs(version);
      us = me;
      const { client } = testClient();

      const registration = await registerWithCpo(handshake(cpo, me), client);

      expect(registration).toMatchObject({ version, parties: [{ country_code: 'NL', party_id: 'DEM' }] });
      expect(registration.tokenC).toBe(cpo.fake.currentToken());
      expect(registration.tokenC).not.toBe(tokenA);
      expect(registration.endpoints.locations).toBe(cpo.moduleUrl('locations', version));
      // The CPO fetched our versions and details with token B, encoded as the version says.
      expect(me.calls.map((call) => call.path)).toEqual(['/ocpi/versions', `/ocpi/${version}/details`]);
      expect(new Set(me.calls.map((call) => call.authorization))).toEqual(
        new Set([authorizationHeader(tokenB, defaultTokenEncoding(version))]),
      );
      const sent = cpo.fake.peer()?.credentials as Record<string, unknown>;
      if (version === '2.1.1') {
        expect(sent).toEqual({
          token: tokenB,
          url: me.versionsUrl,
          business_details: { name: ourParty.name },
          party_id: 'ATL',
          country_code: 'NL',
        });
      } else {
        expect(sent).toEqual({
          token: tokenB,
          url: me.versionsUrl,
          roles: [
            { role: 'EMSP', business_details: { name: ourParty.name }, party_id: 'ATL', country_code: 'NL' },
          ],
        });
      }

      const withC = { token: registration.tokenC, tokenEncoding: registration.tokenEncoding, version };
      const pulled = await drain(pullPages(registration.endpoints.locations!, withC, client));
      expect(pulled.error).toBeNull();
      expect(idsOf(pulled.pages)).toHaveLength(300);

      const withA = { ...withC, token: tokenA };
      const refused = await drain(pullPages(registration.endpoints.locations!, withA, client));
      expect(refused.error).toBeInstanceOf(OcpiHttpError);
      expect(refused.error).toMatchObject({ status: 401 });
      const versionsWithA = await discover({ versionsUrl: cpo.versionsUrl, token: tokenA }, client).catch(
        (e) => e,
      );
      expect(versionsWithA).toMatchObject({ status: 401 });
    },
  );

  it('registers as an NSP when asked', async () => {
    cpo = await startCpo({ registration: { tokenA } });
    const me = await startUs('2.2.1');
    us = me;
    const { client } = testClient();
    await registerWithCpo(handshake(cpo, me, { ...ourParty, role: 'NSP' }), client);
    expect(cpo.fake.peer()?.credentials).toMatchObject({ roles: [{ role: 'NSP' }] });
  });

  it('reports OCPI 3001 when the CPO cannot reach us with token B, and token A stays usable', async () => {
    cpo = await startCpo({ registration: { tokenA } });
    const me = await startUs('2.2.1', 'some-other-token');
    us = me;
    const { client } = testClient();
    const input = handshake(cpo, me);
    const err = await registerWithCpo(input, client).catch((e) => e);
    expect(err).toBeInstanceOf(OcpiStatusError);
    expect(err.statusCode).toBe(3001);
    for (const secret of [tokenA, tokenB]) expect(err.message).not.toContain(secret);
    expect(cpo.fake.currentToken()).toBeNull();
    expect((await discover({ versionsUrl: cpo.versionsUrl, token: tokenA }, client)).version).toBe('2.2.1');
  });
});

describe('credentials module rules', () => {
  async function registered() {
    cpo = await startCpo({ registration: { tokenA } });
    const me = await startUs('2.2.1');
    us = me;
    const { client } = testClient();
    const input = handshake(cpo, me);
    const registration = await registerWithCpo(input, client);
    return { client, me, registration, credentialsUrl: registration.endpoints.credentials! };
  }

  it('rotates token C with PUT: the new one works, the old one is refused', async () => {
    const { client, me, registration } = await registered();
    const rotated = await rotateCredentials(
      {
        versionsUrl: cpo!.versionsUrl,
        tokenC: registration.tokenC,
        ourVersionsUrl: me.versionsUrl,
        ourTokenB: tokenB,
        ourParty,
      },
      client,
    );
    expect(rotated.tokenC).not.toBe(registration.tokenC);
    expect(me.calls.filter((c) => c.path === '/ocpi/versions')).toHaveLength(2);
    const locations = rotated.endpoints.locations!;
    const fresh = await drain(
      pullPages(locations, { token: rotated.tokenC, tokenEncoding: 'base64', version: '2.2.1' }, client),
    );
    expect(fresh.error).toBeNull();
    const stale = await drain(
      pullPages(locations, { token: registration.tokenC, tokenEncoding: 'base64', version: '2.2.1' }, client),
    );
    expect(stale.error).toMatchObject({ status: 401 });
  });

  it('answers 405 to POST when registered, to PUT and DELETE when not, and GET returns their credentials', async () => {
    const { client, registration, credentialsUrl } = await registered();
    const asC = { token: registration.tokenC, tokenEncoding: 'base64' as const, version: '2.2.1' as const };
    const again = await ocpiFetch(credentialsUrl, { ...asC, method: 'POST', body: {} }, client).catch(
      (e) => e,
    );
    expect(again).toMatchObject({ status: 405 });
    const theirs = await ocpiFetch(credentialsUrl, asC, client);
    expect(theirs.body).toMatchObject({
      data: { token: registration.tokenC, roles: [{ role: 'CPO', party_id: 'DEM' }] },
    });

    await ocpiFetch(credentialsUrl, { ...asC, method: 'DELETE' }, client);
    expect(cpo!.fake.currentToken()).toBeNull();
    const afterDelete = await ocpiFetch(credentialsUrl, asC, client).catch((e) => e);
    expect(afterDelete).toMatchObject({ status: 401 });
  });

  it('refuses PUT and DELETE with token A (not registered yet)', async () => {
    cpo = await startCpo({ registration: { tokenA } });
    const { client } = testClient();
    const asA = { token: tokenA, tokenEncoding: 'base64' as const, version: '2.2.1' as const };
    const url = `${cpo.url}/ocpi/2.2.1/credentials`;
    expect(await ocpiFetch(url, { ...asA, method: 'PUT', body: {} }, client).catch((e) => e)).toMatchObject({
      status: 405,
    });
    expect(await ocpiFetch(url, { ...asA, method: 'DELETE' }, client).catch((e) => e)).toMatchObject({
      status: 405,
    });
    const locations = await ocpiFetch(cpo.moduleUrl('locations'), asA, client).catch((e) => e);
    expect(locations).toMatchObject({ status: 401 });
  });
});
