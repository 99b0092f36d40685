// Status history is what OCPI feeds reported, from when the atlas learned it: a register's records
// (the real BNetzA Köln file, dated 2013-2022 by their last edit, every EVSE UNKNOWN) add no day
// and no interval, and a feed's first status dated 2019 counts from the push that brought it. On
// the five registers of ../shared/data the day dumps used to list 5,978 days back to 2010.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertSources } from '../../src/ingest/source-state.js';
import { parseSourcesFile, type RegisterSourceConfig } from '../../src/ingest/sources-file.js';
import { syncRegisterSource } from '../../src/ingest/sync-register.js';
import { silentLogger } from '../../src/log.js';
import { evseKey, locationKey } from '../../src/model/ids.js';
import { readText } from '../../src/node/read-text.js';
import { sharedData } from '../ingest/registers/shared-data.js';
import { type Atlas, putOneEvseLocation, startAtlas } from '../ocpi/receiver/push-harness.js';

let atlas: Atlas;
const feedEvse = evseKey(locationKey('cpo-nl', 'NL', 'TNM', 'L1'), 'E1');

interface Index {
  days: { date: string }[];
}
interface History {
  evse: { known_since: string | null };
  intervals: { status: string; from: string; to: string }[];
  seconds: Record<string, number>;
}

beforeAll(async () => {
  atlas = await startAtlas({ now: '2026-12-01T10:00:00Z' });
  const [koeln] = parseSourcesFile(
    JSON.stringify([
      {
        id: 'koeln',
        name: 'BNetzA Köln',
        type: 'bnetza-csv',
        url: sharedData('de-bnetza-koeln-csv', 'Ladesaeulenregister.csv'),
        license: 'CC-BY-4.0',
      },
    ]),
    's.json',
  ) as RegisterSourceConfig[];
  await upsertSources(atlas.db, [koeln!], '2026-12-01T10:00:00Z');
  const result = await syncRegisterSource(koeln!, {
    db: atlas.db,
    clock: atlas.clock.now,
    log: silentLogger,
    readText,
  });
  expect(result.status, result.error ?? '').toBe('ok');
}, 60_000);

afterAll(async () => {
  await atlas?.close();
});

/** One of the register's EVSEs: the earliest dated. */
async function registerEvse(): Promise<{ pk: string; occurred_at: string }> {
  return (await atlas.db.get<{ pk: string; occurred_at: string }>(
    `SELECT s.evse_pk AS pk, s.occurred_at FROM evse_status_events s
     JOIN locations l ON l.pk = s.location_pk WHERE l.source_id = 'koeln' ORDER BY s.occurred_at LIMIT 1`,
  ))!;
}

describe('status history of registers and feeds', () => {
  it('a register alone has no day of status history, though its events are dated back to 2013', async () => {
    const first = await registerEvse();
    expect(first.occurred_at.slice(0, 4)).toBe('2013');
    expect((await atlas.get<Index>('/v1/dumps/status/index.json')).body.days).toEqual([]);
    expect((await atlas.get('/v1/dumps/status/2015-06-01.csv.gz')).status).toBe(404);
    const res = await atlas.get<History>(
      `/v1/evses/${first.pk}/history?from=2026-11-30&to=2026-12-01T10:00:00Z`,
    );
    expect(res.status).toBe(200);
    expect(res.body.evse.known_since).toBeNull();
    expect(res.body.intervals).toEqual([]);
    expect(res.body.seconds).toEqual({ unknown: 122_400 });
    // Its run still records when the atlas first held each EVSE, as every writer does.
    expect(
      await atlas.db.all(
        `SELECT e.first_seen_at, count(*) > 100 AS many FROM evses e JOIN locations l ON l.pk = e.location_pk
         WHERE l.source_id = 'koeln' GROUP BY 1`,
      ),
    ).toEqual([{ first_seen_at: '2026-12-01T10:00:00Z', many: 1 }]);
  });

  it("days start when a feed's location was first held, and a day holds only the feed's intervals", async () => {
    // The feed's EVSE arrives on 2 December, AVAILABLE since 2019 by its own date.
    atlas.clock.set('2026-12-02T08:00:00Z');
    expect((await putOneEvseLocation(atlas, '2019-06-01T08:00:00Z')).status).toBe(201);
    atlas.clock.set('2026-12-03T12:00:00Z');
    const days = (await atlas.get<Index>('/v1/dumps/status/index.json')).body.days.map((d) => d.date);
    expect(days).toEqual(['2026-12-02', '2026-12-03']);

    const res = await fetch(`${atlas.url}/v1/dumps/status/2026-12-02.csv.gz`);
    expect(res.status).toBe(200);
    const lines = gunzipSync(Buffer.from(await res.arrayBuffer()))
      .toString('utf8')
      .trim()
      .split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`${feedEvse},NL*TNM*EE1,`);
    expect(lines[1]).toContain(',AVAILABLE,2026-12-02T08:00:00Z,2026-12-03T00:00:00Z,57600');

    const history = await atlas.get<History>(`/v1/evses/${feedEvse}/history?from=2026-12-02&to=2026-12-03`);
    expect(history.body.evse.known_since).toBe('2026-12-02T08:00:00Z');
    expect(history.body.intervals).toEqual([
      { status: 'AVAILABLE', from: '2026-12-02T08:00:00Z', to: '2026-12-03T00:00:00Z' },
    ]);
  });
});
