// Our Locations and Tariffs SENDER interfaces (docs/ocpi-out.md): paginated GET lists with
// date_from / date_to / offset / limit, Link, X-Total-Count and X-Limit (SPEC-DIGEST §3), and GET of
// one Location / EVSE / Connector / Tariff by its owner's ids.
//
// We serve many parties, so one object is named by country_code, party_id and id: in the path
// (/{country_code}/{party_id}/{location_id}[/{evse_uid}[/{connector_id}]]) or, as a hub is
// addressed in 2.2+, by the OCPI-to-country-code / OCPI-to-party-id headers with the spec's own
// path ({location_id}[/{evse_uid}[/{connector_id}]]).
import { Hono } from 'hono';
import { z } from 'zod';
import {
  type SenderPage,
  type SenderWindow,
  senderLocation,
  senderLocations,
  senderTariff,
  senderTariffs,
} from '../../db/queries/ocpi-sender.js';
import type { Db } from '../../db/types.js';
import { formatOcpiDateTime, parseOcpiDateTime } from '../../ocpi/client/datetime.js';
import { invalidParameters, notFoundOcpi } from '../../ocpi/receiver/envelope.js';
import { connectorToOcpi, evseToOcpi, locationToOcpi, tariffToOcpi } from '../../ocpi/receiver/to-ocpi.js';
import type { ReceiverVersion } from '../../ocpi/receiver/versions.js';
import { type OcpiContext, type OcpiDeps, type OcpiEnv, ocpiBase, reply } from './context.js';

/** The page cap (X-Limit): a page of 1,000 locations is a few MB of JSON. */
export const SENDER_MAX_LIMIT = 1000;

const count = (name: string) =>
  z
    .string()
    .regex(/^\d{1,9}$/, `${name}: a whole number`)
    .transform(Number);
const dateTime = (name: string) =>
  z
    .string()
    .refine((s) => parseOcpiDateTime(s) !== null, `${name}: an OCPI DateTime, e.g. 2026-01-31T12:00:00Z`)
    .transform((s) => formatOcpiDateTime(s));

const listQuery = z.object({
  offset: count('offset').optional(),
  limit: count('limit')
    .refine((n) => n > 0, 'limit: at least 1')
    .optional(),
  date_from: dateTime('date_from').optional(),
  date_to: dateTime('date_to').optional(),
});

type ListQuery = z.infer<typeof listQuery>;

function readListQuery(c: OcpiContext): ListQuery & { offset: number; limit: number } {
  const parsed = listQuery.safeParse(c.req.query());
  if (!parsed.success) throw invalidParameters(parsed.error.issues.map((i) => i.message).join('; '));
  const q = parsed.data;
  if (q.date_from && q.date_to && q.date_from >= q.date_to) {
    throw invalidParameters('date_from must be before date_to');
  }
  return { ...q, offset: q.offset ?? 0, limit: Math.min(q.limit ?? SENDER_MAX_LIMIT, SENDER_MAX_LIMIT) };
}

/** Headers of a page; the next link keeps the filters and carries the capped limit (digest §3). */
function pageHeaders(
  c: OcpiContext,
  deps: OcpiDeps,
  module: string,
  q: ReturnType<typeof readListQuery>,
  total: number,
) {
  c.header('X-Total-Count', String(total));
  c.header('X-Limit', String(SENDER_MAX_LIMIT));
  const next = q.offset + q.limit;
  if (next >= total) return;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(c.req.query())) {
    if (name !== 'offset' && name !== 'limit') params.set(name, value);
  }
  params.set('offset', String(next));
  params.set('limit', String(q.limit));
  const url = `${ocpiBase(c, deps.publicUrl)}/${c.get('version')}/sender/${module}?${params}`;
  c.header('Link', `<${url}>; rel="next"`);
}

interface ObjectKey {
  countryCode: string;
  partyId: string;
  ids: string[];
}

const segmentsOf = (c: OcpiContext) =>
  ['a', 'b', 'c', 'd', 'e'].map((k) => c.req.param(k)).filter((v): v is string => v !== undefined);

/**
 * The owner and ids a single-object path names. Three segments are the path form unless routing
 * headers address another party than us: then they are location, EVSE and connector.
 */
function objectKey(c: OcpiContext, deps: OcpiDeps, segments: string[], maxIds: number): ObjectKey {
  const cc = c.req.header('OCPI-to-country-code');
  const pid = c.req.header('OCPI-to-party-id');
  const addressed =
    cc !== undefined &&
    pid !== undefined &&
    !(
      cc.toUpperCase() === deps.party.countryCode.toUpperCase() &&
      pid.toUpperCase() === deps.party.partyId.toUpperCase()
    );
  if (addressed && segments.length <= maxIds) return { countryCode: cc, partyId: pid, ids: segments };
  if (segments.length >= 3 && segments.length <= maxIds + 2) {
    return { countryCode: segments[0]!, partyId: segments[1]!, ids: segments.slice(2) };
  }
  throw invalidParameters(
    'name the owner: /{country_code}/{party_id}/{id}..., or the OCPI-to-country-code and OCPI-to-party-id headers',
  );
}

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

async function oneLocation(c: OcpiContext, deps: OcpiDeps, segments: string[]) {
  const key = objectKey(c, deps, segments, 3);
  const [locationId, evseUid, connectorId] = key.ids as [string, string?, string?];
  const version = c.get('version');
  const location = await senderLocation(c.get('db'), { ...key, id: locationId });
  if (!location) throw notFoundOcpi(`unknown location ${key.countryCode}/${key.partyId}/${locationId}`);
  if (evseUid === undefined) return reply(c, locationToOcpi(location, version));
  const evse = location.evses.find((e) => sameId(e.uid, evseUid));
  if (!evse) throw notFoundOcpi(`unknown EVSE ${evseUid} of location ${locationId}`);
  if (connectorId === undefined) return reply(c, evseToOcpi(evse, version));
  const connector = evse.connectors.find((k) => sameId(k.id, connectorId));
  if (!connector) throw notFoundOcpi(`unknown connector ${connectorId} of EVSE ${evseUid}`);
  return reply(c, connectorToOcpi(connector, version));
}

/** One list page of a sender module: window and paging from the query, headers, OCPI objects. */
function listPage<T>(
  deps: OcpiDeps,
  module: string,
  query: (db: Db, w: SenderWindow, offset: number, limit: number) => Promise<SenderPage<T>>,
  toOcpi: (item: T, version: ReceiverVersion) => unknown,
) {
  return async (c: OcpiContext) => {
    const q = readListQuery(c);
    const page = await query(c.get('db'), { dateFrom: q.date_from, dateTo: q.date_to }, q.offset, q.limit);
    pageHeaders(c, deps, module, q, page.total);
    return reply(
      c,
      page.items.map((item) => toOcpi(item, c.get('version'))),
    );
  };
}

export function createLocationsSender(deps: OcpiDeps) {
  const one = (c: OcpiContext) => oneLocation(c, deps, segmentsOf(c));
  return new Hono<OcpiEnv>()
    .get('/', listPage(deps, 'locations', senderLocations, locationToOcpi))
    .get('/:a', one)
    .get('/:a/:b', one)
    .get('/:a/:b/:c', one)
    .get('/:a/:b/:c/:d', one)
    .get('/:a/:b/:c/:d/:e', one);
}

export function createTariffsSender(deps: OcpiDeps) {
  const one = async (c: OcpiContext) => {
    const key = objectKey(c, deps, segmentsOf(c), 1);
    const tariff = await senderTariff(c.get('db'), { ...key, id: key.ids[0]! });
    if (!tariff) throw notFoundOcpi(`unknown tariff ${key.countryCode}/${key.partyId}/${key.ids[0]}`);
    return reply(c, tariffToOcpi(tariff, c.get('version')));
  };
  return new Hono<OcpiEnv>()
    .get('/', listPage(deps, 'tariffs', senderTariffs, tariffToOcpi))
    .get('/:a', one)
    .get('/:a/:b/:c', one);
}
