// The CPO side of the credentials module (digest §4): registration with token A, the callback to
// the registrant's versions URL with its token B, a fresh token C, and the 405 rules.
import type { OcpiVersion } from '../model/types.js';
import { credentialsObject, isOcpiToken } from '../ocpi/client/credentials.js';
import { discover, type VersionEndpoints } from '../ocpi/client/discovery.js';
import type { OcpiClient } from '../ocpi/client/http.js';
import { failure, type OcpiReply, success } from './reply.js';

export interface CpoParty {
  countryCode: string;
  partyId: string;
  name: string;
}

export interface RegisteredPeer {
  /** Token B: what we use to call the registrant. */
  token: string;
  versionsUrl: string;
  version: OcpiVersion;
  /** The credentials object exactly as the registrant sent it. */
  credentials: unknown;
  endpoints: VersionEndpoints;
}

/** The part of the fake's state the credentials module reads and changes. */
export interface CredentialsState {
  /** The token a registered client uses (C); null when none. */
  tokenC: string | null;
  /** Token A, alive until used for a registration. */
  tokenA: string | null;
  peer: RegisteredPeer | null;
}

export interface CredentialsRequest {
  method: string;
  version: OcpiVersion;
  /** Which token authenticated the request. */
  who: 'A' | 'C';
  body: unknown;
  /** Our versions URL, sent back in our credentials. */
  versionsUrl: string;
  party: CpoParty;
  callbackClient: OcpiClient;
}

export async function handleCredentials(
  req: CredentialsRequest,
  state: CredentialsState,
): Promise<OcpiReply> {
  const registered = req.who === 'C';
  switch (req.method) {
    case 'GET':
      if (!registered || !state.tokenC) return notRegistered();
      return success(ours(req, state.tokenC));
    case 'POST':
      if (registered) return failure(405, 2000, 'Already registered: use PUT to update credentials');
      return exchange(req, state);
    case 'PUT':
      if (!registered) return notRegistered();
      return exchange(req, state);
    case 'DELETE':
      if (!registered) return notRegistered();
      state.tokenC = null;
      state.peer = null;
      return success();
    default:
      return failure(405, 2000, `${req.method} is not allowed on credentials`);
  }
}

const notRegistered = () => failure(405, 2000, 'Not registered: POST credentials first');

async function exchange(req: CredentialsRequest, state: CredentialsState): Promise<OcpiReply> {
  const theirs = readCredentials(req.body, req.version);
  if (typeof theirs === 'string') return failure(200, 2001, theirs);

  // Digest §4 step 4: before answering, fetch the registrant's versions and details with token B.
  let endpoints: VersionEndpoints;
  try {
    endpoints = (
      await discover(
        { versionsUrl: theirs.url, token: theirs.token, version: req.version },
        req.callbackClient,
      )
    ).endpoints;
  } catch (err) {
    return failure(
      200,
      3001,
      `Unable to use the client's API: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (!endpoints.credentials) return failure(200, 3003, 'The client lists no credentials endpoint');

  state.tokenA = null;
  state.tokenC = crypto.randomUUID();
  state.peer = {
    token: theirs.token,
    versionsUrl: theirs.url,
    version: req.version,
    credentials: req.body,
    endpoints,
  };
  return success(ours(req, state.tokenC));
}

function ours(req: CredentialsRequest, tokenC: string) {
  return credentialsObject(req.version, tokenC, req.versionsUrl, { ...req.party, role: 'CPO' });
}

/** Token and URL of a credentials object, or what is wrong with it. */
function readCredentials(body: unknown, version: OcpiVersion): { token: string; url: string } | string {
  if (!body || typeof body !== 'object') return 'Credentials object expected';
  const { token, url, roles } = body as { token?: unknown; url?: unknown; roles?: unknown };
  if (!isOcpiToken(token)) return 'token: 1-64 printable ASCII characters';
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return 'url: the versions URL of the registrant';
  const parties = version === '2.1.1' ? [body] : Array.isArray(roles) ? roles : [];
  if (parties.length === 0) return version === '2.1.1' ? 'party fields missing' : 'roles: at least one role';
  for (const party of parties) {
    const p = (party ?? {}) as Record<string, unknown>;
    const name = (p.business_details as { name?: unknown } | undefined)?.name;
    if (version !== '2.1.1' && typeof p.role !== 'string') return 'roles[].role missing';
    if (typeof p.country_code !== 'string' || typeof p.party_id !== 'string' || typeof name !== 'string') {
      return 'country_code, party_id and business_details.name are required';
    }
  }
  return { token, url };
}
