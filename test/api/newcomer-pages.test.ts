// What a newcomer opens first: the landing page at / (links that all answer), and source health
// whose data-quality warnings are counted by rule, with the field paths folded (evses[12].uid and
// evses[3].uid are one field), not one key per indexed path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Atlas, buildAtlas, type Json } from './atlas-fixture.js';

let atlas: Atlas;
beforeAll(async () => {
  atlas = await buildAtlas({ locations: 60, seed: 31 });
});
afterAll(() => atlas.close());

const url = (path: string) => `${atlas.server.url}${path}`;

describe('GET /', () => {
  it('is a small HTML page whose links to the map, docs, OpenAPI, dumps and licences all answer', async () => {
    const res = await fetch(url('/'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
    expect(links).toEqual(
      expect.arrayContaining(['/map', '/docs', '/openapi.json', '/v1/dumps', '/v1/dumps/LICENSE.txt']),
    );
    for (const link of links.filter((l) => l.startsWith('/'))) {
      const target = await fetch(url(link));
      await target.arrayBuffer();
      expect(target.status, link).toBe(200);
    }
  });
});

describe('warnings_by_rule', () => {
  it('keys source warnings by rule, with per-field counts whose indexes are folded', async () => {
    const warnings = JSON.stringify([
      { field: 'evses[12].uid', rule: 'duplicate_uid', message: 'x' },
      { field: 'evses[3].uid', rule: 'duplicate_uid', message: 'x' },
      { field: 'coordinates', rule: 'coordinates_rounded', message: 'x' },
    ]);
    const pks = await atlas.db.all<{ pk: string }>(
      `SELECT pk FROM locations WHERE source_id = 'open-a' AND removed_at IS NULL LIMIT 2`,
    );
    expect(pks).toHaveLength(2);
    for (const { pk } of pks) {
      await atlas.db.batch([
        { sql: 'UPDATE locations SET warnings = ? WHERE pk = ?', params: [warnings, pk] },
      ]);
    }
    const body = (await (await fetch(url('/v1/sources/open-a'))).json()) as Json;
    expect(body.warnings_by_rule).toEqual({
      duplicate_uid: { count: 4, fields: { 'evses[].uid': 4 } },
      coordinates_rounded: { count: 2, fields: { coordinates: 2 } },
    });
    expect(Object.keys(body.warnings_by_rule).some((k) => k.includes('['))).toBe(false);
  });
});
