// The server side of the credentials handshake (SPEC-DIGEST §4, reversed roles): a CPO registers
// with us using the token A the operator wrote into its sources entry as `push_token`.
//
// POST (with A): we read its credentials (its token B, versions URL, parties), fetch its versions and
// details with B before answering (failure 3001, no credentials module 3003), mint a token C and
// answer with our credentials carrying C. From then on the CPO calls us with C; A is dead.
// PUT (with C): the same exchange again (new version, new B, rotation): a new C replaces the old.
// DELETE (with C): the registration ends; neither C nor A authenticates any more.
// GET (with C): our credentials as they stand (the caller's own C).
//
// Storage, by direction rather than by letter (docs/ocpi-push.md): source_secrets.token_c is the
// token WE present to the CPO (its B here; its C when we registered with it), so a sync of this
// source pulls with it; source_secrets.token_b is the token the CPO presents to US (our C here).
import { Hono } from 'hono';
import { readMeta, setMetaStmt } from '../../db/queries/meta.js';
import { upsertSecretsStmt, upsertSourceStmt } from '../../db/queries/source-records.js';
import type { Db } from '../../db/types.js';
import { hash64 } from '../../model/ids.js';
import { iso } from '../../model/iso-time.js';
import type { OcpiVersion } from '../../model/types.js';
import { credentialsObject } from '../../ocpi/client/credentials.js';
import { endpointsWithoutCredentials, withoutCredentials } from '../../ocpi/client/safe-url.js';
import { tokenHash } from '../../ocpi/receiver/auth.js';
import { readPeerCredentials } from '../../ocpi/receiver/credentials.js';
import { invalidParameters, OcpiError, OcpiStatus } from '../../ocpi/receiver/envelope.js';
import { type Party, readJsonObject } from '../../ocpi/receiver/push-rules.js';
import { mintToken } from '../../ocpi/receiver/token-hash.js';
import { REGISTRATION_KEY_PREFIX, type RegistrationRecord } from './callers.js';
import { type OcpiContext, type OcpiDeps, type OcpiEnv, ocpiBase, reply } from './context.js';
import { discoverPeer, notRegistered } from './peer-discovery.js';

function ours(c: OcpiContext, deps: OcpiDeps, token: string) {
  return credentialsObject(c.get('version'), token, `${ocpiBase(c, deps.publicUrl)}/versions`, {
    ...deps.party,
    role: deps.party.role ?? 'NSP',
  });
}

/** 2001 unless the sources file lets this source push for every party it names. */
async function checkClaims(c: OcpiContext, deps: OcpiDeps, parties: Party[]): Promise<void> {
  for (const p of parties) {
    const why = await deps.callers.claimRefusal(c.get('db'), c.get('caller').source.id, p);
    if (why) throw invalidParameters(`${why}: ask the operator of this atlas to add it to your entry`);
  }
}

async function exchange(c: OcpiContext, deps: OcpiDeps) {
  const version: OcpiVersion = c.get('version');
  const caller = c.get('caller');
  const log = c.get('log');
  const theirs = readPeerCredentials(readJsonObject(await c.req.text()), version);
  await checkClaims(c, deps, theirs.parties);
  const found = await discoverPeer(c, deps, theirs, { source: caller.source.id });
  const tokenC = mintToken();
  const now = iso(c.get('now'));
  const previous = await registration(c.get('db'), caller.source.id);
  const record: RegistrationRecord = {
    version,
    url: withoutCredentials(theirs.url),
    registered_at: now,
    // POST authenticates with A: that value dies now. A PUT keeps the A consumed at POST time.
    consumed_token_a: caller.via === 'push_token' ? hash64(caller.token) : (previous?.consumed_token_a ?? ''),
  };
  const s = caller.source;
  const db = c.get('db');
  await db.batch([
    // token_b is only compared: its hash is enough (callers.ts hashes what a request carries).
    upsertSecretsStmt(db, s.id, { tokenC: theirs.token, tokenB: await tokenHash(tokenC) }, now),
    upsertSourceStmt(
      db,
      {
        id: s.id,
        name: s.name,
        type: 'ocpi',
        license: s.license ?? null,
        attribution: s.attribution ?? null,
        enabled: s.enabled,
        parties: theirs.parties,
        version: found.version,
        endpoints: endpointsWithoutCredentials(found.endpoints),
        tokenEncoding: found.tokenEncoding,
        updatedAt: now,
      },
      'registration',
    ),
    setMetaStmt(REGISTRATION_KEY_PREFIX + s.id, JSON.stringify(record)),
  ]);
  deps.callers.invalidate();
  // The replaced tokens are overwritten in the file (secure_delete); this moves that into the file
  // and empties the WAL, where the old page would otherwise still hold them.
  await c.get('db').checkpoint?.('truncate');
  log.info({ source: s.id, version, parties: theirs.parties }, 'CPO registered its credentials');
  return reply(c, ours(c, deps, tokenC));
}

async function registration(db: Db, sourceId: string): Promise<RegistrationRecord | null> {
  const value = await readMeta(db, REGISTRATION_KEY_PREFIX + sourceId);
  return value === null ? null : (JSON.parse(value) as RegistrationRecord);
}

export function createCredentialsApp(deps: OcpiDeps) {
  return new Hono<OcpiEnv>()
    .get('/', (c) => {
      if (c.get('caller').via !== 'registered') throw notRegistered();
      return reply(c, ours(c, deps, c.get('caller').token));
    })
    .post('/', async (c) => {
      if (c.get('caller').via === 'registered') {
        throw new OcpiError(405, OcpiStatus.clientError, 'already registered: use PUT to update credentials');
      }
      return exchange(c, deps);
    })
    .put('/', async (c) => {
      if (c.get('caller').via !== 'registered') throw notRegistered();
      return exchange(c, deps);
    })
    .delete('/', async (c) => {
      const caller = c.get('caller');
      if (caller.via !== 'registered') throw notRegistered();
      const db = c.get('db');
      const previous = await registration(db, caller.source.id);
      const ended = { ...previous, registered_at: undefined, unregistered_at: iso(c.get('now')) };
      await db.batch([
        upsertSecretsStmt(db, caller.source.id, { tokenB: null, tokenC: null }, iso(c.get('now'))),
        setMetaStmt(REGISTRATION_KEY_PREFIX + caller.source.id, JSON.stringify(ended)),
      ]);
      deps.callers.invalidate();
      await db.checkpoint?.('truncate');
      return reply(c);
    });
}
