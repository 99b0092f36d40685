// Round trip: a second atlas (B) registers with atlas A as an eMSP, pulls everything A publishes
// over OCPI (full, then date_from) and ends with the same locations, EVSEs, connectors and tariffs
// field by field, also once A's late pushes of the same changes arrived; A's outbox then pushes a
// status change to B's receiver.
import { afterEach, describe, expect, it } from 'vitest';
import { licenseAllowsRepublishing } from '../../../src/db/queries/publication.js';
import type { Db } from '../../../src/db/types.js';
import { demoLocations } from '../../../src/fake-cpo/demo-data.js';
import { silentLogger } from '../../../src/log.js';
import { createOcpiClient } from '../../../src/ocpi/client/index.js';
import { drainOutbox } from '../../../src/outbox/run-outbox.js';
import {
  CPO_PUSH_TOKEN,
  type ReceivingAtlas,
  type SenderAtlas,
  startReceivingAtlas,
  startSenderAtlas,
} from './harness.js';

type Row = Record<string, unknown>;

/**
 * What an atlas publishes of OCPI sources, keyed by the owner's ids, without our own bookkeeping
 * (pks, source, warnings, sync marks). Written in plain SQL + JS, not with the sender's queries.
 */
interface Compare {
  /**
   * 2.1.1 cannot carry max_electric_power (its reader derives power from volts and amps) nor the
   * 2.2 tariff fields (type, price limits, validity, VAT): compare what it does carry.
   */
  as211?: boolean;
}

async function published(db: Db, opts: Compare = {}) {
  const sources = await db.all<{ id: string; license: string | null; type: string }>(
    'SELECT id, license, type FROM sources',
  );
  const open = new Set(
    sources
      .filter((s) => s.type === 'ocpi' && s.license !== null && licenseAllowsRepublishing(s.license))
      .map((s) => s.id),
  );
  const locations = (
    await db.all<Row>(
      "SELECT * FROM locations WHERE publish = 1 AND removed_at IS NULL AND lifecycle <> 'removed'",
    )
  ).filter(
    (l) =>
      open.has(l.source_id as string) &&
      (l.license === null || licenseAllowsRepublishing(l.license as string)),
  );
  const evses = await db.all<Row>('SELECT * FROM evses');
  const connectors = await db.all<Row>('SELECT * FROM connectors ORDER BY connector_id');
  const out = new Map<string, Row>();
  for (const l of locations) {
    const all = evses.filter((e) => e.location_pk === l.pk);
    const live = all
      .filter((e) => e.removed_at === null)
      .map((e) => ({
        ...pick(e, [
          'uid',
          'evse_id',
          'status',
          'status_updated_at',
          'capabilities',
          'floor_level',
          'physical_reference',
          'lat',
          'lon',
          'parking_restrictions',
          'max_power_w',
          'last_updated',
        ]),
        connectors: connectors
          .filter((c) => c.evse_pk === e.pk)
          .map((c) =>
            pick(c, [
              'connector_id',
              'standard',
              'format',
              'power_type',
              'max_voltage',
              'max_amperage',
              'max_power_w',
              'tariff_ids',
              'terms_and_conditions',
              'last_updated',
            ]),
          ),
      }))
      .sort((a: Row, b: Row) => String(a.uid).localeCompare(String(b.uid)));
    const {
      pk,
      source_id,
      cell,
      warnings,
      content_hash,
      counts_hash,
      removed_at,
      site_id,
      last_seen_run,
      first_seen_at,
      synced_at,
      ...fields
    } = l;
    const row: Row = { ...fields, evses: live };
    if (opts.as211) stripPower(row);
    out.set(`${l.country_code}/${l.party_id}/${l.ocpi_id}`, row);
  }
  const tariffs = new Map<string, Row>();
  for (const t of await db.all<Row>('SELECT * FROM tariffs WHERE removed_at IS NULL')) {
    if (!open.has(t.source_id as string)) continue;
    const { pk, source_id, warnings, content_hash, removed_at, last_seen_run, synced_at, ...fields } = t;
    tariffs.set(
      `${t.country_code}/${t.party_id}/${t.tariff_id}`,
      opts.as211 ? pick(fields, ['currency', 'alt_text', 'alt_url', 'last_updated']) : fields,
    );
  }
  return { locations: out, tariffs };
}

function stripPower(row: Row): void {
  delete row.max_power_w;
  for (const e of row.evses as Row[]) {
    delete e.max_power_w;
    for (const c of e.connectors as Row[]) delete c.max_power_w;
  }
}

function pick(row: Row, keys: string[]): Row {
  return Object.fromEntries(keys.map((k) => [k, row[k]]));
}

async function expectSame(a: Db, b: Db, opts: Compare = {}) {
  const want = await published(a, { as211: opts.as211 });
  const got = await published(b, opts);
  expect([...got.locations.keys()].sort()).toEqual([...want.locations.keys()].sort());
  for (const [key, value] of want.locations) expect(got.locations.get(key), key).toEqual(value);
  expect(got.tariffs).toEqual(want.tariffs);
  return want;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

let a: SenderAtlas | undefined;
let b: ReceivingAtlas | undefined;
afterEach(async () => {
  await b?.close();
  await a?.close();
  a = b = undefined;
});

describe.each(['2.2.1', '2.3.0', '2.1.1'] as const)(
  'a second atlas reading atlas A over OCPI %s',
  (version) => {
    it('registers, pulls everything, then follows changes by date_from and a full pull', async () => {
      a = await startSenderAtlas();
      const issued = await a.addClient('Atlas B');
      b = await startReceivingAtlas(a, issued.tokenA, { version });
      // Pulls alone must bring every change here. A's outbox would push the same changes to B while
      // B pulls, and which lands last would decide the comparison (pushes have their own test below).
      await a.outbox.stop();

      const first = await b.sync('full');
      expect(first.status).toBe('ok');
      const lossy = { as211: version === '2.1.1' };
      const want = await expectSame(a.db, b.db, lossy);
      // The demo's unpublished sites stay at A.
      const demo = demoLocations();
      expect(want.locations.size).toBe(demo.locations.filter((l) => l.publish).length);
      expect(want.tariffs.size).toBe(demo.tariffs.length);

      // The CPO changes things: a status, a new location, a removed EVSE, a removed location, a tariff.
      const now = iso(new Date(Date.now() + 1000));
      const locations = structuredClone(demo.locations) as Row[];
      const published = locations.filter((l) => l.publish);
      const changed = published[0]!;
      const evses = changed.evses as Row[];
      evses[0]!.status = evses[0]!.status === 'CHARGING' ? 'AVAILABLE' : 'CHARGING';
      evses[0]!.last_updated = now;
      evses[1]!.status = 'REMOVED';
      evses[1]!.last_updated = now;
      changed.last_updated = now;
      const gone = published[1]!;
      const added = {
        ...structuredClone(published[2]!),
        id: 'NEW0001',
        name: 'Opened today',
        last_updated: now,
      };
      const tariffs = structuredClone(demo.tariffs) as Row[];
      tariffs[0]!.currency = 'CHF';
      tariffs[0]!.last_updated = now;
      a.cpo.cpo.setData([...locations.filter((l) => l !== gone), added], tariffs);
      // A notices the removal only on a full pull (OCPI: absence from an unfiltered pull).
      expect((await a.cpo.sync('full')).status).toBe('ok');

      const second = await b.sync('incremental');
      expect(second.status).toBe('ok');
      expect(second.kind).toBe('incremental');
      // A date_from pull cannot drop a location: it arrives with every EVSE REMOVED, which is how
      // OCPI says so (and B's life cycle rule then stops publishing it).
      await expectSame(a.db, b.db, lossy);
      const dropped = await b.db.get<Row>('SELECT lifecycle FROM locations WHERE ocpi_id = ?', [gone.id]);
      expect(dropped?.lifecycle).toBe('removed');
      const held = await b.db.get<Row>('SELECT removed_at FROM evses WHERE uid = ?', [evses[1]!.uid]);
      expect(held?.removed_at).not.toBeNull();

      expect((await b.sync('full')).status).toBe('ok');
      await expectSame(a.db, b.db, lossy);

      // Now A's queued pushes of the same changes arrive late, behind B's pulls: the location PUT
      // carries the EVSE's status from before the queued PATCH, and must not take B back to it.
      await drainOutbox({ db: a.db, client: createOcpiClient({ retries: 0 }), log: silentLogger });
      const back = await b.db.all<Row>(
        "SELECT new_status FROM evse_status_events WHERE via = 'push' AND evse_pk = (SELECT pk FROM evses WHERE uid = ?)",
        [evses[0]!.uid],
      );
      expect(back).toEqual([]);
      await expectSame(a.db, b.db, lossy);
    });
  },
);

describe('pushes from atlas A to a registered atlas B', () => {
  it('a status change pushed to A reaches B through the outbox', async () => {
    a = await startSenderAtlas();
    const issued = await a.addClient('Atlas B');
    b = await startReceivingAtlas(a, issued.tokenA, { version: '2.2.1' });
    expect((await b.sync('full')).status).toBe('ok');
    const client = await a.db.get<Row>('SELECT locations_url, tariffs_url FROM ocpi_clients WHERE id = ?', [
      issued.id,
    ]);
    expect(client?.locations_url).toBe(`${b.url}/ocpi/2.2.1/receiver/locations`);
    expect(client?.tariffs_url).toBe(`${b.url}/ocpi/2.2.1/receiver/tariffs`);
    await a.outbox.drain();

    const target = demoLocations().locations.find((l) => l.publish)!;
    const evse = target.evses[0]!;
    const status = evse.status === 'CHARGING' ? 'AVAILABLE' : 'CHARGING';
    const res = await fetch(`${a.url}/ocpi/2.2.1/receiver/locations/NL/DEM/${target.id}/${evse.uid}`, {
      method: 'PATCH',
      headers: { Authorization: `Token ${btoa(CPO_PUSH_TOKEN)}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ status, last_updated: iso(new Date()) }),
    });
    expect(res.status).toBe(200);
    // No sync of B: only a push can bring the new status.
    let seen: string | undefined;
    for (let i = 0; i < 100 && seen !== status; i++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = (await b.db.get<{ status: string }>('SELECT status FROM evses WHERE uid = ?', [evse.uid]))
        ?.status;
    }
    expect(seen).toBe(status);
    const via = await b.db.get<{ via: string }>(
      'SELECT via FROM evse_status_events WHERE new_status = ? ORDER BY id DESC LIMIT 1',
      [status],
    );
    expect(via?.via).toBe('push');
    await expectSame(a.db, b.db);
  });
});
