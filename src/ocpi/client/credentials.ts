// Our side of the credentials handshake (digest §4): token A in, token C out, after the CPO has
// called our own versions endpoint with token B.
import type { OcpiVersion } from '../../model/types.js';
import type { TokenEncoding } from './auth.js';
import { type Discovery, discover, type VersionEndpoints } from './discovery.js';
import { OcpiBodyError, OcpiDiscoveryError } from './errors.js';
import { type OcpiClient, ocpiFetch } from './http.js';
import { ocpiData } from './ocpi-data.js';
import { safeUrl } from './safe-url.js';

/** Roles a pure receiver of locations/tariffs can claim in 2.2+ (digest §1). */
export type OurRole = 'EMSP' | 'NSP' | 'NAP' | 'OTHER';

export interface OurParty {
  countryCode: string;
  partyId: string;
  name: string;
  website?: string;
  /** 2.2+ only; default EMSP. */
  role?: OurRole;
}

export interface Party {
  country_code: string;
  party_id: string;
}

export interface RegisterInput {
  versionsUrl: string;
  tokenA: string;
  ourVersionsUrl: string;
  ourTokenB: string;
  ourParty: OurParty;
  version?: OcpiVersion;
  tokenEncoding?: TokenEncoding;
}

export interface RotateInput {
  versionsUrl: string;
  /** The token C in use now; dead once the CPO answers. */
  tokenC: string;
  ourVersionsUrl: string;
  /** The token the CPO is to use towards us from now on (may be a fresh one). */
  ourTokenB: string;
  ourParty: OurParty;
  /** Target version: a PUT to another version's credentials endpoint is how a connection upgrades. */
  version?: OcpiVersion;
  tokenEncoding?: TokenEncoding;
}

export interface Registration {
  tokenC: string;
  version: OcpiVersion;
  detailsUrl: string;
  endpoints: VersionEndpoints;
  /** The CPO's parties: what it may push for (sources' `parties`). */
  parties: Party[];
  tokenEncoding: TokenEncoding;
}

export async function registerWithCpo(input: RegisterInput, client: OcpiClient): Promise<Registration> {
  return exchangeCredentials('POST', input.tokenA, input, client);
}

export async function rotateCredentials(input: RotateInput, client: OcpiClient): Promise<Registration> {
  return exchangeCredentials('PUT', input.tokenC, input, client);
}

async function exchangeCredentials(
  method: 'POST' | 'PUT',
  token: string,
  input: Omit<RegisterInput, 'tokenA'>,
  client: OcpiClient,
): Promise<Registration> {
  const correlationId = crypto.randomUUID();
  const found = await discover(
    {
      versionsUrl: input.versionsUrl,
      token,
      version: input.version,
      tokenEncoding: input.tokenEncoding,
      correlationId,
    },
    client,
  );
  const credentialsUrl = requiredEndpoints(found, safeUrl(input.versionsUrl, token));
  const reply = await ocpiFetch(
    credentialsUrl,
    {
      method,
      token,
      tokenEncoding: found.tokenEncoding,
      version: found.version,
      correlationId,
      body: credentialsObject(found.version, input.ourTokenB, input.ourVersionsUrl, input.ourParty),
      // A repeated POST/PUT after a lost answer would be refused (405) or burn the new token C.
      idempotent: false,
    },
    client,
  );
  const where = safeUrl(credentialsUrl, token);
  const theirs = ocpiData(reply.body, where, token);
  return {
    tokenC: tokenOf(theirs, where),
    version: found.version,
    detailsUrl: found.detailsUrl,
    endpoints: found.endpoints,
    parties: partiesOf(theirs),
    tokenEncoding: found.tokenEncoding,
  };
}

/** Digest §4 step 2: without these, registering would only give us a connection we cannot use. */
function requiredEndpoints(found: Discovery, where: string): string {
  const missing = (['credentials', 'locations'] as const).filter((id) => !found.endpoints[id]);
  if (missing.length > 0 || !found.endpoints.credentials) {
    throw new OcpiDiscoveryError(
      `${where} version ${found.version} lists no ${missing.join(' or ')} endpoint: not registering`,
      { url: where, retryable: false },
    );
  }
  return found.endpoints.credentials;
}

/**
 * A credentials object shaped per version (digest §4): 2.1.1 one party at the top level, 2.2+ a
 * list of roles. `token` is the one the receiver of this object must use to call its sender.
 */
export function credentialsObject(
  version: OcpiVersion,
  token: string,
  versionsUrl: string,
  party: { countryCode: string; partyId: string; name: string; website?: string; role?: string },
) {
  const business_details = { name: party.name, ...(party.website ? { website: party.website } : {}) };
  if (version === '2.1.1') {
    return {
      token,
      url: versionsUrl,
      business_details,
      party_id: party.partyId,
      country_code: party.countryCode,
    };
  }
  return {
    token,
    url: versionsUrl,
    roles: [
      {
        role: party.role ?? 'EMSP',
        business_details,
        party_id: party.partyId,
        country_code: party.countryCode,
      },
    ],
  };
}

/** Digest §4: a credentials token is 1-64 chars of U+0021-U+007E; anything else breaks the header. */
export function isOcpiToken(value: unknown): value is string {
  return typeof value === 'string' && /^[\x21-\x7e]{1,64}$/.test(value);
}

function tokenOf(credentials: unknown, where: string): string {
  const token = (credentials as { token?: unknown } | null)?.token;
  if (!isOcpiToken(token)) {
    throw new OcpiBodyError(
      `${where} answered without a usable token in its credentials`,
      'unexpected-shape',
      {
        url: where,
        retryable: false,
      },
    );
  }
  return token;
}

/** 2.2+ lists roles; 2.1.1 has one party at the top level. Either shape is read whatever the version. */
function partiesOf(credentials: unknown): Party[] {
  const c = (credentials ?? {}) as { roles?: unknown; country_code?: unknown; party_id?: unknown };
  const candidates = Array.isArray(c.roles) ? c.roles : [c];
  const parties: Party[] = [];
  for (const entry of candidates) {
    const { country_code, party_id } = (entry ?? {}) as { country_code?: unknown; party_id?: unknown };
    if (typeof country_code !== 'string' || typeof party_id !== 'string') continue;
    const party = { country_code: country_code.toUpperCase(), party_id: party_id.toUpperCase() };
    if (!parties.some((p) => p.country_code === party.country_code && p.party_id === party.party_id)) {
      parties.push(party);
    }
  }
  return parties;
}
