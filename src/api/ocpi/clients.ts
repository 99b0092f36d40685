// eMSPs and apps reading our OCPI sender: who is calling (token A or C, by digest), and their side of
// the credentials handshake (SPEC-DIGEST §4 with us as the data owner).
//
// POST (with A): we read its credentials (its token B, versions URL, roles), fetch its versions and
// details with B before answering (failure 3001, no credentials module 3003), mint a token C and
// answer with our credentials carrying C. Its Locations / Tariffs RECEIVER endpoints, if it lists
// any, are where the outbox pushes from then on. PUT (with C): the same again, a new C. DELETE
// (with C): the connection ends. GET (with C): our credentials.
import type { Context } from 'hono';
import { clientByTokenDigest, registerClient, unregisterClient } from '../../db/queries/ocpi-clients.js';
import type { Db } from '../../db/types.js';
import { credentialsObject } from '../../ocpi/client/credentials.js';
import { readPeerCredentials } from '../../ocpi/receiver/credentials.js';
import { OcpiError, OcpiStatus } from '../../ocpi/receiver/envelope.js';
import { readJsonObject } from '../../ocpi/receiver/push-rules.js';
import { mintToken, sameDigest, tokenDigest } from '../../ocpi/receiver/token-hash.js';
import { type ClientCaller, type OcpiContext, type OcpiDeps, ocpiBase, reply } from './context.js';
import { discoverPeer, notRegistered } from './peer-discovery.js';

export async function identifyClient(db: Db, candidates: string[]): Promise<ClientCaller | null> {
  for (const token of candidates) {
    const digest = await tokenDigest(token);
    const row = await clientByTokenDigest(db, digest);
    if (!row) continue;
    if (row.token_c_hash !== null && sameDigest(row.token_c_hash, digest))
      return { row, via: 'registered', token };
    if (row.token_a_hash !== null && sameDigest(row.token_a_hash, digest))
      return { row, via: 'token_a', token };
  }
  return null;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Our credentials towards a client: one role, NAP or HUB (2.3.0 has no HUB role: hub_party_id). */
function ours(c: OcpiContext, deps: OcpiDeps, token: string) {
  const version = c.get('version');
  const hub = deps.senderRole === 'HUB';
  const role = hub && version === '2.3.0' ? 'OTHER' : deps.senderRole;
  const creds = credentialsObject(version, token, `${ocpiBase(c, deps.publicUrl)}/versions`, {
    ...deps.party,
    role,
  });
  return hub && version === '2.3.0'
    ? { ...creds, hub_party_id: `${deps.party.countryCode}${deps.party.partyId}` }
    : creds;
}

async function exchange(c: OcpiContext, deps: OcpiDeps, client: ClientCaller) {
  const version = c.get('version');
  const theirs = readPeerCredentials(readJsonObject(await c.req.text()), version);
  const found = await discoverPeer(c, deps, theirs, { client: client.row.id });
  const tokenC = mintToken();
  await registerClient(c.get('db'), client.row.id, {
    tokenCDigest: await tokenDigest(tokenC),
    theirToken: theirs.token,
    version: found.version,
    versionsUrl: theirs.url,
    tokenEncoding: found.tokenEncoding,
    parties: theirs.parties,
    locationsUrl: found.receivers.locations ?? null,
    tariffsUrl: found.receivers.tariffs ?? null,
    now: iso(c.get('now')),
  });
  c.get('log').info(
    {
      client: client.row.id,
      version: found.version,
      pushes: { locations: Boolean(found.receivers.locations), tariffs: Boolean(found.receivers.tariffs) },
    },
    'OCPI client registered',
  );
  return reply(c, ours(c, deps, tokenC));
}

/** The credentials module for a client caller (a CPO's is credentials.ts). */
export async function clientCredentials(c: Context, deps: OcpiDeps, client: ClientCaller) {
  const ctx = c as OcpiContext;
  switch (c.req.method) {
    case 'GET':
      if (client.via !== 'registered') throw notRegistered();
      return reply(ctx, ours(ctx, deps, client.token));
    case 'POST':
      if (client.via === 'registered')
        throw new OcpiError(405, OcpiStatus.clientError, 'already registered: use PUT to update credentials');
      return exchange(ctx, deps, client);
    case 'PUT':
      if (client.via !== 'registered') throw notRegistered();
      return exchange(ctx, deps, client);
    case 'DELETE':
      if (client.via !== 'registered') throw notRegistered();
      await unregisterClient(ctx.get('db'), client.row.id);
      return reply(ctx);
    default:
      throw new OcpiError(405, OcpiStatus.clientError, `credentials has no ${c.req.method}`);
  }
}
