// The real sources of ../shared/data as dedupe records, one function per source. Files are read as
// stored; OCPI feeds go through the real normalizer, registers through the real importers. chargeIT
// has no importer (it is not a format the atlas reads), so its places are mapped here, in code.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { recordFromLocation } from '../../src/dedupe/source-record.js';
import type { SourceRecord } from '../../src/dedupe/types.js';
import { parseRegister } from '../../src/ingest/registers/index.js';
import { ocmOperatorsFromReference } from '../../src/ingest/registers/ocm.js';
import { locationKey, normalizeEvseId } from '../../src/model/ids.js';
import { normalizeLocation } from '../../src/model/normalize-location.js';
import { loadFeed, SHARED_DATA_DIR } from '../helpers/feeds.js';

export function sharedText(relative: string): string {
  const bytes = fs.readFileSync(path.join(SHARED_DATA_DIR, relative));
  const text = (relative.endsWith('.gz') ? zlib.gunzipSync(bytes) : bytes).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Every location of an OCPI feed (helpers/feeds.ts names) that the normalizer keeps. */
export function ocpiFeedRecords(feedName: string, sourceId: string): SourceRecord[] {
  const feed = loadFeed(feedName);
  const out: SourceRecord[] = [];
  for (const raw of feed.locations) {
    const r = normalizeLocation(raw, feed.version, feed.ctx);
    if (r.ok && r.value.publish) out.push(recordFromLocation(sourceId, 'ocpi', r.value));
  }
  return out;
}

export function registerRecords(
  format: 'bnetza-json' | 'ocm',
  text: string,
  sourceId: string,
): SourceRecord[] {
  const options =
    format === 'ocm'
      ? {
          ocmOperators: ocmOperatorsFromReference(
            JSON.parse(sharedText('lt-ocm-export-sample/ocm-data_reference.json')),
          ),
        }
      : {};
  const out: SourceRecord[] = [];
  for (const rec of parseRegister(format, text, options)) {
    if (rec.ok) out.push(recordFromLocation(sourceId, format, rec.location, rec.externalRefs));
  }
  return out;
}

export const OCM_SAMPLE_IDS = [
  '103601',
  '13571',
  '18581',
  '267697',
  '267698',
  '267699',
  '267700',
  '267701',
  '267702',
];

export function ocmSampleRecords(sourceId: string): SourceRecord[] {
  return OCM_SAMPLE_IDS.flatMap((id) =>
    registerRecords('ocm', sharedText(`lt-ocm-export-sample/OCM-${id}.json`), sourceId),
  );
}

export function bnetzaApiRecords(sourceId: string): SourceRecord[] {
  return registerRecords(
    'bnetza-json',
    sharedText('de-ludwigsburg-multisource/bnetza_api_subset.json.gz'),
    sourceId,
  );
}

interface ChargeItCircuit {
  evseId?: string | null;
  plug?: string;
  power_type?: string;
  max_electric_power?: number | null;
  status?: string;
}

interface ChargeItPlace {
  name: string;
  shortcode: string;
  lat: number;
  lon: number;
  operatorName?: string;
  address?: { street?: string; city?: string; zipCode?: string };
  circuits: ChargeItCircuit[];
}

const CHARGEIT_PLUG: Record<string, string> = {
  TYP2: 'IEC_62196_T2',
  TYP2_CABLE: 'IEC_62196_T2',
  CCS: 'IEC_62196_T2_COMBO',
  CHAdeMO: 'CHADEMO',
};

/** chargeIT places (one per charging pole, id = shortcode), dated by the dump (2022-12-28). */
export function chargeItRecords(sourceId: string): SourceRecord[] {
  const json = JSON.parse(sharedText('de-ludwigsburg-multisource/chargeit_swlb_full_data.json')) as {
    operator: { operatorPlaces: ChargeItPlace[] };
  };
  return json.operator.operatorPlaces.map((p) => {
    const connectors = p.circuits.map((c) => ({
      standard: CHARGEIT_PLUG[c.plug ?? ''] ?? 'UNKNOWN',
      powerType: c.power_type === 'DC' ? 'DC' : c.power_type === 'AC' ? 'AC_3_PHASE' : null,
      maxPowerW: c.max_electric_power ?? null,
    }));
    const maxPowerW = connectors.reduce<number | null>(
      (m, c) => (c.maxPowerW != null && (m == null || c.maxPowerW > m) ? c.maxPowerW : m),
      null,
    );
    return {
      pk: locationKey(sourceId, 'DE', 'SLB', p.shortcode),
      sourceId,
      sourceType: 'chargeit',
      recordId: p.shortcode,
      countryCode: 'DE',
      partyId: 'SLB',
      lat: p.lat,
      lon: p.lon,
      name: p.name.trim(),
      address: p.address?.street?.trim() || null,
      city: p.address?.city ?? null,
      postalCode: p.address?.zipCode ?? null,
      country: 'DEU',
      operatorName: p.operatorName ?? null,
      operatorWebsite: null,
      ownerName: null,
      parkingType: null,
      timeZone: 'Europe/Berlin',
      facilities: [],
      openingTimes: null,
      maxPowerW,
      evses: p.circuits.map((c) => ({
        evseIdNorm: normalizeEvseId(c.evseId),
        status: c.status ?? 'UNKNOWN',
        statusUpdatedAt: '2022-12-28T00:00:00Z',
      })),
      connectors,
      refs: [],
      lastUpdated: '2022-12-28T00:00:00Z',
    };
  });
}
