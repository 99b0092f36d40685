// Small canonical records for dedupe tests, and a temp SQLite database filled through the real
// ingest write path (applyLocationPage), so dedupeSites reads what a sync would have written.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { recordFromLocation } from '../../src/dedupe/source-record.js';
import type { SourceRecord } from '../../src/dedupe/types.js';
import { applyLocationPage, type PageItem } from '../../src/ingest/apply-page.js';
import { zeroCounters } from '../../src/ingest/run-record.js';
import { applyFullPullRemovals } from '../../src/ingest/sync-source.js';
import type { Connector, Evse, ExternalRef, Location } from '../../src/model/types.js';

export function connector(
  standard = 'IEC_62196_T2',
  maxPowerW = 22_000,
  powerType = 'AC_3_PHASE',
): Connector {
  return {
    id: '1',
    standard,
    format: 'SOCKET',
    powerType,
    maxVoltage: null,
    maxAmperage: null,
    maxPowerW,
    tariffIds: [],
    termsAndConditions: null,
    lastUpdated: null,
  };
}

export function evse(
  uid: string,
  evseId: string | null,
  status = 'AVAILABLE',
  lastUpdated: string | null = null,
): Evse {
  return {
    uid,
    evseId,
    status,
    capabilities: [],
    floorLevel: null,
    physicalReference: null,
    coordinates: null,
    parkingRestrictions: [],
    connectors: [connector()],
    lastUpdated,
  };
}

export function location(id: string, fields: Partial<Location> = {}): Location {
  return {
    countryCode: 'DE',
    partyId: 'ABC',
    id,
    publish: true,
    name: null,
    address: null,
    city: null,
    postalCode: null,
    state: null,
    country: 'DEU',
    lat: 48.8923,
    lon: 9.1833,
    parkingType: null,
    timeZone: null,
    operator: null,
    suboperator: null,
    owner: null,
    facilities: [],
    openingTimes: null,
    chargingWhenClosed: null,
    evses: [evse(`${id}-1`, null)],
    lastUpdated: '2026-01-01T00:00:00Z',
    warnings: [],
    ...fields,
  };
}

/** A point `north` / `east` metres from (lat, lon). */
export function offset(lat: number, lon: number, north: number, east: number): { lat: number; lon: number } {
  return { lat: lat + north / 111_195, lon: lon + east / (111_195 * Math.cos((lat * Math.PI) / 180)) };
}

export function record(
  sourceId: string,
  sourceType: string,
  loc: Location,
  refs: ExternalRef[] = [],
): SourceRecord {
  return recordFromLocation(sourceId, sourceType, loc, refs);
}

export interface TestDb {
  db: Db;
  /** Writes locations of a source as one sync page would (creating the source row on first use). */
  write(
    sourceId: string,
    type: string,
    locations: Location[],
    refs?: Record<string, ExternalRef[]>,
  ): Promise<void>;
  /** Marks locations of a source removed, as a full pull that no longer lists them does. */
  remove(sourceId: string, pks: string[]): Promise<void>;
  /**
   * A full pull's end for the source's last written page, which listed `listed` locations: what it
   * did not list is removed (applyFullPullRemovals, no suspect-ratio guard). Returns how many.
   */
  removeUnlisted(sourceId: string, listed: number, now: string): Promise<number>;
  close(): Promise<void>;
}

export async function openTestDb(): Promise<TestDb> {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-dedupe-'));
  const db = openSqlite(join(dir, 'atlas.db'));
  let run = 0;
  const known = new Set<string>();
  return {
    db,
    async write(sourceId, type, locations, refs = {}) {
      if (!known.has(sourceId)) {
        known.add(sourceId);
        await db.batch([
          {
            sql: 'INSERT INTO sources (id, name, type, license, enabled, updated_at) VALUES (?, ?, ?, ?, 1, ?)',
            params: [sourceId, sourceId, type, 'CC0-1.0', '2026-01-01T00:00:00Z'],
          },
        ]);
      }
      const items: PageItem[] = locations.map((value) => ({ ok: true, value, refs: refs[value.id] }));
      await applyLocationPage(items, {
        db,
        sourceId,
        runId: ++run,
        now: '2026-01-02T00:00:00Z',
        counters: zeroCounters(),
        seen: new Map(),
      });
    },
    async remove(_sourceId, pks) {
      await db.batch([
        {
          sql: "UPDATE locations SET removed_at = '2026-01-03T00:00:00Z' WHERE pk IN (SELECT value FROM json_each(?))",
          params: [JSON.stringify(pks)],
        },
      ]);
    },
    async removeUnlisted(sourceId, listed, now) {
      const counters = zeroCounters();
      const last = await db.get<{ run: number }>(
        'SELECT max(last_seen_run) AS run FROM locations WHERE source_id = ?',
        [sourceId],
      );
      await applyFullPullRemovals(db, sourceId, 0, last!.run, listed, false, now, counters);
      return counters.removed;
    },
    async close() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
