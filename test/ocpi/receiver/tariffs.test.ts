// The Tariffs receiver: PUT / DELETE / GET in every version, PATCH on 2.1.1 only. Spec examples
// are read from ../shared byte for byte; owner and ids are adapted in code.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tariffKey } from '../../../src/model/ids.js';
import { type Atlas, cpoSource, dumpStore, startAtlas, TOKEN_NL } from './push-harness.js';

const example = (version: string, file: string) =>
  JSON.parse(
    readFileSync(resolve(process.cwd(), '../shared/ocpi/examples', version, file), 'utf8'),
  ) as Record<string, unknown>;

let atlas: Atlas;
beforeEach(async () => {
  atlas = await startAtlas({
    sources: [cpoSource('cpo-de', TOKEN_NL, [{ country_code: 'DE', party_id: 'ALL' }])],
  });
});
afterEach(async () => {
  await atlas.close();
});

const tariffs = { module: 'receiver/tariffs' };
const held = (id: string) =>
  atlas.db.get<{ currency: string; elements: string; removed_at: string | null; last_updated: string }>(
    'SELECT currency, elements, removed_at, last_updated FROM tariffs WHERE pk = ?',
    [tariffKey('cpo-de', 'DE', 'ALL', id)],
  );

describe('tariff pushes', () => {
  it('stores a 2.2.1 PUT, answers GET in the same shape, ignores an older PUT and removes on DELETE', async () => {
    const t = example('2.2.1', 'tariff_1_simple_2hour.json');
    expect((await atlas.push('PUT', '2.2.1', '/DE/ALL/12', t, tariffs)).status).toBe(201);
    expect(JSON.parse((await held('12'))!.elements)[0].priceComponents[0]).toEqual({
      type: 'TIME',
      price: 2,
      vat: 10,
      stepSize: 60,
    });

    const get = await atlas.push('GET', '2.2.1', '/DE/ALL/12', undefined, tariffs);
    expect(get.body.data).toMatchObject({
      country_code: 'DE',
      party_id: 'ALL',
      id: '12',
      currency: 'EUR',
      elements: [{ price_components: [{ type: 'TIME', price: 2, vat: 10, step_size: 60 }] }],
      last_updated: '2015-06-29T20:39:09Z',
    });

    const before = await dumpStore(atlas.db);
    const older = await atlas.push(
      'PUT',
      '2.2.1',
      '/DE/ALL/12',
      { ...t, currency: 'USD', last_updated: '2015-01-01T00:00:00Z' },
      tariffs,
    );
    expect(older.body).toMatchObject({
      status_code: 1000,
      status_message: expect.stringMatching(/not applied/),
    });
    expect(await dumpStore(atlas.db)).toEqual(before);

    expect((await atlas.push('DELETE', '2.2.1', '/DE/ALL/12', undefined, tariffs)).body.status_code).toBe(
      1000,
    );
    expect((await held('12'))!.removed_at).toBe('2025-03-01T12:00:00Z');
    expect((await atlas.push('GET', '2.2.1', '/DE/ALL/12', undefined, tariffs)).status).toBe(404);
  });

  it('applies a 2.1.1 PATCH as whole-field replacement and refuses PATCH on 2.2+', async () => {
    const t = example('2.1.1', 'tariff_simple_2hour_example.json');
    expect((await atlas.push('PUT', '2.1.1', '/DE/ALL/12', t, tariffs)).status).toBe(201);
    atlas.clock.set('2025-03-02T08:00:00Z');
    const patch = example('2.1.1', 'tariff_patch_example.json');
    expect((await atlas.push('PATCH', '2.1.1', '/DE/ALL/12', patch, tariffs)).body.status_code).toBe(1000);
    const row = await held('12');
    expect(JSON.parse(row!.elements)[0].priceComponents[0]).toEqual({
      type: 'TIME',
      price: 2.5,
      vat: null,
      stepSize: 300,
    });
    expect(row!.currency).toBe('EUR');
    // No last_updated in a 2.1.1 PATCH: the change counts as of its arrival.
    expect(row!.last_updated).toBe('2025-03-02T08:00:00Z');

    const refused = await atlas.push(
      'PATCH',
      '2.2.1',
      '/DE/ALL/12',
      { currency: 'USD', last_updated: '2025-03-02T09:00:00Z' },
      tariffs,
    );
    expect({ http: refused.status, ocpi: refused.body.status_code }).toEqual({ http: 405, ocpi: 2000 });
  });

  it("refuses another party's tariff path with 404", async () => {
    const t = { ...example('2.2.1', 'tariff_1_simple_2hour.json'), party_id: 'XYZ' };
    const before = await dumpStore(atlas.db);
    const res = await atlas.push('PUT', '2.2.1', '/DE/XYZ/12', t, tariffs);
    expect(res.status).toBe(404);
    expect(await dumpStore(atlas.db)).toEqual(before);
  });
});
