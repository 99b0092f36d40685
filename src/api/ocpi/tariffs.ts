// Our Tariffs receiver: PUT / DELETE / GET {country_code}/{party_id}/{tariff_id}, and PATCH on 2.1.1
// only (2.2 removed it, SPEC-DIGEST §1). Writes go through write-tariff.ts, as a pulled tariff does.
import { Hono } from 'hono';
import { bumpDataVersionStmt } from '../../db/queries/data-version.js';
import { storedTariff } from '../../db/queries/stored-objects.js';
import type { Db } from '../../db/types.js';
import { deleteTariffStmt, tariffPkOf, writeTariffStmts } from '../../db/write-tariff.js';
import { hash64 } from '../../model/ids.js';
import { iso } from '../../model/iso-time.js';
import { normalizeTariff, summarizeTariff } from '../../model/normalize-tariff.js';
import type { OcpiVersion, Tariff } from '../../model/types.js';
import { invalidParameters, OcpiError, OcpiStatus } from '../../ocpi/receiver/envelope.js';
import {
  checkBodyId,
  checkBodyOwner,
  mergePatch,
  readJsonObject,
  readLastUpdated,
  refuseFutureTimestamps,
} from '../../ocpi/receiver/push-rules.js';
import { tariffToOcpi } from '../../ocpi/receiver/to-ocpi.js';
import { type OcpiContext, type OcpiEnv, reply, requireOwnParty } from './context.js';

interface TariffPath {
  db: Db;
  sourceId: string;
  version: OcpiVersion;
  key: { countryCode: string; partyId: string; id: string };
  pk: string;
}

function tariffPath(c: OcpiContext): TariffPath {
  const { cc, pid, tariffId } = c.req.param() as { cc: string; pid: string; tariffId: string };
  requireOwnParty(c, cc, pid);
  const sourceId = c.get('caller').source.id;
  const key = { countryCode: cc.toUpperCase(), partyId: pid.toUpperCase(), id: tariffId };
  return { db: c.get('db'), sourceId, version: c.get('version'), key, pk: tariffPkOf(sourceId, key) };
}

function normalized(p: TariffPath, raw: Record<string, unknown>): Tariff {
  const r = normalizeTariff(raw, p.version, { countryCode: p.key.countryCode, partyId: p.key.partyId });
  if (!r.ok) throw invalidParameters(`Tariff ${r.reason.field}: ${r.reason.message} (${r.reason.rule})`);
  return { ...r.value, countryCode: p.key.countryCode, partyId: p.key.partyId };
}

async function write(p: TariffPath, t: Tariff, now: string, runId: number | null): Promise<void> {
  // Content hash as apply-page.ts computes it, so an identical pull counts as unchanged.
  await p.db.batch([
    ...writeTariffStmts(t, {
      sourceId: p.sourceId,
      now,
      runId,
      contentHash: hash64(JSON.stringify(t)),
      summary: summarizeTariff(t),
    }),
    bumpDataVersionStmt(now),
  ]);
}

const STALE = 'older than the version we hold: acknowledged, not applied';
const unknownTariff = (id: string, hint = '') =>
  new OcpiError(404, OcpiStatus.clientError, `unknown tariff ${id}${hint}`);

export function createTariffsReceiver() {
  return new Hono<OcpiEnv>()
    .put('/:cc/:pid/:tariffId', async (c) => {
      const p = tariffPath(c);
      const body = readJsonObject(await c.req.text());
      refuseFutureTimestamps(body, c.get('now'));
      checkBodyOwner(
        p.version,
        body,
        { country_code: p.key.countryCode, party_id: p.key.partyId },
        c.get('caller').parties,
      );
      checkBodyId(p.version, body, 'id', p.key.id, true);
      const t = normalized(p, body);
      const held = await storedTariff(p.db, p.pk);
      const live = held !== undefined && !held.removed;
      if (live && t.lastUpdated < held.tariff.lastUpdated) return reply(c, undefined, 200, STALE);
      await write(p, t, iso(c.get('now')), held?.lastSeenRun ?? null);
      return reply(c, undefined, live ? 200 : 201);
    })
    .patch('/:cc/:pid/:tariffId', async (c) => {
      const p = tariffPath(c);
      if (p.version !== '2.1.1') {
        throw new OcpiError(
          405,
          OcpiStatus.clientError,
          `OCPI ${p.version} has no Tariff PATCH: PUT the whole tariff`,
        );
      }
      const body = readJsonObject(await c.req.text());
      refuseFutureTimestamps(body, c.get('now'));
      checkBodyId(p.version, body, 'id', p.key.id, false);
      const lastUpdated = readLastUpdated(body);
      const held = await storedTariff(p.db, p.pk);
      if (!held || held.removed) throw unknownTariff(p.key.id, ': PUT it first');
      if (lastUpdated !== null && lastUpdated < held.tariff.lastUpdated)
        return reply(c, undefined, 200, STALE);
      const merged = mergePatch(tariffToOcpi(held.tariff, p.version), body);
      const now = iso(c.get('now'));
      if (lastUpdated === null) merged.last_updated = now;
      await write(p, { ...normalized(p, merged), id: held.tariff.id }, now, held.lastSeenRun);
      return reply(c);
    })
    .delete('/:cc/:pid/:tariffId', async (c) => {
      const p = tariffPath(c);
      const held = await storedTariff(p.db, p.pk);
      if (!held || held.removed) throw unknownTariff(p.key.id);
      await p.db.batch([
        deleteTariffStmt(p.sourceId, p.key, iso(c.get('now'))),
        bumpDataVersionStmt(iso(c.get('now'))),
      ]);
      return reply(c);
    })
    .get('/:cc/:pid/:tariffId', async (c) => {
      const p = tariffPath(c);
      const held = await storedTariff(p.db, p.pk);
      if (!held || held.removed) throw unknownTariff(p.key.id);
      return reply(c, tariffToOcpi(held.tariff, p.version));
    });
}
