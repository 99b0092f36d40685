// Who is calling our OCPI endpoints: a credentials token -> the source it belongs to and the parties
// it may push for.
//
// Tokens a source is known by (docs/ocpi-push.md):
// - `push_token` of its sources-file entry. It is also the token A with which that CPO may register
//   with us; once it has, that exact value is dead (SPEC-DIGEST §4) and only the new token works.
// - source_secrets.token_b: the token the CPO presents to us after any credentials handshake (our
//   token B when we registered with it, the token C we issued when it registered with us).
// Parties: the entry's `parties` plus those stored in sources.parties (filled by a handshake), but
// only stored ones the sources file allows (claimRefusal): a registering CPO cannot take over
// another operator's country_code/party_id.
//
// token_b is stored as its hash (tokenHash): candidates are hashed before the lookup.
//
// Lookups are answered from memory (pushes come at thousands per second); the database part is
// reloaded every few seconds, and at once (at most once a second) when an unknown token shows up,
// so a handshake made by another process is picked up without a restart.
import { callerCredentials } from '../../db/queries/ocpi-callers.js';
import type { Db } from '../../db/types.js';
import { isOcpiSource, type OcpiSourceConfig, type SourceConfig } from '../../ingest/sources-file.js';
import { hash64 } from '../../model/ids.js';
import { TOKEN_HASH_PREFIX, tokenHash } from '../../ocpi/receiver/auth.js';
import { ownsParty, type Party } from '../../ocpi/receiver/push-rules.js';

export interface Caller {
  source: OcpiSourceConfig;
  parties: Party[];
  /** Which kind of token authenticated: the entry's push_token (token A) or a handshake token. */
  via: 'push_token' | 'registered';
  /** The token the request carried (needed to answer GET credentials); never logged. */
  token: string;
}

export const REGISTRATION_KEY_PREFIX = 'ocpi_registration:';

/** What we keep of a registration made with us, in `meta` (no secret in it). */
export interface RegistrationRecord {
  version: string;
  url: string;
  registered_at: string;
  /** hash64 of the push_token that was used as token A: that value no longer authenticates. */
  consumed_token_a: string;
}

interface DbSnapshot {
  /** tokenHash(token_b) -> source id. */
  tokens: Map<string, string>;
  parties: Map<string, Party[]>;
  consumedA: Map<string, string>;
  registered: Set<string>;
  /**
   * The callers found in this snapshot, by candidate list (app.ts tokenDecoder keeps one list per
   * Authorization header): a pushing CPO's thousands of requests a second hash their token and
   * gather their parties once. Dropped with the snapshot, so a revoked or rotated token stops
   * working when a changed snapshot is read (invalidate(), or RELOAD_MS), as without it.
   */
  callers: WeakMap<string[], Caller>;
}

const RELOAD_MS = 5_000;
const MISS_RELOAD_MS = 1_000;

export interface CallerRegistry {
  identify(db: Db, candidates: string[]): Promise<Caller | null>;
  /** Whether the source has a registration made with us. */
  isRegistered(db: Db, sourceId: string): Promise<boolean>;
  sourceByPushToken(token: string): OcpiSourceConfig | undefined;
  /** Why `sourceId` may not push for `party` (null: it may), from the sources file and other registrations. */
  claimRefusal(db: Db, sourceId: string, party: Party): Promise<string | null>;
  /** Forget the database snapshot (after this process changed credentials). */
  invalidate(): void;
}

/** The callers' credentials stored in the database, for the enabled OCPI sources `ids`. */
async function loadSnapshot(db: Db, ids: string[]): Promise<DbSnapshot> {
  const { secrets, parties, registrations } = await callerCredentials(db, ids, REGISTRATION_KEY_PREFIX);
  const snap: DbSnapshot = {
    tokens: new Map(),
    parties: new Map(),
    consumedA: new Map(),
    registered: new Set(),
    callers: new WeakMap(),
  };
  for (const s of secrets) {
    // A value stored before tokens were hashed is hashed here; the next handshake rewrites it.
    const hashed = s.tokenB.startsWith(TOKEN_HASH_PREFIX) ? s.tokenB : await tokenHash(s.tokenB);
    snap.tokens.set(hashed, s.sourceId);
  }
  for (const p of parties) snap.parties.set(p.id, p.parties ?? []);
  for (const r of registrations) {
    const id = r.key.slice(REGISTRATION_KEY_PREFIX.length);
    const rec = JSON.parse(r.value) as Partial<RegistrationRecord>;
    if (rec.consumed_token_a) snap.consumedA.set(id, rec.consumed_token_a);
    if (rec.registered_at) snap.registered.add(id);
  }
  return snap;
}

/** The sources file decides: an entry listing parties allows those only; nobody takes another's. */
function claimRefusalIn(
  allOcpi: OcpiSourceConfig[],
  sourceId: string,
  p: Party,
  snap: DbSnapshot,
): string | null {
  const own = allOcpi.find((s) => s.id === sourceId);
  const name = `${p.country_code}/${p.party_id}`;
  if (own && own.parties.length > 0 && !ownsParty(own.parties, p.country_code, p.party_id)) {
    return `party ${name} is not among the parties this source's entry allows`;
  }
  const owner = allOcpi.find((s) => s.id !== sourceId && ownsParty(s.parties, p.country_code, p.party_id));
  if (owner) return `party ${name} belongs to another source`;
  for (const [id, stored] of snap.parties) {
    if (id !== sourceId && ownsParty(stored, p.country_code, p.party_id))
      return `party ${name} is registered by another source`;
  }
  return null;
}

/** The parties a source pushes for: its entry's, and those it registered that nobody else owns. */
function partiesOf(allOcpi: OcpiSourceConfig[], source: OcpiSourceConfig, snap: DbSnapshot): Party[] {
  const out = [...source.parties];
  for (const p of snap.parties.get(source.id) ?? []) {
    if (claimRefusalIn(allOcpi, source.id, p, snap) !== null) continue;
    const known = out.some(
      (q) =>
        q.country_code.toUpperCase() === p.country_code.toUpperCase() &&
        q.party_id.toUpperCase() === p.party_id.toUpperCase(),
    );
    if (!known) out.push(p);
  }
  return out;
}

/** A pushing CPO sends the same token thousands of times: each value is hashed once. */
function tokenHashes(): (token: string) => Promise<string> {
  const hashes = new Map<string, string>();
  return async (token) => {
    let h = hashes.get(token);
    if (h === undefined) {
      h = await tokenHash(token);
      if (hashes.size >= 1_000) hashes.clear();
      hashes.set(token, h);
    }
    return h;
  };
}

/** The OCPI sources of the sources file, looked up the ways a caller is identified. */
interface KnownSources {
  allOcpi: OcpiSourceConfig[];
  byId: Map<string, OcpiSourceConfig>;
  byPushToken: Map<string, OcpiSourceConfig>;
  hashOf: (token: string) => Promise<string>;
}

/** The first candidate token that a registered or pushing source holds. */
async function match(known: KnownSources, snap: DbSnapshot, candidates: string[]): Promise<Caller | null> {
  for (const token of candidates) {
    const registeredId = snap.tokens.get(await known.hashOf(token));
    const registered = registeredId ? known.byId.get(registeredId) : undefined;
    if (registered)
      return {
        source: registered,
        parties: partiesOf(known.allOcpi, registered, snap),
        via: 'registered',
        token,
      };
    const pushing = known.byPushToken.get(token);
    if (pushing && snap.consumedA.get(pushing.id) !== hash64(token)) {
      return { source: pushing, parties: partiesOf(known.allOcpi, pushing, snap), via: 'push_token', token };
    }
  }
  return null;
}

export function createCallerRegistry(sources: SourceConfig[]): CallerRegistry {
  const allOcpi = sources.filter(isOcpiSource);
  const ocpi = allOcpi.filter((s) => s.enabled);
  const byId = new Map(ocpi.map((s) => [s.id, s]));
  const byPushToken = new Map<string, OcpiSourceConfig>();
  for (const s of ocpi) if (s.push_token) byPushToken.set(s.push_token, s);
  const known: KnownSources = { allOcpi, byId, byPushToken, hashOf: tokenHashes() };

  let snapshot: DbSnapshot | null = null;
  let loadedAt = 0;
  let lastMissReload = 0;

  async function load(db: Db, now: number): Promise<DbSnapshot> {
    snapshot = await loadSnapshot(db, [...byId.keys()]);
    loadedAt = now;
    return snapshot;
  }

  async function current(db: Db, now: number): Promise<DbSnapshot> {
    return snapshot && now - loadedAt < RELOAD_MS ? snapshot : load(db, now);
  }

  return {
    async identify(db, candidates) {
      if (candidates.length === 0) return null;
      // Wall-clock time, not the app's clock: this is cache bookkeeping, not data.
      const now = Date.now();
      const snap = await current(db, now);
      const seen = snap.callers.get(candidates);
      if (seen) return seen;
      const found = await match(known, snap, candidates);
      if (found) snap.callers.set(candidates, found);
      if (found || now - lastMissReload < MISS_RELOAD_MS) return found;
      lastMissReload = now;
      return match(known, await load(db, now), candidates);
    },
    async claimRefusal(db, sourceId, party) {
      return claimRefusalIn(allOcpi, sourceId, party, await load(db, Date.now()));
    },
    async isRegistered(db, sourceId) {
      return (await current(db, Date.now())).registered.has(sourceId);
    },
    sourceByPushToken: (token) => byPushToken.get(token),
    invalidate() {
      snapshot = null;
    },
  };
}
