// The eMSPs and apps that connect to our OCPI sender (docs/ocpi-out.md): issued by an operator with
// a token A, registered by the credentials handshake, pushed to through the outbox.
import { and, eq, isNull, like, ne, or, type SQL, sql } from 'drizzle-orm';
import { ocpiClients, ocpiOutbox } from '../schema.js';
import type { Db } from '../types.js';
import { stmtOf } from './stmt.js';

/** A client under its column names, as the OCPI routes and the outbox read it. */
const CLIENT = {
  id: ocpiClients.id,
  name: ocpiClients.name,
  token_a_hash: ocpiClients.tokenAHash,
  token_c_hash: ocpiClients.tokenCHash,
  their_token: ocpiClients.theirToken,
  version: ocpiClients.version,
  versions_url: ocpiClients.versionsUrl,
  token_encoding: ocpiClients.tokenEncoding,
  parties: ocpiClients.parties,
  locations_url: ocpiClients.locationsUrl,
  tariffs_url: ocpiClients.tariffsUrl,
  created_at: ocpiClients.createdAt,
  registered_at: ocpiClients.registeredAt,
  revoked_at: ocpiClients.revokedAt,
  failures: ocpiClients.failures,
  retry_at: ocpiClients.retryAt,
  last_error: ocpiClients.lastError,
  delivered_at: ocpiClients.deliveredAt,
};

const selectClients = (db: Db) => db.orm.select(CLIENT).from(ocpiClients);

export type OcpiClientRow = Awaited<ReturnType<typeof selectClients>>[number];

/** A live client whose token A or token C has this digest. */
export async function clientByTokenDigest(db: Db, digest: string): Promise<OcpiClientRow | undefined> {
  const [row] = await selectClients(db)
    .where(
      and(
        isNull(ocpiClients.revokedAt),
        or(eq(ocpiClients.tokenAHash, digest), eq(ocpiClients.tokenCHash, digest)),
      ),
    )
    .limit(1);
  return row;
}

export async function clientById(db: Db, id: string): Promise<OcpiClientRow | undefined> {
  const [row] = await selectClients(db).where(eq(ocpiClients.id, id)).limit(1);
  return row;
}

/** A client that is not revoked, as delivery reads it afresh before each batch. */
export async function liveClient(db: Db, id: string): Promise<OcpiClientRow | undefined> {
  const [row] = await selectClients(db)
    .where(and(eq(ocpiClients.id, id), isNull(ocpiClients.revokedAt)))
    .limit(1);
  return row;
}

/** Adds a client under a free id derived from its name. */
export async function addClient(db: Db, name: string, tokenADigest: string, now: string): Promise<string> {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'client';
  const rows = await db.orm
    .select({ id: ocpiClients.id })
    .from(ocpiClients)
    .where(or(eq(ocpiClients.id, base), like(ocpiClients.id, `${base}-%`)));
  const taken = new Set(rows.map((r) => r.id));
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  await db.batch([
    stmtOf(db.orm.insert(ocpiClients).values({ id, name, tokenAHash: tokenADigest, createdAt: now })),
  ]);
  return id;
}

export interface ClientRegistration {
  tokenCDigest: string;
  theirToken: string;
  version: string;
  versionsUrl: string;
  tokenEncoding: string;
  parties: { country_code: string; party_id: string }[];
  locationsUrl: string | null;
  tariffsUrl: string | null;
  now: string;
}

/** The handshake's outcome: token A dies, token C and the client's receiver endpoints are stored. */
export async function registerClient(db: Db, id: string, r: ClientRegistration): Promise<void> {
  const update = db.orm
    .update(ocpiClients)
    .set({
      tokenAHash: null,
      tokenCHash: r.tokenCDigest,
      theirToken: r.theirToken,
      version: r.version,
      versionsUrl: r.versionsUrl,
      tokenEncoding: r.tokenEncoding,
      parties: r.parties,
      locationsUrl: r.locationsUrl,
      tariffsUrl: r.tariffsUrl,
      registeredAt: r.now,
      failures: 0,
      retryAt: null,
      lastError: null,
    })
    .where(eq(ocpiClients.id, id));
  await db.batch([
    stmtOf(update),
    // What was queued for endpoints it no longer lists is not owed any more.
    ...(r.locationsUrl === null ? [dropQueued(db, id, ne(ocpiOutbox.kind, 'tariff'))] : []),
    ...(r.tariffsUrl === null ? [dropQueued(db, id, eq(ocpiOutbox.kind, 'tariff'))] : []),
  ]);
}

const dropQueued = (db: Db, id: string, which?: SQL) =>
  stmtOf(db.orm.delete(ocpiOutbox).where(and(eq(ocpiOutbox.clientId, id), which)));

/** DELETE credentials: the client's tokens die and nothing more is pushed to it. */
export async function unregisterClient(db: Db, id: string): Promise<void> {
  const update = db.orm
    .update(ocpiClients)
    .set({ tokenCHash: null, theirToken: null, locationsUrl: null, tariffsUrl: null, registeredAt: null })
    .where(eq(ocpiClients.id, id));
  await db.batch([stmtOf(update), dropQueued(db, id)]);
}

/** The operator ends a client: no token works any more, its backlog is dropped. */
export async function revokeClient(db: Db, id: string, now: string): Promise<boolean> {
  const update = db.orm
    .update(ocpiClients)
    .set({
      revokedAt: now,
      tokenAHash: null,
      tokenCHash: null,
      theirToken: null,
      locationsUrl: null,
      tariffsUrl: null,
    })
    .where(and(eq(ocpiClients.id, id), isNull(ocpiClients.revokedAt)));
  const [changed] = await db.batch([stmtOf(update), dropQueued(db, id)]);
  return changed === 1;
}

/**
 * An aggregate over the client's queued rows (count(*) is a number; min() is null when empty).
 * Written out with its own alias: drizzle renders the columns of a top-level select field without
 * their table, which would turn the correlation into `client_id = id` of the outbox itself (the
 * listing counted 0 queued rows for every client).
 */
const queued = <T = number | null>(what: 'count(*)' | 'min(o.id)') =>
  sql<T>`(SELECT ${sql.raw(what)} FROM ocpi_outbox o WHERE o.client_id = ocpi_clients.id)`;

/** Every client with its push backlog (never a token or an endpoint URL). */
export async function listClients(db: Db) {
  return db.orm
    .select({
      id: ocpiClients.id,
      name: ocpiClients.name,
      created_at: ocpiClients.createdAt,
      registered_at: ocpiClients.registeredAt,
      revoked_at: ocpiClients.revokedAt,
      version: ocpiClients.version,
      pushes_locations: sql<number>`${ocpiClients.locationsUrl} IS NOT NULL`,
      pushes_tariffs: sql<number>`${ocpiClients.tariffsUrl} IS NOT NULL`,
      backlog: queued<number>('count(*)'),
      oldest_queued_id: queued('min(o.id)'),
      failures: ocpiClients.failures,
      retry_at: ocpiClients.retryAt,
      last_error: ocpiClients.lastError,
      delivered_at: ocpiClients.deliveredAt,
    })
    .from(ocpiClients)
    .orderBy(ocpiClients.createdAt, ocpiClients.id);
}
