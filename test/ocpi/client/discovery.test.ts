import { afterEach, describe, expect, it } from 'vitest';
import type { OcpiVersion } from '../../../src/model/types.js';
import { discover, OcpiDiscoveryError, OcpiHttpError, pullPages } from '../../../src/ocpi/client/index.js';
import { drain, type RunningCpo, startCpo, testClient } from './peer.js';

const token = 'fake-cpo-token';
let cpo: RunningCpo | undefined;
afterEach(async () => {
  await cpo?.close();
  cpo = undefined;
});

describe('discover', () => {
  it.each<[OcpiVersion, 'base64' | 'raw']>([
    ['2.1.1', 'raw'],
    ['2.2.1', 'base64'],
    ['2.3.0', 'base64'],
  ])('finds the endpoints of a %s CPO and the %s token encoding', async (version, encoding) => {
    cpo = await startCpo({ versions: [version] });
    const { client } = testClient();
    const found = await discover({ versionsUrl: cpo.versionsUrl, token, version }, client);
    expect(found).toMatchObject({
      version,
      detailsUrl: `${cpo.url}/ocpi/${version}/details`,
      tokenEncoding: encoding,
      offered: [version],
    });
    expect(found.endpoints).toMatchObject({
      locations: cpo.moduleUrl('locations', version),
      tariffs: cpo.moduleUrl('tariffs', version),
      credentials: `${cpo.url}/ocpi/${version}/credentials`,
    });
    expect(cpo.fake.requests.every((r) => r.auth?.encoding === encoding)).toBe(true);
  });

  it.each([
    ['a bare array in the envelope', { versionsShape: 'array', envelope: true }],
    ['{versions: [...]} in the envelope', { versionsShape: 'versions-object', envelope: true }],
    ['a bare array without envelope', { versionsShape: 'array', envelope: false }],
    ['{versions: [...]} without envelope', { versionsShape: 'versions-object', envelope: false }],
  ] as const)('reads a 2.1.1 versions list given as %s', async (_, shape) => {
    cpo = await startCpo({ versions: ['2.1.1'], ...shape });
    const { client } = testClient();
    const found = await discover({ versionsUrl: cpo.versionsUrl, token }, client);
    expect(found.version).toBe('2.1.1');
    expect(found.endpoints.locations).toBe(cpo.moduleUrl('locations', '2.1.1'));
  });

  it('picks the highest version both sides speak, treating 2.2 below 2.2.1', async () => {
    cpo = await startCpo({ versions: ['2.2.1', '2.1.1', '2.2'] });
    const { client } = testClient();
    const found = await discover({ versionsUrl: cpo.versionsUrl, token }, client);
    expect(found.version).toBe('2.2.1');
    expect(found.offered).toEqual(['2.1.1', '2.2', '2.2.1']);
  });

  it('uses a pinned version, and fails clearly when the CPO does not offer it', async () => {
    cpo = await startCpo({ versions: ['2.1.1', '2.2.1'], tokenEncoding: 'either' });
    const { client } = testClient();
    expect((await discover({ versionsUrl: cpo.versionsUrl, token, version: '2.1.1' }, client)).version).toBe(
      '2.1.1',
    );
    const err = await discover({ versionsUrl: cpo.versionsUrl, token, version: '2.3.0' }, client).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(OcpiDiscoveryError);
    expect(err.message).toMatch(/does not offer version 2\.3\.0 \(offered: 2\.1\.1, 2\.2\.1\)/);
  });

  it('prefers the SENDER interface for locations when a RECEIVER one is listed first', async () => {
    cpo = await startCpo({
      extraEndpoints: [
        { identifier: 'locations', role: 'RECEIVER', url: 'https://elsewhere.example/receiver/locations' },
      ],
    });
    const { client } = testClient();
    const found = await discover({ versionsUrl: cpo.versionsUrl, token }, client);
    expect(found.endpoints.locations).toBe(cpo.moduleUrl('locations'));
  });

  it('falls back to the raw token on 401 for a 2.2.1 CPO that never base64-encodes, and reports it', async () => {
    cpo = await startCpo({ versions: ['2.2.1'], tokenEncoding: 'raw' });
    const { client } = testClient();
    const found = await discover({ versionsUrl: cpo.versionsUrl, token }, client);
    expect(found.tokenEncoding).toBe('raw');
    expect(cpo.fake.requests.map((r) => [r.path, r.status])).toEqual([
      ['/ocpi/versions', 401],
      ['/ocpi/versions', 200],
      ['/ocpi/2.2.1/details', 200],
    ]);
    const pulled = await drain(pullPages(found.endpoints.locations!, { token, ...found }, client));
    expect(pulled.error).toBeNull();
    expect(pulled.pages.length).toBeGreaterThan(1);
  });

  it('starts from a remembered encoding and does not probe again', async () => {
    cpo = await startCpo({ versions: ['2.2.1'], tokenEncoding: 'raw' });
    const { client } = testClient();
    await discover({ versionsUrl: cpo.versionsUrl, token, tokenEncoding: 'raw' }, client);
    expect(cpo.fake.requests.map((r) => r.status)).toEqual([200, 200]);
  });

  it('gives a 401 when the token is wrong in both encodings, without the token in the message', async () => {
    cpo = await startCpo();
    const { client } = testClient();
    const err = await discover({ versionsUrl: cpo.versionsUrl, token: 'not-the-token' }, client).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(OcpiHttpError);
    expect(err.status).toBe(401);
    expect(err.message).toContain('refused with the token base64-encoded and raw');
    expect(err.message).not.toContain('not-the-token');
    expect(cpo.fake.requests).toHaveLength(2);
  });
});
