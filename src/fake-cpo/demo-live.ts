// The demo data's statuses as a CPO would report them at a given time. The seeded data set
// (demo-data.ts) is dated 2025, so every status in it is older than the stale threshold the API and
// the map use (ATLAS_STALE_AFTER_S, 15 min): `npm start` showed a grey map. Here each EVSE confirms
// its status every CONFIRM_EVERY_S (at its own phase), and its status is drawn anew at the start of
// each spell of CONFIRMS_PER_SPELL confirmations, so a small share changes between two pulls.
// Everything is a function of the EVSE's uid and the clock: no state, no Math.random, the same
// answer for the same time (tests inject the clock). The statuses are simulated, not measured.
import { formatOcpiDateTime } from '../ocpi/client/datetime.js';
import type { DemoLocation } from './demo-data.js';

/**
 * Served last_updated are at most this old. With the demo source's 5-minute pulls and their jitter
 * (under 20 s), a status held by the atlas is at most about 10.5 min old: fresh under 15 min.
 */
export const CONFIRM_EVERY_S = 300;
/** An hour-long spell: about 1% of the moving EVSEs change a minute, some 30 of 657 per 5-minute pull. */
export const CONFIRMS_PER_SPELL = 12;
/** The seeded mix is 58 AVAILABLE to 30 CHARGING; each spell keeps that share in use. */
const CHARGING_SHARE = 30 / 88;
/** Seeded OUTOFORDER, UNKNOWN and BLOCKED EVSEs stay so (still confirmed); only these move. */
const MOVING: ReadonlySet<string> = new Set(['AVAILABLE', 'CHARGING']);

type DemoEvse = DemoLocation['evses'][number];

/** A number in [0, 1) fixed by the text: the same EVSE and spell always draw the same. */
function draw(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  // MurmurHash3's finalizer: FNV-1a alone leaves texts that differ in the last digit close.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

const newer = (a: string, b: string) => (a > b ? a : b);

/** The EVSE as its last confirmation at or before `nowS` reported it. */
function liveEvse(evse: DemoEvse, nowS: number): DemoEvse {
  const phaseS = Math.floor(draw(`${evse.uid}/phase`) * CONFIRM_EVERY_S);
  const confirmation = Math.floor((nowS - phaseS) / CONFIRM_EVERY_S);
  const confirmedAt = formatOcpiDateTime(new Date((confirmation * CONFIRM_EVERY_S + phaseS) * 1000));
  // Spells start at a different confirmation per EVSE, so changes spread over the hour.
  const shift = Math.floor(draw(`${evse.uid}/shift`) * CONFIRMS_PER_SPELL);
  const spell = Math.floor((confirmation + shift) / CONFIRMS_PER_SPELL);
  const status = !MOVING.has(evse.status)
    ? evse.status
    : draw(`${evse.uid}/spell/${spell}`) < CHARGING_SHARE
      ? 'CHARGING'
      : 'AVAILABLE';
  // Never older than the seeded stamp, which dates its connectors (a location is never older than
  // what it holds, digest §3).
  return { ...evse, status, last_updated: newer(evse.last_updated, confirmedAt) };
}

/** The location as the demo CPO serves it at `now`: seeded, with its EVSEs' statuses of that time. */
export function liveDemoLocation(location: DemoLocation, now: Date): DemoLocation {
  const nowS = Math.floor(now.getTime() / 1000);
  const evses = location.evses.map((e) => liveEvse(e, nowS));
  const lastUpdated = evses.reduce((at, e) => newer(at, e.last_updated), location.last_updated);
  return { ...location, evses, last_updated: lastUpdated };
}

/** As the fake CPO's `locationAt` takes it (it holds locations untyped): for the demo's locations. */
export const demoLocationAt = (location: unknown, now: Date): unknown =>
  liveDemoLocation(location as DemoLocation, now);
