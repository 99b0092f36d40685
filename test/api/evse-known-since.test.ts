// An EVSE's status history starts when the atlas first held that EVSE, not its location: a location
// held since January that gets a new EVSE in June, listed with its CPO's older last_updated, counts
// the new EVSE from June, whichever writer brought it (a pull page, a push of the location, of the
// EVSE alone, a PATCH of the location), and a later write of the EVSE does not move its start.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeCpo, type FakeCpo } from '../../src/fake-cpo/app.js';
import { createSyncRunner } from '../../src/jobs/sync-runner.js';
import { silentLogger } from '../../src/log.js';
import { evseKey, locationKey } from '../../src/model/ids.js';
import { createOcpiClient } from '../../src/ocpi/client/index.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';
import {
  type Atlas,
  cpoSource,
  type EvseSpec,
  ocpiEvse,
  ocpiLocation,
  startAtlas,
  TOKEN_NL,
} from '../ocpi/receiver/push-harness.js';

interface History {
  evse: { known_since: string | null };
  intervals: { status: string; from: string; to: string }[];
  seconds: Record<string, number>;
}

const JANUARY = '2025-01-10T09:00:00Z';
/** The CPO's own date of the new EVSE's status: before we saw it, after its location was first held. */
const CPO_DATE = '2025-05-20T00:00:00Z';
const JUNE = '2025-06-01T12:00:00Z';
const LATER = '2025-06-02T12:00:00Z';
const PULL_TOKEN = 'known-since-pull-token-8d2e';

const lpk = locationKey('cpo-nl', 'NL', 'TNM', 'L1');
const [e1, e2] = ['E1', 'E2'].map((uid) => evseKey(lpk, uid)) as [string, string];

const locationL1 = (lastUpdated: string, evses: EvseSpec[]) =>
  ocpiLocation('2.2.1', { id: 'L1', lat: 52.09, lon: 5.12, lastUpdated, evses });
const evseE1 = { uid: 'E1', status: 'AVAILABLE', lastUpdated: JANUARY };
const evseE2 = { uid: 'E2', status: 'CHARGING', lastUpdated: CPO_DATE };

let atlas: Atlas;

const history = async (pk: string) =>
  (await atlas.get<History>(`/v1/evses/${pk}/history?from=2025-05-15&to=${LATER}`)).body;

/** E2, first held in June: counted from then, not from January nor from its CPO's May date. */
async function expectCountedFromJune() {
  const h = await history(e2);
  expect(h.evse.known_since).toBe(JUNE);
  expect(h.intervals).toEqual([{ status: 'CHARGING', from: JUNE, to: LATER }]);
  expect(h.seconds).toEqual({ CHARGING: 86_400, unknown: 17 * 86_400 + 12 * 3_600 });
  // E1, held since January, keeps its start through the June write.
  const h1 = await history(e1);
  expect(h1.evse.known_since).toBe(JANUARY);
  expect(h1.intervals).toEqual([{ status: 'AVAILABLE', from: '2025-05-15T00:00:00Z', to: LATER }]);
}

describe('an EVSE added to a location held since January', () => {
  describe('by a push', () => {
    beforeEach(async () => {
      atlas = await startAtlas({ now: JANUARY });
      expect((await atlas.push('PUT', '2.2.1', '/NL/TNM/L1', locationL1(JANUARY, [evseE1]))).status).toBe(
        201,
      );
      atlas.clock.set(JUNE);
    });
    afterEach(async () => {
      await atlas.close();
    });

    it('of the whole location counts from that push', async () => {
      const put = await atlas.push('PUT', '2.2.1', '/NL/TNM/L1', locationL1(CPO_DATE, [evseE1, evseE2]));
      expect(put.status).toBe(200);
      atlas.clock.set(LATER);
      await expectCountedFromJune();
    });

    it('of the EVSE alone counts from that push, and a later write of it keeps that start', async () => {
      const put = await atlas.push('PUT', '2.2.1', '/NL/TNM/L1/E2', ocpiEvse('2.2.1', evseE2, CPO_DATE));
      expect(put.status).toBe(201);
      atlas.clock.set('2025-06-02T00:00:00Z');
      // The EVSE written again, whole, and the location around it: neither moves its start.
      const again = ocpiEvse('2.2.1', { ...evseE2, lastUpdated: '2025-06-02T00:00:00Z' }, CPO_DATE);
      expect((await atlas.push('PUT', '2.2.1', '/NL/TNM/L1/E2', again)).status).toBe(200);
      const whole = locationL1('2025-06-02T00:00:00Z', [
        evseE1,
        { ...evseE2, lastUpdated: '2025-06-02T00:00:00Z' },
      ]);
      expect((await atlas.push('PUT', '2.2.1', '/NL/TNM/L1', whole)).status).toBe(200);
      atlas.clock.set(LATER);
      await expectCountedFromJune();
      expect(await atlas.db.all('SELECT pk, first_seen_at FROM evses ORDER BY first_seen_at')).toEqual([
        { pk: e1, first_seen_at: JANUARY },
        { pk: e2, first_seen_at: JUNE },
      ]);
    });

    it('of a PATCH of the location that lists it counts from that PATCH', async () => {
      const evses = [evseE1, evseE2].map((e) => ocpiEvse('2.2.1', e, CPO_DATE));
      const patch = await atlas.push('PATCH', '2.2.1', '/NL/TNM/L1', { evses, last_updated: CPO_DATE });
      expect(patch.body.status_code).toBe(1000);
      atlas.clock.set(LATER);
      await expectCountedFromJune();
    });
  });

  describe('by a pull', () => {
    let cpo: FakeCpo;
    let served: ServedApp;

    beforeEach(async () => {
      cpo = createFakeCpo({ locations: [locationL1(JANUARY, [evseE1])], token: PULL_TOKEN });
      served = await serveApp(cpo.app);
    });
    afterEach(async () => {
      await served.close();
      await atlas.close();
    });

    it('counts from the pull whose page brought it', async () => {
      const source = {
        ...cpoSource('cpo-nl', TOKEN_NL, [{ country_code: 'NL', party_id: 'TNM' }]),
        versions_url: `${served.url}/ocpi/versions`,
        token: PULL_TOKEN,
      };
      atlas = await startAtlas({ sources: [source], now: JANUARY });
      const runner = createSyncRunner({
        db: atlas.db,
        client: createOcpiClient({}),
        clock: atlas.clock.now,
        log: silentLogger,
        readText: async () => '',
        concurrency: 1,
      });
      const pull = async () => {
        const r = await runner.run(source, 'full');
        await runner.settled();
        expect(r?.error ?? null).toBeNull();
      };
      await pull();
      atlas.clock.set(JUNE);
      cpo.setData([locationL1(CPO_DATE, [evseE1, evseE2])], []);
      await pull();
      atlas.clock.set(LATER);
      await expectCountedFromJune();
    });
  });
});
