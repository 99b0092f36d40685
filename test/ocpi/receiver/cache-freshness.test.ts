// A push changes what the public API serves at once: the response cache and ETags must not keep
// the old answer just because no sync run happened in between.
import { afterEach, describe, expect, it } from 'vitest';
import { type Atlas, ocpiLocation, startAtlas } from './push-harness.js';

let atlas: Atlas | undefined;
afterEach(async () => {
  await atlas?.close();
  atlas = undefined;
});

describe('public answers after a push', () => {
  it('serve the pushed name on the next request, and change the ETag', async () => {
    atlas = await startAtlas({ deps: { http: { rateLimit: false } } });
    const loc = (name: string, at: string) =>
      ocpiLocation('2.2.1', {
        id: 'LOC9',
        lat: 52.09,
        lon: 5.12,
        lastUpdated: at,
        name,
        evses: [{ uid: 'E1', status: 'AVAILABLE' }],
      });
    expect(
      (await atlas.push('PUT', '2.2.1', '/NL/TNM/LOC9', loc('Old name', '2025-03-01T10:00:00Z'))).body
        .status_code,
    ).toBe(1000);
    // Asked twice, so the response cache keeps it (it keeps an answer from its second rendering on).
    await (await fetch(`${atlas.url}/v1/locations?bbox=5,52,5.2,52.2`)).arrayBuffer();
    const first = await fetch(`${atlas.url}/v1/locations?bbox=5,52,5.2,52.2`);
    const etag1 = first.headers.get('etag');
    expect(
      ((await first.json()) as { features: { properties: { name: string } }[] }).features[0]!.properties.name,
    ).toBe('Old name');

    const patched = await atlas.push('PATCH', '2.2.1', '/NL/TNM/LOC9', {
      name: 'New name',
      last_updated: '2025-03-01T11:00:00Z',
    });
    expect(patched.body.status_code).toBe(1000);
    const second = await fetch(`${atlas.url}/v1/locations?bbox=5,52,5.2,52.2`, {
      headers: { 'If-None-Match': etag1! },
    });
    expect(second.status).toBe(200);
    expect(second.headers.get('etag')).not.toBe(etag1);
    expect(
      ((await second.json()) as { features: { properties: { name: string } }[] }).features[0]!.properties
        .name,
    ).toBe('New name');
  });
});
