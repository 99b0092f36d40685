// Each misbehaviour of a CPO, after a good first sync: nothing we held is lost, and what happened
// is visible in source health.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import type { Db } from '../../src/db/types.js';
import type { FaultMode, FaultOptions } from '../../src/fake-cpo/app.js';
import { LOCATION_PAGE_BATCH } from '../../src/ingest/apply-page.js';
import { syncOcpiSource } from '../../src/ingest/sync-source.js';
import { silentLogger } from '../../src/log.js';
import { createOcpiClient } from '../../src/ocpi/client/index.js';
import { loadFeed } from '../helpers/feeds.js';
import { type Harness, heldLocations, startHarness, TEST_TOKEN } from '../helpers/sync-harness.js';

const feed = loadFeed('lakd@2023-07-04');
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The feed in pages of 40, the third answered 500 (pages 1 and 2 are then still held). */
const failingOnPage3 = () =>
  startHarness({
    locations: feed.locations,
    versions: ['2.2.1'],
    pageSize: 40,
    fault: '500',
    faultOptions: { page: 3 },
  });

async function health(harness: Harness) {
  const app = createApp({ getDb: () => harness.db });
  const res = await app.request('/v1/sources/cpo');
  const text = await res.text();
  expect(text).not.toContain(TEST_TOKEN);
  return JSON.parse(text) as { last_run: Record<string, unknown>; counts: { locations: number } };
}

type Expect = {
  status: 'ok' | 'failed';
  error?: RegExp;
  check?: (h: Harness, run: Awaited<ReturnType<Harness['sync']>>) => Promise<void> | void;
};

const cases: [FaultMode, FaultOptions, Expect][] = [
  ['timeout', { page: 2 }, { status: 'failed', error: /time/i }],
  ['500', { page: 2 }, { status: 'failed', error: /500/ }],
  [
    '503-retry-after',
    { page: 2, times: 2, retryAfterSeconds: 1 },
    {
      status: 'ok',
      check: (_h, run) => expect(run.counters.retries).toBeGreaterThanOrEqual(2),
    },
  ],
  ['401', { page: 2 }, { status: 'failed', error: /401/ }],
  ['malformed-json', { page: 2 }, { status: 'failed', error: /json/i }],
  ['truncated-body', { page: 2 }, { status: 'failed', error: /truncat|json|body/i }],
  ['wrong-envelope', { page: 2 }, { status: 'failed', error: /3000/ }],
  ['link-loop', { page: 3 }, { status: 'failed', error: /loop/i }],
  ['lying-total', {}, { status: 'ok' }],
  ['empty-page', { page: 2 }, { status: 'ok' }],
  [
    'duplicate-ids',
    { page: 2, duplicates: 3 },
    {
      status: 'ok',
      check: (_h, run) => expect(run.counters.duplicates).toBe(3),
    },
  ],
  [
    'schema-violation',
    { page: 2 },
    {
      status: 'ok',
      check: async (harness, run) => {
        // The fault breaks the first two records of the page (one without coordinates, one of the wrong shape).
        expect(run.counters.quarantined).toBe(2);
        const app = createApp({ getDb: () => harness.db });
        const q = (await (await app.request('/v1/sources/cpo/quarantine')).json()) as {
          records: { reason: { field: string } }[];
        };
        expect(q.records).toHaveLength(2);
        for (const r of q.records) expect(r.reason.field).toBeTruthy();
      },
    },
  ],
  ['slow-drip', { page: 2, chunkBytes: 4096, chunkDelayMs: 2 }, { status: 'ok' }],
];

describe('a failing or lying CPO never wipes what we hold', () => {
  it.each(cases)('%s', async (fault, faultOptions, expected) => {
    h = await startHarness({ locations: feed.locations, versions: ['2.2.1'], pageSize: 40 });
    const first = await h.sync('full');
    expect(first.status).toBe('ok');
    const before = await heldLocations(h.db);
    expect(before.size).toBe(379);

    await h.replaceCpo({ locations: feed.locations, versions: ['2.2.1'], pageSize: 40, fault, faultOptions });
    const run = await h.sync('full', { timeoutMs: 1_500, retries: 2 });
    expect(run.status, run.error ?? '').toBe(expected.status);
    if (expected.error) expect(run.error).toMatch(expected.error);
    expect(run.error ?? '').not.toContain(TEST_TOKEN);
    await expected.check?.(h, run);

    // Everything held before is still held, with the same EVSEs, and nothing was flagged removed.
    const after = await heldLocations(h.db);
    for (const [id, loc] of before) expect(after.get(id)?.uids, id).toEqual(loc.uids);
    expect(run.counters.removed).toBe(0);

    const shown = await health(h);
    expect(shown.last_run.status).toBe(expected.status);
    if (expected.status === 'failed') expect(String(shown.last_run.error)).toMatch(expected.error!);
    expect(shown.counts.locations).toBe(379);
  });

  it('a first pull that fails on page 3 keeps the two pages it took, held or not', async () => {
    // Pages 1 and 2 are held for one transaction (pending-pages.ts) when page 3 fails: the run
    // still commits them, and counts what it committed.
    h = await failingOnPage3();
    const run = await h.sync('full', { timeoutMs: 1_500, retries: 0 });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/500/);
    expect((await heldLocations(h.db)).size).toBe(80);
    expect(run.counters.upserted).toBe(80);
  });

  it('a pull that fails while its held pages cannot be written either reports both, and stores nothing', async () => {
    h = await failingOnPage3();
    // The store refuses the location pages (as a full disk would); everything else is written.
    const store = h.db;
    const db: Db = {
      ...store,
      batch: (stmts, options) =>
        options === LOCATION_PAGE_BATCH
          ? Promise.reject(new Error('database or disk is full'))
          : store.batch(stmts, options),
    };
    const run = await syncOcpiSource(
      h.source,
      {
        db,
        client: createOcpiClient({ timeoutMs: 1_500, retries: 0 }),
        clock: () => new Date(),
        log: silentLogger,
      },
      { mode: 'full' },
    );
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/500.*the pages taken before it were not stored: database or disk is full/s);
    expect((await heldLocations(store)).size).toBe(0);
    expect(run.counters.upserted).toBe(0);
  });

  it('a full pull that lists far fewer locations than we hold is suspect and removes nothing', async () => {
    h = await startHarness({ locations: feed.locations, versions: ['2.2.1'], pageSize: 40 });
    expect((await h.sync('full')).status).toBe('ok');
    h.cpo.setData(feed.locations.slice(0, 100));
    const run = await h.sync('full');
    expect(run.status).toBe('suspect');
    expect(run.error).toMatch(/100 locations but we hold 379/);
    expect((await heldLocations(h.db)).size).toBe(379);
    expect((await health(h)).last_run.status).toBe('suspect');
  });
});
