// OCPI 2.2+ message routing headers on an answer: to = the party that sent the request, from = us
// (the party it addressed, else our own). Used by the app's receiver and sender routes (app.ts) and
// by the status PATCHes answered before the app (status-patch-requests.ts), so both answer alike.
import type { OcpiDeps } from './context.js';

/**
 * The routing headers of the answer to a request of `version` whose header `name` reads
 * `header(name)`; none on 2.1.1 or when the sender did not say who it is.
 */
export function answerRoutingHeaders(
  version: string,
  header: (name: string) => string | null | undefined,
  us: Pick<OcpiDeps['party'], 'countryCode' | 'partyId'>,
): [string, string][] {
  if (version === '2.1.1') return [];
  const fromCc = header('OCPI-from-country-code');
  const fromPid = header('OCPI-from-party-id');
  if (!fromCc || !fromPid) return [];
  return [
    ['OCPI-to-country-code', fromCc],
    ['OCPI-to-party-id', fromPid],
    ['OCPI-from-country-code', header('OCPI-to-country-code') ?? us.countryCode],
    ['OCPI-from-party-id', header('OCPI-to-party-id') ?? us.partyId],
  ];
}
