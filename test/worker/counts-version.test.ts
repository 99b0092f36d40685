// The counts' version on D1 (src/db/counts-changes.ts): a push there is written alone, with no
// change counts before its commit, so a status PATCH's bump is decided in SQL by the EVSE row it
// will change. A status that keeps its EVSE live leaves the version (and the statistics' validators)
// alone; REMOVED and a removed EVSE's return move it, as does any other push. Those that may change
// a count below the location also clear its counts hash, so a pull that puts it back moves the
// version too (test/api/stats-counts-version-pulls.test.ts).
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { demoLocations } from '../../src/fake-cpo/demo-data.js';
import worker from '../../src/worker.js';
import { pushingSourceBindings, pushTo } from './push.js';

const PUSH_TOKEN = 'worker-counts-version-token-3c9d';
const bindings = pushingSourceBindings('counts-cpo', 'Counts CPO', PUSH_TOKEN);
const push = pushTo(bindings, PUSH_TOKEN);

const countsVersion = async () =>
  (await env.DB.prepare("SELECT value FROM meta WHERE key = 'counts_version'").first<{ value: string }>())
    ?.value ?? null;

const countsHash = async () =>
  (
    await env.DB.prepare("SELECT counts_hash FROM locations WHERE ocpi_id = 'COUNTS-1'").first<{
      counts_hash: string | null;
    }>()
  )?.counts_hash;

/** The Last-Modified of the Worker's /v1/stats/by-country (the counts' version's time). */
async function statsLastModified(): Promise<string | null> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request('http://atlas.test/v1/stats/by-country'), bindings, ctx);
  await waitOnExecutionContext(ctx);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return res.headers.get('last-modified');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the counts' version on D1", () => {
  it('moves for a push that may change a count, and not for a status that keeps its EVSE live', async () => {
    // Its pulls go nowhere.
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('busy', { status: 503 }));
    const base = demoLocations().locations.find((l) => l.publish && l.evses.length > 0)!;
    const since = '2026-01-01T10:00:00Z';
    const evses = ['A', 'B'].map((uid) => ({
      ...base.evses[0]!,
      uid,
      status: 'AVAILABLE',
      last_updated: since,
    }));
    const location = { ...base, id: 'COUNTS-1', evses, last_updated: since };
    expect((await push('PUT', location.id, location)).status).toBe(201);
    const written = await countsHash();
    expect(written).toMatch(/^[0-9a-f]+$/);

    const steps: [path: string, status: string, minute: number, moves: boolean][] = [
      ['A', 'CHARGING', 10, false],
      // Older than what is held: not applied.
      ['A', 'REMOVED', 5, false],
      ['B', 'REMOVED', 11, true],
      ['B', 'REMOVED', 12, false],
      ['B', 'AVAILABLE', 13, true],
      ['A', 'AVAILABLE', 14, false],
    ];
    for (const [uid, status, minute, moves] of steps) {
      const [version, lastModified] = [await countsVersion(), await statsLastModified()];
      const at = `2026-01-01T10:${String(minute).padStart(2, '0')}:00Z`;
      const res = await push('PATCH', `${location.id}/${uid}`, { status, last_updated: at });
      expect(res.body.status_code).toBe(1000);
      expect((await countsVersion()) !== version, `${uid} ${status} at ${at}`).toBe(moves);
      if (!moves) expect(await statsLastModified()).toBe(lastModified);
      // Cleared from the first push that moved the version on.
      if (minute < 11) expect(await countsHash(), `${uid} ${status} at ${at}`).toBe(written);
      else expect(await countsHash(), `${uid} ${status} at ${at}`).toBeNull();
    }
    const version = await countsVersion();
    const evse = { ...evses[0]!, status: 'AVAILABLE', last_updated: '2026-01-01T10:20:00Z' };
    expect((await push('PUT', `${location.id}/A`, evse)).status).toBe(200);
    expect(await countsVersion()).not.toBe(version);
    // A whole location written again stores its hash; an EVSE written below it clears it.
    expect(
      (await push('PUT', location.id, { ...location, last_updated: '2026-01-01T10:30:00Z' })).status,
    ).toBe(200);
    expect(await countsHash()).toMatch(/^[0-9a-f]+$/);
    const later = { ...evse, last_updated: '2026-01-01T10:31:00Z' };
    expect((await push('PUT', `${location.id}/A`, later)).status).toBe(200);
    expect(await countsHash()).toBeNull();
  });
});
