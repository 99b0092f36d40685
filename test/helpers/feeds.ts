// The real OCPI feeds in ../shared/data, as plain OCPI Location and Tariff lists, for tests and for
// the fake CPO's --data option. Files are read byte for byte; anything that is not plain OCPI
// (NDW's per-municipality wrapper, chargecloud's {next, items} page with tariffs inside EVSEs) is
// lifted here, in code, leaving the raw OCPI objects inside untouched.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { NormalizeContext } from '../../src/model/normalize-location.js';
import type { OcpiVersion } from '../../src/model/types.js';
import { unwrapOcpiBody } from '../../src/ocpi/envelope.js';

export const SHARED_DATA_DIR = path.resolve(process.cwd(), '../shared/data');

export type FeedFormat = 'ocpi' | 'ndw-details' | 'chargecloud';

export interface FeedSpec {
  /** Short unique name, e.g. `fastned`, `lakd@2024-05-30`, `ndw-delft`. */
  name: string;
  /** Path relative to ../shared/data. */
  file: string;
  version: OcpiVersion;
  format: FeedFormat;
}

export interface LoadedFeed {
  name: string;
  version: OcpiVersion;
  locations: unknown[];
  tariffs: unknown[];
  /** Owner ids for records that lack them (chargecloud's tariffs), when the feed states them elsewhere. */
  ctx?: NormalizeContext;
}

const OCM_DIR = 'ocm-captured-ocpi-feeds';
const LAKD_DIR = 'lt-lakd-ocpi';
// `ocpi_2_2_1_locations-ev24.json`, `ocpi_2_2_locations_powergo.json.gz`; voltrelli has no version.
const OCM_NAME = /^ocpi_(\d(?:_\d){1,2})_locations[-_](.+?)\.json(?:\.gz)?$/;
const LAKD_NAME = /^ocpi_2_2_locations-lakd\.lt@(\d{4}-\d{2}-\d{2})_[0-9a-f]+\.json(?:\.gz)?$/;

const OCM_VERSIONS: Record<string, OcpiVersion> = { '2_1_1': '2.1.1', '2_2': '2.2', '2_2_1': '2.2.1' };

/** Every OCPI Locations feed in ../shared/data (voltrelli excluded: it is not OCPI). */
export function listOcpiFeeds(): FeedSpec[] {
  const feeds: FeedSpec[] = [];
  for (const file of fs.readdirSync(path.join(SHARED_DATA_DIR, OCM_DIR)).sort()) {
    const m = OCM_NAME.exec(file);
    if (!m) continue;
    const version = OCM_VERSIONS[m[1]!];
    if (!version) throw new Error(`unexpected OCPI version in file name ${file}`);
    feeds.push({ name: m[2]!, file: `${OCM_DIR}/${file}`, version, format: 'ocpi' });
  }
  for (const file of fs.readdirSync(path.join(SHARED_DATA_DIR, LAKD_DIR)).sort()) {
    const m = LAKD_NAME.exec(file);
    // The file names say 2_2, but the publisher's endpoint is /ocpi/2.2.1/locations (data/README.md §2).
    if (m)
      feeds.push({ name: `lakd@${m[1]}`, file: `${LAKD_DIR}/${file}`, version: '2.2.1', format: 'ocpi' });
  }
  feeds.push(
    // stadtnavi: 2.2-style connectors (max_voltage), no owner ids, no publish flag.
    {
      name: 'stadtnavi',
      file: 'de-ludwigsburg-multisource/stadtnavi_ocpi_full_data.json',
      version: '2.2',
      format: 'ocpi',
    },
    {
      name: 'ndw-delft',
      file: 'nl-ndw-derived-delft-nijmegen/delft.details.json.gz',
      version: '2.2.1',
      format: 'ndw-details',
    },
    {
      name: 'ndw-nijmegen',
      file: 'nl-ndw-derived-delft-nijmegen/nijmegen.details.json.gz',
      version: '2.2.1',
      format: 'ndw-details',
    },
    {
      name: 'chargecloud-ludwigsburg',
      file: 'de-ludwigsburg-multisource/chargecloud_ludwigsburg_request_1.json',
      version: '2.2.1',
      format: 'chargecloud',
    },
  );
  return feeds;
}

/** JSON from a file as stored: gunzipped when `.gz`, without a UTF-8 BOM (Punkt-E has one). */
export function readSharedJson(relativePath: string): unknown {
  const bytes = fs.readFileSync(path.join(SHARED_DATA_DIR, relativePath));
  const text = (relativePath.endsWith('.gz') ? zlib.gunzipSync(bytes) : bytes).toString('utf8');
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

export function loadFeed(name: string): LoadedFeed {
  const spec = listOcpiFeeds().find((f) => f.name === name);
  if (!spec) throw new Error(`no OCPI feed named ${name}`);
  const json = readSharedJson(spec.file);
  switch (spec.format) {
    case 'ocpi':
      return { name, version: spec.version, locations: ocpiList(json, spec.file), tariffs: [] };
    case 'ndw-details':
      return { name, version: spec.version, ...liftNdwDetails(json) };
    case 'chargecloud':
      return { name, version: spec.version, ...liftChargecloudPage(json) };
  }
}

/** Records of a feed that is known not to be OCPI, to show that it is refused. */
export function loadNonOcpi(name: 'voltrelli'): unknown[] {
  return ocpiList(readSharedJson(`${OCM_DIR}/ocpi_locations-${name}.json`), name);
}

function ocpiList(json: unknown, what: string): unknown[] {
  const body = unwrapOcpiBody(json);
  if (!body.ok) throw new Error(`${what}: ${body.message}`);
  if (!Array.isArray(body.data)) throw new Error(`${what}: data is not a list`);
  return body.data;
}

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Distinct tariffs by (country_code, party_id, id), first occurrence kept as the same object. */
function addTariff(into: Map<string, unknown>, t: unknown): void {
  if (!isRecord(t)) return;
  const key = `${t.country_code ?? ''}/${t.party_id ?? ''}/${String(t.id)}`;
  if (!into.has(key)) into.set(key, t);
}

/**
 * NDW via laadpalenviewer: `{ [locationId]: { locationId, ocpiId, name, address, city, postalCode,
 * country, latitude, longitude (numbers), parkingType, operatorName, operatorWebsite, ownerName,
 * twentyFourSeven, lastUpdated, evses: [raw OCPI 2.2.1 EVSE] } }`, with the raw OCPI tariffs
 * added as `connectors[].tariffs[]`. The derived camelCase fields become an OCPI Location around
 * the untouched EVSE objects; the embedded tariffs become the tariff list.
 */
export function liftNdwDetails(json: unknown): { locations: unknown[]; tariffs: unknown[] } {
  if (!isRecord(json)) throw new Error('NDW details: expected an object keyed by location id');
  const locations: unknown[] = [];
  const tariffs = new Map<string, unknown>();
  for (const w of Object.values(json)) {
    if (!isRecord(w)) throw new Error('NDW details: a value is not an object');
    const evses = asList(w.evses);
    let owner: Json | null = null;
    for (const evse of evses) {
      for (const c of isRecord(evse) ? asList(evse.connectors) : []) {
        for (const t of isRecord(c) ? asList(c.tariffs) : []) {
          addTariff(tariffs, t);
          // The raw tariffs carry the owning CPO's OCPI ids; the wrapper dropped them from the location.
          if (owner === null && isRecord(t) && typeof t.country_code === 'string') owner = t;
        }
      }
    }
    const location: Json = {
      id: w.ocpiId ?? w.locationId,
      publish: true, // NDW publishes only what it may show: it is an open-data dump
      name: w.name,
      address: w.address,
      city: w.city,
      postal_code: w.postalCode,
      country: w.country,
      coordinates: { latitude: coordinateText(w.latitude), longitude: coordinateText(w.longitude) },
      parking_type: w.parkingType,
      evses,
      last_updated: w.lastUpdated,
    };
    if (owner !== null) {
      location.country_code = owner.country_code;
      location.party_id = owner.party_id;
    }
    if (typeof w.operatorName === 'string')
      location.operator = { name: w.operatorName, website: w.operatorWebsite ?? null };
    if (typeof w.ownerName === 'string') location.owner = { name: w.ownerName };
    // twentyFourSeven=false carries no regular hours, so only `true` can become OCPI Hours.
    if (w.twentyFourSeven === true) location.opening_times = { twentyfourseven: true };
    locations.push(location);
  }
  return { locations, tariffs: [...tariffs.values()] };
}

/** OCPI coordinates are strings; NDW's wrapper turned them into numbers. */
function coordinateText(v: unknown): unknown {
  return typeof v === 'number' ? String(v) : v;
}

/**
 * chargecloud: `{ next, items: [OCPI 2.2.1-like Location] }` where each EVSE carries its tariffs as
 * `tariffs[]` and connectors have no `tariff_ids`. The distinct tariffs become the tariff list;
 * each EVSE loses `tariffs` and its connectors get `tariff_ids` pointing at them, so the link
 * survives. The tariffs have no owner ids: ctx takes them from the locations (all DE/SLB).
 */
export function liftChargecloudPage(json: unknown): {
  locations: unknown[];
  tariffs: unknown[];
  ctx?: NormalizeContext;
} {
  if (!isRecord(json) || !Array.isArray(json.items))
    throw new Error('chargecloud: expected {next, items: [...]}');
  const tariffs = new Map<string, unknown>();
  const owners = new Set<string>();
  const locations = json.items.map((loc) => {
    if (!isRecord(loc)) return loc;
    owners.add(`${String(loc.country_code)}/${String(loc.party_id)}`);
    if (!Array.isArray(loc.evses)) return loc;
    const evses = loc.evses.map((evse) => {
      if (!isRecord(evse) || !Array.isArray(evse.tariffs)) return evse;
      const tariffIds = evse.tariffs.filter(isRecord).map((t) => String(t.id));
      for (const t of evse.tariffs) addTariff(tariffs, t);
      const { tariffs: _embedded, ...rest } = evse;
      const connectors = asList(evse.connectors).map((c) =>
        isRecord(c) && c.tariff_ids === undefined ? { ...c, tariff_ids: tariffIds } : c,
      );
      return { ...rest, connectors };
    });
    return { ...loc, evses };
  });
  const [only] = owners;
  if (owners.size !== 1 || only === undefined) return { locations, tariffs: [...tariffs.values()] };
  const [countryCode, partyId] = only.split('/') as [string, string];
  return { locations, tariffs: [...tariffs.values()], ctx: { countryCode, partyId } };
}
