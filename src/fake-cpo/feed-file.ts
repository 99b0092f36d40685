// What the fake CPO serves from a file (`npm run fake-cpo -- --data FILE`), and the tests' loader of
// ../shared/data (test/helpers/feeds.ts): the shapes real feeds come in, each told by its shape, and
// lifted to plain OCPI Location and Tariff lists in code, the raw OCPI objects inside untouched.
//   - an OCPI list, bare or in the envelope (whole, or `{data}` only: Punkt-E, PowerGo);
//   - chargecloud's `{next, items}` page, its tariffs inside the EVSEs;
//   - NDW's per-municipality details file (laadpalenviewer): an object keyed by location id.
// Anything else is refused with what was found and what is read, as is a list that is not OCPI
// Locations (voltrelli's camelCase records).
import type { NormalizeContext } from '../model/normalize-location.js';
import { assertOcpiLocations } from '../ocpi/detect-feed.js';
import { unwrapOcpiBody } from '../ocpi/envelope.js';

export type FeedShape = 'ocpi' | 'chargecloud' | 'ndw-details';

export interface FeedFile {
  shape: FeedShape;
  locations: unknown[];
  tariffs: unknown[];
  /** The owner ids of records that lack them (chargecloud's tariffs), when the file states them elsewhere. */
  ctx?: NormalizeContext;
}

/** The shapes read, for a message that refuses another. */
export const FEED_SHAPES =
  "an OCPI Locations list (bare, or in OCPI's envelope), chargecloud's {next, items} page, " +
  "or NDW's details file (an object of locations keyed by id, as laadpalenviewer writes it)";

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * The Locations (and Tariffs) a feed file holds, whichever of the shapes above it has. Throws with
 * the shape found when it is none of them, or when its records are not OCPI Locations.
 */
export function feedOfJson(json: unknown): FeedFile {
  const feed = liftFeed(json);
  assertOcpiLocations(feed.locations);
  return feed;
}

function liftFeed(json: unknown): FeedFile {
  if (isChargecloudPage(json)) return { shape: 'chargecloud', ...liftChargecloudPage(json) };
  if (isNdwDetails(json)) return { shape: 'ndw-details', ...liftNdwDetails(json) };
  return { shape: 'ocpi', locations: ocpiList(json), tariffs: [] };
}

/** An OCPI list, bare or enveloped; throws naming what the body holds instead. */
export function ocpiList(json: unknown): unknown[] {
  const body = unwrapOcpiBody(json);
  if (!body.ok) throw new Error(body.message);
  if (Array.isArray(body.data)) return body.data;
  throw new Error(`expected ${FEED_SHAPES}; found ${shapeOf(body.data)}`);
}

function shapeOf(v: unknown): string {
  if (!isRecord(v)) return v === null ? 'null' : typeof v;
  const keys = Object.keys(v);
  if (keys.length === 0) return 'an empty object';
  return `an object with keys ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', ...' : ''}`;
}

function isChargecloudPage(json: unknown): json is { next?: unknown; items: unknown[] } {
  return (
    isRecord(json) &&
    Array.isArray(json.items) &&
    Object.keys(json).every((k) => k === 'items' || k === 'next')
  );
}

function isNdwDetails(json: unknown): json is Json {
  if (!isRecord(json) || 'data' in json || 'status_code' in json) return false;
  const values = Object.values(json);
  return (
    values.length > 0 &&
    values.every((w) => isRecord(w) && Array.isArray(w.evses) && ('locationId' in w || 'ocpiId' in w))
  );
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
