// The Cron handler syncing the fake CPO (served by Node on loopback, see globalSetup) into D1, one
// bounded invocation at a time. The tests run in order on one database: each picks up where the
// previous left the run. Invocations are fired at chosen times, which the Worker's clock follows.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { parseCursor, type StepCursor } from '../../src/ingest/step-cursor.js';
import { MAX_STEP_ATTEMPTS } from '../../src/ingest/sync-step.js';
import { count, fireCron, type RunRow, runs } from './cron.js';

const parity = inject('workerParity');
const SOURCE = parity.sourceId;
const STEPS = Number(env.ATLAS_SYNC_STEPS);
// A Monday morning, far from the default full_schedule (03:17), 30 s past a half hour.
const T0 = Date.parse('2030-06-03T10:00:30Z');
const minute = (n: number) => new Date(T0 + n * 60_000);

async function onlyRun(): Promise<RunRow & { parsed: StepCursor | null }> {
  const all = await runs(SOURCE);
  expect(all).toHaveLength(1);
  const run = all[0]!;
  return { ...run, parsed: parseCursor(run.cursor) };
}

const held = () =>
  Promise.all([
    count('SELECT count(*) AS n FROM locations WHERE source_id = ?', SOURCE),
    count('SELECT count(*) AS n FROM evses'),
    count('SELECT count(*) AS n FROM connectors'),
    count('SELECT count(*) AS n FROM location_tariffs'),
    count('SELECT count(*) AS n FROM evse_status_events'),
    count('SELECT count(*) AS n FROM quarantine'),
    count('SELECT count(*) AS n FROM tariffs'),
  ]);

/**
 * The D1 binding of an invocation that dies (isolate killed, CPU limit) while writing its first
 * batch of more than `size` statements: that batch and every later one fail.
 */
function dyingAtBigBatch(db: D1Database, size: number): D1Database {
  let dead = false;
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'batch') {
        return (stmts: D1PreparedStatement[]) => {
          dead ||= stmts.length > size;
          return dead ? Promise.reject(new Error('the invocation died')) : target.batch(stmts);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const countsVersion = async () =>
  (await env.DB.prepare("SELECT value FROM meta WHERE key = 'counts_version'").first<{ value: string }>())
    ?.value;

const lease = () =>
  env.DB.prepare(`SELECT value FROM meta WHERE key = 'sync_lease'`).first<{ value: string }>();

/** Global fetch, except that requests whose URL matches `failing` get a 503 (the test shares the Worker's isolate). */
function cpoAnswers503(failing: (url: string) => boolean) {
  const realFetch = globalThis.fetch;
  const failed: string[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (failing(url)) {
      failed.push(url);
      return Promise.resolve(new Response('{"status_code":3000,"status_message":"busy"}', { status: 503 }));
    }
    return Reflect.apply(realFetch, globalThis, [input, init]);
  });
  return failed;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a sync split into steps across Cron invocations', () => {
  it('the first invocation starts a full run and stops at its step budget, the cursor stored in D1', async () => {
    await fireCron(env, minute(0));
    const run = await onlyRun();
    expect(run).toMatchObject({ kind: 'full', status: 'running' });
    // Discovery, then one page per step.
    expect(run.pages).toBe(STEPS - 1);
    expect(run.parsed).toMatchObject({ phase: 'locations', failures: 0, version: '2.2.1' });
    expect(new URL(run.parsed!.next!).searchParams.get('offset')).toBe(String((STEPS - 1) * parity.pageSize));
    const locations = await count('SELECT count(*) AS n FROM locations WHERE last_seen_run = ?', run.id);
    expect(locations).toBeGreaterThan(0);
    expect(locations).toBeLessThanOrEqual((STEPS - 1) * parity.pageSize);
    // The stored counters count every page written so far, the invocation's last one included.
    expect(run.upserted + run.unchanged).toBe(locations);
    // Already served while the run goes on.
    const served = await count(
      'SELECT count(*) AS n FROM locations WHERE publish = 1 AND removed_at IS NULL',
    );
    expect(served).toBe(locations);
  });

  it('an invocation that dies in the middle of a step leaves nothing of it, not even the cursor move', async () => {
    const before = await onlyRun();
    const heldBefore = await held();
    // A page of 100 locations is hundreds of statements; the bookkeeping batches are one or two.
    const dying = { ...env, DB: dyingAtBigBatch(env.DB, 20) };
    await expect(fireCron(dying, minute(1))).rejects.toThrow('the invocation died');

    expect(await held()).toEqual(heldBefore);
    expect(await onlyRun()).toEqual(before);
    // It could not release its lease either.
    const until = Date.parse((JSON.parse((await lease())!.value) as { until: string }).until);
    expect(until).toBeGreaterThan(minute(16).getTime());
    expect(until).toBeLessThan(minute(18).getTime());
  });

  it('keeps later invocations out while the lease of the dead one lasts', async () => {
    const before = await onlyRun();
    await fireCron(env, minute(2));
    expect(await onlyRun()).toEqual(before);
  });

  it('repeats the step once the lease has expired, and goes on', async () => {
    const before = await onlyRun();
    await fireCron(env, minute(18));
    const after = await onlyRun();
    expect(after.pages).toBe(before.pages + STEPS);
    const offset = Number(new URL(before.parsed!.next!).searchParams.get('offset'));
    expect(new URL(after.parsed!.next!).searchParams.get('offset')).toBe(
      String(offset + STEPS * parity.pageSize),
    );
    expect(await lease()).toBeNull();
  });

  it('a page the CPO fails to serve is not applied, and is asked for again by the next invocation', async () => {
    const before = await onlyRun();
    const heldBefore = await held();
    const failed = cpoAnswers503((url) => url === before.parsed!.next);
    await fireCron(env, minute(19));

    expect(failed).toEqual([before.parsed!.next]);
    const after = await onlyRun();
    expect(await held()).toEqual(heldBefore);
    expect(after).toMatchObject({ status: 'running', pages: before.pages, requests: before.requests + 1 });
    expect(after.parsed).toMatchObject({ phase: 'locations', next: before.parsed!.next, failures: 1 });
    expect(after.parsed!.lastError).toMatch(/HTTP 503/);
  });

  it('runs to completion over further invocations: locations, tariffs, then the close', async () => {
    for (let n = 20; (await onlyRun()).status === 'running' && n < 30; n++) await fireCron(env, minute(n));
    const run = await onlyRun();
    expect(run).toMatchObject({
      kind: 'full',
      status: 'ok',
      error: null,
      cursor: null,
      removed: 0,
      quarantined: 0,
    });
    const locationPages = Math.ceil(parity.feedLocations / parity.pageSize);
    // The one page that failed was fetched twice but counted once; the tariffs came in one page.
    expect(run.pages).toBe(locationPages + 1);
    expect(run.tariffs_upserted).toBe(
      await count('SELECT count(*) AS n FROM tariffs WHERE source_id = ?', SOURCE),
    );
    expect(run.tariffs_upserted).toBeGreaterThan(0);
    // Counted across invocations: no invocation's last page missing from the stored counters.
    expect(run.upserted + run.unchanged + run.duplicates).toBe(parity.feedLocations);
    expect(
      await count('SELECT count(*) AS n FROM locations WHERE source_id = ? AND removed_at IS NULL', SOURCE),
    ).toBe(parity.feedLocations);
    // Each page wrote its locations' counts hashes and moved the counts' version (all were new).
    expect(await count('SELECT count(*) AS n FROM locations WHERE counts_hash IS NULL')).toBe(0);
    expect(await countsVersion()).toMatch(/^2030-06-03T10:\d\d:/);
    // Each EVSE records when the atlas first held it: the invocation that wrote its new location.
    expect(await count('SELECT count(*) AS n FROM evses')).toBeGreaterThan(parity.feedLocations);
    expect(
      await count(`SELECT count(*) AS n FROM evses e JOIN locations l ON l.pk = e.location_pk
        WHERE e.first_seen_at IS NOT l.first_seen_at OR e.first_seen_at NOT LIKE '2030-06-03T10:%'`),
    ).toBe(0);
    const source = await env.DB.prepare(
      'SELECT last_success_at, last_full_success_at FROM sources WHERE id = ?',
    )
      .bind(SOURCE)
      .first<{ last_success_at: string; last_full_success_at: string }>();
    expect(source).toEqual({
      last_success_at: '2030-06-03T10:00:30Z',
      last_full_success_at: '2030-06-03T10:00:30Z',
    });
  });

  it('starts no new run before the source schedule (every 30 minutes) is due', async () => {
    await fireCron(env, minute(25));
    expect(await runs(SOURCE)).toHaveLength(1);
  });

  it('starts an incremental run with date_from when the schedule is due again', async () => {
    const version = await countsVersion();
    await fireCron(env, minute(30));
    const all = await runs(SOURCE);
    expect(all).toHaveLength(2);
    const run = all[1]!;
    expect(run.kind).toBe('incremental');
    const row = await env.DB.prepare('SELECT date_from FROM sync_runs WHERE id = ?')
      .bind(run.id)
      .first<{ date_from: string }>();
    // The last success's start, minus the 5-minute overlap.
    expect(row?.date_from).toBe('2030-06-03T09:55:30Z');
    for (let n = 31; (await runs(SOURCE))[1]!.status === 'running' && n < 40; n++)
      await fireCron(env, minute(n));
    expect((await runs(SOURCE))[1]).toMatchObject({ status: 'ok', upserted: 0, removed: 0 });
    expect(await countsVersion()).toBe(version);
  });

  it(`closes a run as failed after ${MAX_STEP_ATTEMPTS} failed attempts, keeping every location`, async () => {
    const heldBefore = await held();
    cpoAnswers503((url) => url.startsWith(parity.cpoUrl));
    for (let n = 0; n < MAX_STEP_ATTEMPTS; n++) await fireCron(env, minute(60 + n));
    const run = (await runs(SOURCE))[2]!;
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/HTTP 503.*gave up after 5 attempts/);
    expect(run.cursor).toBeNull();
    expect(await held()).toEqual(heldBefore);
    expect(await count('SELECT count(*) AS n FROM locations WHERE removed_at IS NOT NULL')).toBe(0);
  });
});
