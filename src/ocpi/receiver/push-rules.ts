// The checks every push passes before anything is written (SPEC-DIGEST §1 "Push"): the body is a
// JSON object, the owner ids in the path belong to the pushing token, ids in path and body agree,
// a 2.2+ PATCH carries last_updated, and each given field has the type its version allows.

import { toUtcIso } from '../../model/normalize-values.js';
import type { OcpiVersion } from '../../model/types.js';
import { type LocationDepth, partialLocationPatchSchema } from '../schemas.js';
import { invalidParameters, OcpiError, OcpiStatus } from './envelope.js';

export interface Party {
  country_code: string;
  party_id: string;
}

/** 400 when the body is not JSON at all (the transport layer's error), 2001 when not an object. */
export function readJsonObject(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new OcpiError(400, OcpiStatus.clientError, 'request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidParameters('request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** Country codes and party ids are CiStrings in 2.2+; 2.1.1 peers are treated the same way. */
export function ownsParty(parties: readonly Party[], countryCode: string, partyId: string): boolean {
  const cc = countryCode.toUpperCase();
  const pid = partyId.toUpperCase();
  return parties.some((p) => p.country_code.toUpperCase() === cc && p.party_id.toUpperCase() === pid);
}

/** Ids are CiStrings in 2.2+ and case-sensitive strings in 2.1.1. */
export function sameId(version: OcpiVersion, a: string, b: string): boolean {
  return version === '2.1.1' ? a === b : a.toLowerCase() === b.toLowerCase();
}

function idOf(v: unknown): string | null {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/**
 * Path id vs body id: an id in the body must equal the path's (2001, SPEC-DIGEST §1). A PUT body
 * must carry it; a PATCH body may leave it out.
 */
export function checkBodyId(
  version: OcpiVersion,
  body: Record<string, unknown>,
  key: string,
  pathId: string,
  required: boolean,
): void {
  const given = body[key];
  if (given === undefined || given === null) {
    if (required)
      throw invalidParameters(`${key} is missing from the body (the path says ${JSON.stringify(pathId)})`);
    return;
  }
  const id = idOf(given);
  if (id === null || !sameId(version, id, pathId)) {
    throw invalidParameters(
      `${key} ${JSON.stringify(given)} in the body does not match ${JSON.stringify(pathId)} in the path`,
    );
  }
}

/**
 * 2.2+ bodies of Locations and Tariffs name their owner: it must be the pusher's party (else the
 * same 404 as a foreign path) and the party of the path (else 2001).
 */
export function checkBodyOwner(
  version: OcpiVersion,
  body: Record<string, unknown>,
  path: Party,
  parties: readonly Party[],
): void {
  if (version === '2.1.1') return;
  const cc = body.country_code;
  const pid = body.party_id;
  if (cc === undefined && pid === undefined) return;
  const bodyParty = {
    country_code: typeof cc === 'string' ? cc : path.country_code,
    party_id: typeof pid === 'string' ? pid : path.party_id,
  };
  if ((cc !== undefined && typeof cc !== 'string') || (pid !== undefined && typeof pid !== 'string')) {
    throw invalidParameters('country_code and party_id must be strings');
  }
  if (!ownsParty(parties, bodyParty.country_code, bodyParty.party_id)) {
    throw foreignParty(bodyParty);
  }
  if (!ownsParty([path], bodyParty.country_code, bodyParty.party_id)) {
    throw invalidParameters(
      `country_code/party_id ${bodyParty.country_code}/${bodyParty.party_id} in the body do not match ` +
        `${path.country_code}/${path.party_id} in the path`,
    );
  }
}

/** Transport chapter: a server may answer 404 to a client addressing another party's objects. */
export function foreignParty(p: Party): OcpiError {
  return new OcpiError(
    404,
    OcpiStatus.clientError,
    `party ${p.country_code}/${p.party_id} is not one this token may push for`,
  );
}

/**
 * A Locations PATCH body: each present field of the type its version allows; 2.2+ requires
 * last_updated (SPEC-DIGEST §1). Returns last_updated as canonical UTC, or null (2.1.1 only).
 */
export function checkLocationPatch(
  version: OcpiVersion,
  depth: LocationDepth,
  body: Record<string, unknown>,
): string | null {
  requirePatchLastUpdated(version, body);
  const parsed = partialLocationPatchSchema(version, depth).safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidParameters(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid value'}`);
  }
  return readLastUpdated(body);
}

/** SPEC-DIGEST §1: a 2.2+ PATCH SHALL carry last_updated. */
export function requirePatchLastUpdated(version: OcpiVersion, body: Record<string, unknown>): void {
  if (version !== '2.1.1' && (body.last_updated === undefined || body.last_updated === null)) {
    throw invalidParameters('last_updated is required in a PATCH (OCPI 2.2+)');
  }
}

/** last_updated of a body as canonical UTC; 2001 when present but not a DateTime. */
export function readLastUpdated(body: Record<string, unknown>): string | null {
  const v = body.last_updated;
  if (v === undefined || v === null) return null;
  const iso = typeof v === 'string' ? toUtcIso(v) : null;
  if (iso === null) throw invalidParameters(`last_updated ${JSON.stringify(v)} is not an OCPI DateTime`);
  return iso;
}

/** Whole-value replacement of each field the PATCH gives (SPEC-DIGEST §1: no deep merge rules). */
export function mergePatch(
  stored: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  return { ...stored, ...patch };
}

/**
 * How far ahead of our clock a pushed `last_updated` may be: clocks drift, but an object stamped
 * in the future would win every later comparison and freeze (a PATCH of year 9999 made every real
 * update "not applied").
 */
export const MAX_CLOCK_AHEAD_MS = 5 * 60 * 1000;

/**
 * 2001 when any `last_updated` in the body (the object's own, its EVSEs', connectors', elements'...)
 * lies more than MAX_CLOCK_AHEAD_MS after `now`. Refused rather than clamped: the CPO learns its
 * clock is wrong, and the store never holds a time it cannot be corrected from.
 */
export function refuseFutureTimestamps(body: unknown, now: Date): void {
  visitTimestamps(body, '', now.getTime() + MAX_CLOCK_AHEAD_MS, now);
}

/**
 * refuseFutureTimestamps' walk: a value's path is spelled only for what is walked into or refused
 * (a closure and a path string per key cost ~1 us of a status PATCH in the push bench's profile).
 */
function visitTimestamps(v: unknown, path: string, limit: number, now: Date): void {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      if (typeof item === 'object' && item !== null) visitTimestamps(item, `${path}[${i}]`, limit, now);
    }
    return;
  }
  if (typeof v !== 'object' || v === null) return;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const child = o[k];
    if (k === 'last_updated' && typeof child === 'string') {
      const t = Date.parse(toUtcIso(child) ?? '');
      if (Number.isFinite(t) && t > limit) {
        throw invalidParameters(
          `${path ? `${path}.${k}` : k} ${child} is more than ${MAX_CLOCK_AHEAD_MS / 60_000} minutes ahead of our clock ` +
            `(${now.toISOString()}): check the clock of the sending system`,
        );
      }
    } else if (typeof child === 'object' && child !== null)
      visitTimestamps(child, path ? `${path}.${k}` : k, limit, now);
  }
}
