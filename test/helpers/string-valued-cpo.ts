// A CPO's own JSON as real CPOs publish it outside OCPI, made from a shared OCPI feed: one record
// per connector (a location without EVSEs, an EVSE without connectors get one record with those
// columns empty), every value a
// string, decimal commas, dates as DD-MM-YYYY HH:mm:ss, statuses and plug names in Dutch. The
// mapped-register test reads it with the config in docs/registers.md and compares with the feed.
import { normalizeLocation } from '../../src/model/normalize-location.js';
import type { Connector, Evse, Location } from '../../src/model/types.js';
import { loadFeed } from './feeds.js';

const STATUS: Record<string, string> = {
  AVAILABLE: 'Beschikbaar',
  CHARGING: 'Bezet',
  RESERVED: 'Gereserveerd',
  BLOCKED: 'Geblokkeerd',
  OUTOFORDER: 'Buiten gebruik',
  INOPERATIVE: 'Niet beschikbaar',
  PLANNED: 'Gepland',
  REMOVED: 'Verwijderd',
  UNKNOWN: 'Onbekend',
};
const PLUG: Record<string, string> = {
  IEC_62196_T2_COMBO: 'Snellader CCS (Combo 2)',
  CHADEMO: 'Snellader CHAdeMO',
  IEC_62196_T2: 'Type 2 (Mennekes)',
  IEC_62196_T1: 'Type 1 (Yazaki)',
  DOMESTIC_F: 'Schuko stopcontact',
};
const FORMAT: Record<string, string> = { CABLE: 'Vaste kabel', SOCKET: 'Contactdoos' };
const CURRENT: Record<string, string> = {
  DC: 'Gelijkstroom',
  AC_1_PHASE: 'Wisselstroom 1-fase',
  AC_3_PHASE: 'Wisselstroom 3-fase',
};

export interface StringValuedFeed {
  /** The JSON document's text. */
  text: string;
  /** The feed's locations as the OCPI normalizer reads them: what the mapped import must reproduce. */
  locations: Location[];
}

export function stringValuedCpoJson(feedName: string): StringValuedFeed {
  const feed = loadFeed(feedName);
  const locations = feed.locations.flatMap((raw) => {
    const r = normalizeLocation(raw, feed.version, feed.ctx);
    return r.ok ? [r.value] : [];
  });
  const laadpalen = locations.flatMap((l) =>
    l.evses.length === 0
      ? [row(l, null, null)]
      : l.evses.flatMap((e) =>
          e.connectors.length === 0 ? [row(l, e, null)] : e.connectors.map((c) => row(l, e, c)),
        ),
  );
  return { text: JSON.stringify({ resultaat: { aantal: String(laadpalen.length), laadpalen } }), locations };
}

/** The same feed nested as many CPOs publish it: locations holding EVSEs holding connectors, "id" at each level. */
export function nestedStringValuedCpoJson(feedName: string): StringValuedFeed {
  const { locations } = stringValuedCpoJson(feedName);
  const locaties = locations.map((l) => {
    const { locatie_id, breedtegraad, lengtegraad, exploitant, ...rest } = locationColumns(l);
    return {
      id: locatie_id,
      ...rest,
      positie: { lat: breedtegraad, lng: lengtegraad },
      exploitant: { naam: exploitant },
      laadpunten: l.evses.map((e) => ({
        id: e.uid,
        evse_id: e.evseId ?? '',
        status: dutch(STATUS, e.status),
        stekkers: e.connectors.map((c) => {
          const { stekker_id, ...columns } = connectorColumns(c);
          return { id: stekker_id, ...columns };
        }),
      })),
    };
  });
  return { text: JSON.stringify({ locaties }), locations };
}

function row(l: Location, e: Evse | null, c: Connector | null): Record<string, string> {
  return {
    ...locationColumns(l),
    laadpunt_id: e?.uid ?? '',
    evse_id: e?.evseId ?? '',
    status: e ? dutch(STATUS, e.status) : '',
    ...connectorColumns(c),
  };
}

function locationColumns(l: Location) {
  return {
    locatie_id: l.id,
    naam: l.name ?? '',
    adres: l.address ?? '',
    plaats: l.city ?? '',
    postcode: l.postalCode ?? '',
    land: l.country ?? '',
    breedtegraad: commaDecimal(l.lat),
    lengtegraad: commaDecimal(l.lon),
    exploitant: l.operator?.name ?? '',
    bijgewerkt: dutchDate(l.lastUpdated),
  };
}

function connectorColumns(c: Connector | null) {
  return {
    stekker_id: c?.id ?? '',
    stekkertype: c ? dutch(PLUG, c.standard) : '',
    uitvoering: c?.format ? dutch(FORMAT, c.format) : '',
    stroomsoort: c?.powerType ? dutch(CURRENT, c.powerType) : '',
    vermogen_kw: c?.maxPowerW == null ? '' : commaDecimal(c.maxPowerW / 1000),
    stroom_a: c?.maxAmperage == null ? '' : String(c.maxAmperage),
    spanning_v: c?.maxVoltage == null ? '' : String(c.maxVoltage),
  };
}

function dutch(table: Record<string, string>, value: string): string {
  const word = table[value];
  if (word === undefined) throw new Error(`no Dutch word for ${value}: extend the helper's table`);
  return word;
}

function commaDecimal(n: number): string {
  return String(n).replace('.', ',');
}

/** "2019-08-30T11:46:31.000Z" -> "30-08-2019 11:46:31". */
function dutchDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  if (!m) throw new Error(`unexpected timestamp ${iso}`);
  return `${m[3]}-${m[2]}-${m[1]} ${m[4]}`;
}
