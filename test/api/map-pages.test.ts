// A map's page rendered without the app (src/api/map-pages.ts, what the read worker answers every
// pan with) is the app's answer to the same request, byte for byte and header for header, as the
// read worker asks it (uncompressed, no validators) over a read-only connection like the worker's;
// every request that is not exactly such a page is left to the app.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { mapPageAnswer } from '../../src/api/map-pages.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { type Atlas, buildAtlas } from './atlas-fixture.js';

let atlas: Atlas;
let reader: Db;
let app: ReturnType<typeof createApp>;
const NOW = new Date('2026-12-07T08:00:00Z');

beforeAll(async () => {
  atlas = await buildAtlas({ locations: 1_500, seed: 11 });
  reader = openSqlite(atlas.file, { readonly: true, migrate: false, cacheMb: 8 });
  app = createApp({
    getDb: () => reader,
    clock: () => NOW,
    http: { rateLimit: false, responseCache: false },
  });
}, 60_000);
afterAll(async () => {
  await reader?.close();
  await atlas?.close();
});

const ORIGIN = 'http://localhost';

/** The app's answer as the read worker asks for it (read-worker.ts render). */
async function appAnswer(url: string) {
  const res = await app.request(url, {
    headers: { 'accept-encoding': 'identity', accept: 'application/geo+json' },
  });
  const headers = Object.fromEntries([...res.headers].filter(([k]) => k !== 'x-request-id'));
  return { status: res.status, headers, body: Buffer.from(await res.arrayBuffer()) };
}

async function expectSameAnswer(url: string) {
  const mine = await mapPageAnswer(reader, url, 'application/geo+json', NOW);
  expect(mine, url).not.toBeNull();
  const theirs = await appAnswer(url);
  expect(theirs.status, url).toBe(200);
  expect(mine!.headers, url).toEqual(theirs.headers);
  // Compared as a flag: a failing 700 KB comparison would print both bodies whole.
  expect(Buffer.concat(mine!.pieces).equals(theirs.body), url).toBe(true);
  return JSON.parse(theirs.body.toString('utf8')) as { features: { id: string }[]; next: string | null };
}

describe('map pages rendered without the app', () => {
  it('answer every page of a pan as the app does, following next links to the end', async () => {
    const boxes = [
      '4,48,10,53',
      '-10,35,10,55',
      '179.5,-25,-179.5,-5',
      '6.1,50.2,6.3,50.4',
      '0,0,0.001,0.001',
    ];
    let pages = 0;
    let withNext = 0;
    for (const [k, box] of boxes.entries()) {
      let url: string | null = `${ORIGIN}/v1/sites?bbox=${box}&limit=${[40, 100, 7, 1000, 10][k]}`;
      const seen = new Set<string>();
      while (url) {
        const page = await expectSameAnswer(url);
        for (const f of page.features) {
          expect(seen.has(f.id)).toBe(false);
          seen.add(f.id);
        }
        pages++;
        if (page.next) withNext++;
        url = page.next;
      }
    }
    // Pages with a next link (its cursor and Link header) and last pages, and an empty box.
    expect(withNext).toBeGreaterThan(5);
    expect(pages).toBeGreaterThan(withNext + 3);
  }, 60_000);

  it('answers the same without a box, without a limit, and with a comma escaped', async () => {
    for (const path of ['/v1/sites', '/v1/sites?limit=25', '/v1/sites?bbox=4%2C48%2C10%2C53&limit=30'])
      await expectSameAnswer(ORIGIN + path);
  });

  it('leaves every other request to the app', async () => {
    const others = [
      '/v1/sites?bbox=4,48,10,53&country=DE',
      '/v1/sites?point=6,50&limit=10',
      '/v1/sites?near=50,6',
      '/v1/sites?bbox=nonsense',
      '/v1/sites?limit=0',
      '/v1/sites?bbox=4,48,10,53&bbox=4,48,10,52',
      '/v1/sites?bbox=4,48,10,53&_=1700000000',
      '/v1/sites?bbox=4,48,10,53&unknown=1',
      '/v1/sites?cursor=bad+cursor',
      '/v1/sites?cursor=eyJrIjoiMTgxZDMwZTA3MDhkY2EwNiIsImQiOjF9',
      '/v1/sites/',
      '/v1/locations?bbox=4,48,10,53',
    ];
    for (const path of others) expect(await mapPageAnswer(reader, ORIGIN + path, null, NOW), path).toBeNull();
    // An event-stream request is the app's too (its HTTP behaviour treats it as live).
    expect(await mapPageAnswer(reader, `${ORIGIN}/v1/sites?limit=5`, 'text/event-stream', NOW)).toBeNull();
  });
});
