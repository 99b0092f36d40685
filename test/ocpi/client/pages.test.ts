import { type Context, Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { demoLocations } from '../../../src/fake-cpo/demo-data.js';
import {
  OcpiBodyError,
  OcpiHttpError,
  OcpiPaginationError,
  OcpiStatusError,
  OcpiTimeoutError,
  pullPages,
} from '../../../src/ocpi/client/index.js';
import { type ServedApp, serveApp } from '../../helpers/serve.js';
import { drain, idsOf, listRequests, type RunningCpo, startCpo, testClient } from './peer.js';

const auth = { token: 'fake-cpo-token', tokenEncoding: 'base64' as const, version: '2.2.1' as const };
const demoIds = demoLocations().locations.map((l) => l.id);

let cpo: RunningCpo | undefined;
let other: ServedApp | undefined;
afterEach(async () => {
  await cpo?.close();
  await other?.close();
  cpo = undefined;
  other = undefined;
});

describe('pullPages over a well-behaved CPO', () => {
  it('yields every location exactly once, in order, with a page size of 7', async () => {
    cpo = await startCpo({ pageSize: 7 });
    const { client } = testClient();
    const { pages, error } = await drain(pullPages(cpo.moduleUrl('locations'), auth, client));
    expect(error).toBeNull();
    expect(idsOf(pages)).toEqual(demoIds);
    expect(pages).toHaveLength(Math.ceil(demoIds.length / 7));
    expect(pages.every((p) => p.items.length <= 7 && p.xLimit === 7 && p.totalCount === demoIds.length)).toBe(
      true,
    );
  });

  it('follows the Link header: every request after the first is the previous next link', async () => {
    cpo = await startCpo({ pageSize: 25 });
    const { client } = testClient();
    const { pages } = await drain(pullPages(cpo.moduleUrl('locations'), { ...auth, limit: 25 }, client));
    const requests = listRequests(cpo.fake);
    expect(requests.map((r) => r.query.offset)).toEqual(pages.map((_, i) => String(i * 25)));
    expect(pages.slice(1).map((p) => p.url)).toEqual(
      pages.slice(1).map((_, i) => `${cpo!.moduleUrl('locations')}?offset=${(i + 1) * 25}&limit=25`),
    );
  });

  it('honours the X-Limit cap when asked for more than the server gives', async () => {
    cpo = await startCpo({ pageSize: 50 });
    const { client } = testClient();
    const { pages } = await drain(pullPages(cpo.moduleUrl('locations'), { ...auth, limit: 1000 }, client));
    expect(pages.map((p) => p.xLimit)).toEqual([50, 50, 50, 50, 50, 50]);
    const limits = listRequests(cpo.fake).map((r) => r.query.limit);
    expect(limits).toEqual(['1000', '50', '50', '50', '50', '50']);
    expect(idsOf(pages)).toEqual(demoIds);
  });

  it('follows opaque and relative next links verbatim instead of computing offsets', async () => {
    const seen: string[] = [];
    const reply = (c: Context, ids: string[], link?: string) => {
      seen.push(c.req.url);
      return c.json({ data: ids.map((id) => ({ id })), status_code: 1000 }, 200, link ? { Link: link } : {});
    };
    const app = new Hono()
      .get('/feed', (c) =>
        reply(c, ['a'], '</feed/p2?cursor=abc%2Fdef&sig=Zz>; rel="next", </feed>; rel="first"'),
      )
      .get('/feed/p2', (c) =>
        reply(c, ['b'], `<${new URL(c.req.url).origin}/elsewhere/p3?c=%7E1>; title="more"; rel=next`),
      )
      .get('/elsewhere/p3', (c) => reply(c, ['c']));
    other = await serveApp(app);
    const { client } = testClient();
    const { pages, error } = await drain(pullPages(`${other.url}/feed`, auth, client));
    expect(error).toBeNull();
    expect(idsOf(pages)).toEqual(['a', 'b', 'c']);
    expect(seen).toEqual([
      `${other.url}/feed?offset=0`,
      `${other.url}/feed/p2?cursor=abc%2Fdef&sig=Zz`,
      `${other.url}/elsewhere/p3?c=%7E1`,
    ]);
  });

  it('pages by offset when the CPO sends X-Total-Count but no Link', async () => {
    cpo = await startCpo({ pageSize: 40, linkHeader: false });
    const { client } = testClient();
    const { pages, error } = await drain(pullPages(cpo.moduleUrl('locations'), auth, client));
    expect(error).toBeNull();
    expect(idsOf(pages)).toEqual(demoIds);
    const requests = listRequests(cpo.fake);
    expect(requests.map((r) => [r.query.offset, r.query.limit])).toEqual([
      ['0', undefined],
      ...[40, 80, 120, 160, 200, 240, 280].map((o) => [String(o), '40']),
    ]);
  });

  it('forwards date_from and date_to on every page and gets only that window (from inclusive, to exclusive)', async () => {
    cpo = await startCpo({ pageSize: 20 });
    const all = demoLocations().locations;
    const stamps = all.map((l) => l.last_updated).sort();
    const from = stamps[100]!;
    const to = stamps[200]!;
    const { client } = testClient();
    const { pages } = await drain(
      pullPages(cpo.moduleUrl('locations'), { ...auth, dateFrom: from, dateTo: new Date(to) }, client),
    );
    const expected = all.filter((l) => l.last_updated >= from && l.last_updated < to).map((l) => l.id);
    expect(idsOf(pages)).toEqual(expected);
    expect(idsOf(pages)).toContain(all.find((l) => l.last_updated === from)!.id);
    expect(idsOf(pages)).not.toContain(all.find((l) => l.last_updated === to)!.id);
    const requests = listRequests(cpo.fake);
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) expect(r.query).toMatchObject({ date_from: from, date_to: to });
  });

  it('fetches a page only when the caller asks for it', async () => {
    cpo = await startCpo({ pageSize: 10 });
    const { client } = testClient();
    const pages = pullPages(cpo.moduleUrl('locations'), auth, client);
    await pages.next();
    expect(listRequests(cpo.fake)).toHaveLength(1);
    await pages.next();
    expect(listRequests(cpo.fake)).toHaveLength(2);
    await pages.return(undefined);
    expect(listRequests(cpo.fake)).toHaveLength(2);
  });

  it('pulls tariffs the same way', async () => {
    cpo = await startCpo({ pageSize: 2 });
    const { client } = testClient();
    const { pages } = await drain(pullPages(cpo.moduleUrl('tariffs'), auth, client));
    expect(idsOf(pages)).toEqual(['AC-STD', 'DC-FAST', 'FREE']);
  });

  it('re-reads from offset minus the drop when X-Total-Count shrinks mid-crawl', async () => {
    cpo = await startCpo({ pageSize: 10 });
    const { client } = testClient();
    const demo = demoLocations();
    const seen: string[] = [];
    let page = 0;
    for await (const p of pullPages(cpo.moduleUrl('locations'), auth, client)) {
      seen.push(...idsOf([p]));
      // Three objects we already hold disappear between pages 2 and 3: everything after moves up by 3.
      if (++page === 2) cpo.fake.setData(demo.locations.filter((_, i) => ![3, 7, 15].includes(i)));
    }
    const remaining = demo.locations.filter((_, i) => ![3, 7, 15].includes(i)).map((l) => l.id);
    expect(remaining.filter((id) => !seen.includes(id))).toEqual([]);
    expect(listRequests(cpo.fake).map((r) => r.query.offset)).toContain('17');
  });
});

describe('pullPages over a misbehaving CPO', () => {
  it('stops with an error when next links loop, after the pages before', async () => {
    cpo = await startCpo({ pageSize: 10, fault: 'link-loop', faultOptions: { page: 3 } });
    const { client } = testClient();
    const { pages, error } = await drain(pullPages(cpo.moduleUrl('locations'), auth, client));
    expect(error).toBeInstanceOf(OcpiPaginationError);
    expect((error as OcpiPaginationError).problem).toBe('loop');
    expect(idsOf(pages)).toEqual(demoIds.slice(0, 30));
  });

  it('ends cleanly when X-Total-Count claims more than exists and there is no Link', async () => {
    cpo = await startCpo({ pageSize: 50, fault: 'lying-total', faultOptions: { extraTotal: 30 } });
    const { client } = testClient();
    const { pages, error } = await drain(pullPages(cpo.moduleUrl('locations'), auth, client));
    expect(error).toBeNull();
    expect(idsOf(pages)).toEqual(demoIds);
    expect(pages.at(-1)).toMatchObject({ items: [], totalCount: 330 });
  });

  it('carries on past an empty page that has a next link', async () => {
    cpo = await startCpo({ pageSize: 50, fault: 'empty-page', faultOptions: { page: 2 } });
    const { client } = testClient();
    const { pages, error } = await drain(pullPages(cpo.moduleUrl('locations'), auth, client));
    expect(error).toBeNull();
    expect(pages[1]?.items).toEqual([]);
    expect(idsOf(pages)).toEqual(demoIds);
  });

  it("passes on duplicate ids and schema violations untouched: judging records is ingest's job", async () => {
    cpo = await startCpo({ pageSize: 50, fault: 'duplicate-ids', faultOptions: { page: 2, duplicates: 2 } });
    const { client } = testClient();
    const dup = await drain(pullPages(cpo.moduleUrl('locations'), auth, client));
    const ids = idsOf(dup.pages);
    expect(ids).toHaveLength(demoIds.length + 2);
    const copies = dup.pages.flatMap((p) => p.items).filter((l) => (l as { id: string }).id === demoIds[0]);
    expect(copies.map((l) => (l as { last_updated: string }).last_updated)).toHaveLength(2);
    expect(new Set(copies.map((l) => (l as { last_updated: string }).last_updated)).size).toBe(2);
    await cpo.close();

    cpo = await startCpo({ pageSize: 50, fault: 'schema-violation', faultOptions: { page: 2 } });
    const bad = await drain(pullPages(cpo.moduleUrl('locations'), auth, client));
    expect(bad.error).toBeNull();
    expect(bad.pages[1]?.items[0]).not.toHaveProperty('coordinates');
  });

  it('raises OcpiStatusError for OCPI status 3000 on page 2, after yielding page 1', async () => {
    cpo = await startCpo({ pageSize: 50, fault: 'wrong-envelope' });
    const { client } = testClient();
    const { pages, error } = await drain(pullPages(cpo.moduleUrl('locations'), auth, client));
    expect(pages).toHaveLength(1);
    expect(error).toBeInstanceOf(OcpiStatusError);
    expect(error).toMatchObject({ statusCode: 3000, statusMessage: 'Generic server error' });
  });

  it.each([
    ['malformed-json', 'malformed-json'],
    ['truncated-body', 'truncated'],
  ] as const)('raises a clear OcpiBodyError on %s after yielding page 1', async (fault, problem) => {
    cpo = await startCpo({ pageSize: 50, fault });
    const { client } = testClient();
    const { pages, error } = await drain(pullPages(cpo.moduleUrl('locations'), auth, client));
    expect(pages).toHaveLength(1);
    expect(error).toBeInstanceOf(OcpiBodyError);
    expect(error).toMatchObject({ problem });
    expect((error as Error).message).toContain('/ocpi/2.2.1/locations?offset=50&limit=50');
  });

  it('raises OcpiTimeoutError when page 2 never comes', async () => {
    cpo = await startCpo({ pageSize: 50, fault: 'timeout' });
    // Page 1 must arrive within the timeout even on a loaded CI machine (200 ms did not always).
    const { client } = testClient({ timeoutMs: 2_000, retries: 0 });
    const { pages, error } = await drain(pullPages(cpo.moduleUrl('locations'), auth, client));
    expect(pages).toHaveLength(1);
    expect(error).toBeInstanceOf(OcpiTimeoutError);
  });

  it('reads a slowly dripped page within the timeout, and times out when it is slower', async () => {
    cpo = await startCpo({
      pageSize: 10,
      fault: 'slow-drip',
      faultOptions: { chunkBytes: 1024, chunkDelayMs: 5 },
    });
    const patient = testClient({ timeoutMs: 5_000 });
    const ok = await drain(pullPages(cpo.moduleUrl('locations'), auth, patient.client));
    expect(ok.error).toBeNull();
    expect(idsOf(ok.pages)).toEqual(demoIds);
    await cpo.close();

    cpo = await startCpo({
      pageSize: 10,
      fault: 'slow-drip',
      faultOptions: { chunkBytes: 64, chunkDelayMs: 20 },
    });
    const hasty = testClient({ timeoutMs: 150, retries: 0 });
    const late = await drain(pullPages(cpo.moduleUrl('locations'), auth, hasty.client));
    expect(late.pages).toHaveLength(1);
    expect(late.error).toBeInstanceOf(OcpiTimeoutError);
  });

  it('retries page 2 on 503 with Retry-After and completes the crawl', async () => {
    cpo = await startCpo({ pageSize: 100, fault: '503-retry-after', faultOptions: { times: 2 } });
    const { client, sleeps } = testClient();
    const { pages, error } = await drain(pullPages(cpo.moduleUrl('locations'), auth, client));
    expect(error).toBeNull();
    expect(idsOf(pages)).toEqual(demoIds);
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('does not retry a 401 on page 2', async () => {
    cpo = await startCpo({ pageSize: 100, fault: '401' });
    const { client } = testClient();
    const { pages, error } = await drain(pullPages(cpo.moduleUrl('locations'), auth, client));
    expect(pages).toHaveLength(1);
    expect(error).toBeInstanceOf(OcpiHttpError);
    expect(error).toMatchObject({ status: 401 });
    expect(client.stats.retries).toBe(0);
  });

  it('stops at maxPages', async () => {
    cpo = await startCpo({ pageSize: 10 });
    const { client } = testClient();
    const { pages, error } = await drain(
      pullPages(cpo.moduleUrl('locations'), { ...auth, maxPages: 3 }, client),
    );
    expect(pages).toHaveLength(3);
    expect(error).toBeInstanceOf(OcpiPaginationError);
    expect((error as OcpiPaginationError).problem).toBe('max-pages');
  });

  it('rejects a reply whose data is not a list', async () => {
    other = await serveApp(new Hono().get('/x', (c) => c.json({ data: { id: 'one' }, status_code: 1000 })));
    const { client } = testClient();
    const { error } = await drain(pullPages(`${other.url}/x`, auth, client));
    expect(error).toBeInstanceOf(OcpiBodyError);
    expect(error).toMatchObject({ problem: 'unexpected-shape' });
  });
});
