// Per-answer validators: a client that revalidates with If-None-Match re-downloads an answer only
// when that answer changed. A scheduled sync that finds nothing new must not change any ETag; one
// that changes a location changes the answers that show it, and only those.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';
import { type Harness, startHarness } from '../helpers/sync-harness.js';
import { ocpiLocation } from '../ocpi/receiver/push-harness.js';

let h: Harness;
let api: ServedApp;

const stamp = (minutesAgo: number) =>
  new Date(Date.now() - minutesAgo * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

const location = (id: string, name: string, lastUpdated: string) =>
  ocpiLocation('2.2.1', {
    id,
    name,
    cc: 'NL',
    pid: 'DEM',
    lat: 52.09 + Number(id.slice(1)) / 100,
    lon: 5.12,
    lastUpdated,
    evses: [{ uid: `${id}-E1`, status: 'AVAILABLE' }],
  });

const anHourAgo = stamp(60);
const feed = (firstName: string, firstUpdated: string) => [
  location('L1', firstName, firstUpdated),
  location('L2', 'Second street', anHourAgo),
];

beforeAll(async () => {
  h = await startHarness({ locations: feed('First street', anHourAgo) }, { license: 'CC0-1.0' });
  expect((await h.sync('full')).status).toBe('ok');
  api = await serveApp(createApp({ getDb: () => h.db, http: { rateLimit: false } }));
});

afterAll(async () => {
  await api?.close();
  await h?.close();
});

async function get(path: string, etag?: string) {
  const res = await fetch(`${api.url}${path}`, { headers: etag ? { 'If-None-Match': etag } : {} });
  const text = await res.text();
  return { status: res.status, etag: res.headers.get('etag')!, text };
}

async function idOf(ocpiId: string): Promise<string> {
  const row = await h.db.get<{ pk: string }>('SELECT pk FROM locations WHERE ocpi_id = ?', [ocpiId]);
  return row!.pk;
}

describe('ETags per answer', () => {
  it('survive a sync that changed nothing, and change after one that changed the answer', async () => {
    const [l1, l2] = [await idOf('L1'), await idOf('L2')];
    const list = await get('/v1/locations?limit=10');
    const one = await get(`/v1/locations/${l1}`);
    const other = await get(`/v1/locations/${l2}`);
    expect(list.status).toBe(200);
    expect(list.text).toContain('First street');

    const noop = await h.sync('full');
    expect(noop.status).toBe('ok');
    expect(noop.counters.upserted).toBe(0);
    for (const [path, before] of [
      ['/v1/locations?limit=10', list],
      [`/v1/locations/${l1}`, one],
      [`/v1/locations/${l2}`, other],
    ] as const) {
      const again = await get(path, before.etag);
      expect(again.status, path).toBe(304);
      expect(again.etag, path).toBe(before.etag);
    }

    h.cpo.setData(feed('First street (renamed)', stamp(1)));
    const real = await h.sync('full');
    expect(real.counters.upserted).toBeGreaterThan(0);
    const changedList = await get('/v1/locations?limit=10', list.etag);
    expect(changedList.status).toBe(200);
    expect(changedList.etag).not.toBe(list.etag);
    expect(changedList.text).toContain('First street (renamed)');
    const changedOne = await get(`/v1/locations/${l1}`, one.etag);
    expect(changedOne.status).toBe(200);
    expect(changedOne.etag).not.toBe(one.etag);
    // L2 did not change: its copy is still good although the data set did.
    const untouched = await get(`/v1/locations/${l2}`, other.etag);
    expect(untouched.status).toBe(304);
  });

  it('leave the data version (Last-Modified) alone on a sync that changed nothing', async () => {
    const before = await fetch(`${api.url}/v1/locations?limit=10`);
    const lastModified = before.headers.get('last-modified');
    expect((await h.sync('full')).counters.upserted).toBe(0);
    const after = await fetch(`${api.url}/v1/locations?limit=10`);
    expect(after.headers.get('last-modified')).toBe(lastModified);
    const conditional = await fetch(`${api.url}/v1/locations?limit=10`, {
      headers: { 'If-Modified-Since': lastModified! },
    });
    expect(conditional.status).toBe(304);
  });
});

describe('Vary', () => {
  it('is Accept-Encoding on every compressible answer, also a small one sent uncompressed', async () => {
    for (const encoding of ['gzip', 'identity']) {
      for (const path of ['/v1/sources', '/v1/locations?limit=1', '/v1/locations/nope']) {
        const res = await fetch(`${api.url}${path}`, { headers: { 'Accept-Encoding': encoding } });
        await res.arrayBuffer();
        if (encoding === 'identity') expect(res.headers.get('content-encoding'), path).toBeNull();
        expect(res.headers.get('vary'), `${path} ${encoding}`).toMatch(/accept-encoding/i);
      }
    }
  });
});

describe('ETags of bbox pages (from the rows revisions, not a hash of the body)', () => {
  // L1 is at 52.10, L2 at 52.11 (location() above): a box around each, and one around both.
  const boxL1 = '/v1/sites?bbox=5.1,52.095,5.13,52.105';
  const boxL2 = '/v1/sites?bbox=5.1,52.105,5.13,52.115';
  const both = '/v1/sites?bbox=5.1,52.09,5.13,52.12';
  const page = async (path: string, etag?: string) => {
    const r = await get(path, etag);
    return { ...r, names: r.status === 200 ? siteNames(r.text) : [] };
  };
  const siteNames = (text: string) =>
    (JSON.parse(text) as { features: { properties: { name: string } }[] }).features.map(
      (f) => f.properties.name,
    );

  it('change when a site on the page changes or goes, and only then', async () => {
    h.cpo.setData(feed('First street (again)', stamp(0.5)));
    expect((await h.sync('full')).counters.upserted).toBeGreaterThan(0);
    const [one, two, all] = [await page(boxL1), await page(boxL2), await page(both)];
    expect(one.names).toEqual(['First street (again)']);
    expect(two.names).toEqual(['Second street']);
    expect(all.names).toHaveLength(2);
    expect(new Set([one.etag, two.etag, all.etag]).size).toBe(3);

    // A sync that changes nothing leaves every tag alone.
    expect((await h.sync('full')).counters.upserted).toBe(0);
    for (const [path, before] of [
      [boxL1, one],
      [boxL2, two],
      [both, all],
    ] as const) {
      const again = await page(path, before.etag);
      expect(again.status, path).toBe(304);
      expect(again.etag, path).toBe(before.etag);
    }

    // L1 renamed: the pages that hold it change, the page of L2 alone does not. Its stamp is kept
    // for the feed below: taken again, it moves by a second whenever a second boundary falls between
    // the two (a slow sync under load), and L1 would then be a change, not a repeat.
    const thirdStamp = stamp(0.2);
    h.cpo.setData(feed('First street (third name)', thirdStamp));
    expect((await h.sync('full')).counters.upserted).toBeGreaterThan(0);
    const oneAfter = await page(boxL1, one.etag);
    expect(oneAfter.status).toBe(200);
    expect(oneAfter.etag).not.toBe(one.etag);
    expect(oneAfter.names).toEqual(['First street (third name)']);
    const allAfter = await page(both, all.etag);
    expect(allAfter.status).toBe(200);
    expect(allAfter.etag).not.toBe(all.etag);
    expect((await page(boxL2, two.etag)).status).toBe(304);

    // L2 leaves the feed (removed): its page and the page of both change.
    h.cpo.setData([location('L1', 'First street (third name)', thirdStamp)]);
    expect((await h.sync('full')).status).toBe('ok');
    const twoGone = await page(boxL2, two.etag);
    expect(twoGone.status).toBe(200);
    expect(twoGone.names).toEqual([]);
    const allGone = await page(both, allAfter.etag);
    expect(allGone.status).toBe(200);
    expect(allGone.names).toEqual(['First street (third name)']);
    expect((await page(boxL1, oneAfter.etag)).status).toBe(304);
  });
});
