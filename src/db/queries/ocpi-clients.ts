// The eMSPs and apps that connect to our OCPI sender (docs/ocpi-out.md): issued by an operator with
// a token A, registered by the credentials handshake, pushed to through the outbox.
import type { Db } from '../types.js';

export interface OcpiClientRow {
  id: string;
  name: string;
  token_a_hash: string | null;
  token_c_hash: string | null;
  their_token: string | null;
  version: string | null;
  versions_url: string | null;
  token_encoding: string | null;
  parties: string | null;
  locations_url: string | null;
  tariffs_url: string | null;
  created_at: string;
  registered_at: string | null;
  revoked_at: string | null;
  failures: number;
  retry_at: string | null;
  last_error: string | null;
  delivered_at: string | null;
}

/** A live client whose token A or token C has this digest. */
export async function clientByTokenDigest(db: Db, digest: string): Promise<OcpiClientRow | undefined> {
  return db.get<OcpiClientRow>(
    'SELECT * FROM ocpi_clients WHERE revoked_at IS NULL AND (token_a_hash = ? OR token_c_hash = ?)',
    [digest, digest],
  );
}

export async function clientById(db: Db, id: string): Promise<OcpiClientRow | undefined> {
  return db.get<OcpiClientRow>('SELECT * FROM ocpi_clients WHERE id = ?', [id]);
}

/** Adds a client under a free id derived from its name. */
export async function addClient(db: Db, name: string, tokenADigest: string, now: string): Promise<string> {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'client';
  const taken = new Set(
    (
      await db.all<{ id: string }>('SELECT id FROM ocpi_clients WHERE id = ? OR id LIKE ?', [
        base,
        `${base}-%`,
      ])
    ).map((r) => r.id),
  );
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  await db.batch([
    {
      sql: 'INSERT INTO ocpi_clients (id, name, token_a_hash, created_at) VALUES (?, ?, ?, ?)',
      params: [id, name, tokenADigest, now],
    },
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
  await db.batch([
    {
      sql: `UPDATE ocpi_clients SET token_a_hash = NULL, token_c_hash = ?, their_token = ?, version = ?,
        versions_url = ?, token_encoding = ?, parties = ?, locations_url = ?, tariffs_url = ?, registered_at = ?,
        failures = 0, retry_at = NULL, last_error = NULL WHERE id = ?`,
      params: [
        r.tokenCDigest,
        r.theirToken,
        r.version,
        r.versionsUrl,
        r.tokenEncoding,
        JSON.stringify(r.parties),
        r.locationsUrl,
        r.tariffsUrl,
        r.now,
        id,
      ],
    },
    // What was queued for endpoints it no longer lists is not owed any more.
    ...(r.locationsUrl === null ? [dropQueued(id, "kind <> 'tariff'")] : []),
    ...(r.tariffsUrl === null ? [dropQueued(id, "kind = 'tariff'")] : []),
  ]);
}

const dropQueued = (id: string, which = '1 = 1') => ({
  sql: `DELETE FROM ocpi_outbox WHERE client_id = ? AND ${which}`,
  params: [id],
});

/** DELETE credentials: the client's tokens die and nothing more is pushed to it. */
export async function unregisterClient(db: Db, id: string): Promise<void> {
  await db.batch([
    {
      sql: `UPDATE ocpi_clients SET token_c_hash = NULL, their_token = NULL, locations_url = NULL,
        tariffs_url = NULL, registered_at = NULL WHERE id = ?`,
      params: [id],
    },
    dropQueued(id),
  ]);
}

/** The operator ends a client: no token works any more, its backlog is dropped. */
export async function revokeClient(db: Db, id: string, now: string): Promise<boolean> {
  const [changed] = await db.batch([
    {
      sql: `UPDATE ocpi_clients SET revoked_at = ?, token_a_hash = NULL, token_c_hash = NULL, their_token = NULL,
        locations_url = NULL, tariffs_url = NULL WHERE id = ? AND revoked_at IS NULL`,
      params: [now, id],
    },
    dropQueued(id),
  ]);
  return changed === 1;
}

export interface ClientListing {
  id: string;
  name: string;
  created_at: string;
  registered_at: string | null;
  revoked_at: string | null;
  version: string | null;
  pushes_locations: number;
  pushes_tariffs: number;
  backlog: number;
  oldest_queued_id: number | null;
  failures: number;
  retry_at: string | null;
  last_error: string | null;
  delivered_at: string | null;
}

/** Every client with its push backlog (never a token or an endpoint URL). */
export async function listClients(db: Db): Promise<ClientListing[]> {
  return db.all<ClientListing>(
    `SELECT c.id, c.name, c.created_at, c.registered_at, c.revoked_at, c.version,
       c.locations_url IS NOT NULL AS pushes_locations, c.tariffs_url IS NOT NULL AS pushes_tariffs,
       (SELECT count(*) FROM ocpi_outbox o WHERE o.client_id = c.id) AS backlog,
       (SELECT min(id) FROM ocpi_outbox o WHERE o.client_id = c.id) AS oldest_queued_id,
       c.failures, c.retry_at, c.last_error, c.delivered_at
     FROM ocpi_clients c ORDER BY c.created_at, c.id`,
  );
}
