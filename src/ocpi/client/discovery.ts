// Versions -> version details (digest §4 steps 1-2): which version we speak with a CPO, where its
// modules live, and which token encoding it really accepts.
import type { OcpiVersion } from '../../model/types.js';
import { defaultTokenEncoding, otherTokenEncoding, type TokenEncoding } from './auth.js';
import { OcpiBodyError, OcpiDiscoveryError, OcpiHttpError } from './errors.js';
import { type OcpiClient, type OcpiResponse, ocpiFetch } from './http.js';
import { ocpiData } from './ocpi-data.js';
import { safeUrl } from './safe-url.js';

/** The versions we can speak, oldest first; '2.2' is handled like 2.2.1. */
export const SUPPORTED_VERSIONS: readonly OcpiVersion[] = ['2.1.1', '2.2', '2.2.1', '2.3.0'];

export interface DiscoverInput {
  versionsUrl: string;
  token: string;
  /** Pin a version; discovery fails when the CPO does not offer it. */
  version?: OcpiVersion;
  /** What worked last time (from source health); otherwise the version's default. */
  tokenEncoding?: TokenEncoding;
  correlationId?: string;
}

/** Module URLs by identifier (`locations`, `tariffs`, `credentials`, custom ids...). */
export interface VersionEndpoints {
  locations?: string;
  tariffs?: string;
  credentials?: string;
  [identifier: string]: string | undefined;
}

export interface Discovery {
  version: OcpiVersion;
  detailsUrl: string;
  endpoints: VersionEndpoints;
  /**
   * Module URLs of the peer's RECEIVER interfaces (where it accepts pushes); in 2.1.1, which has no
   * roles, every module it lists.
   */
  receivers: VersionEndpoints;
  /** The encoding the CPO accepted; differs from the version default for peers that get §2 wrong. */
  tokenEncoding: TokenEncoding;
  /** Every supported version the CPO offers, oldest first. */
  offered: OcpiVersion[];
}

interface OfferedVersion {
  version: OcpiVersion;
  url: string;
}

export async function discover(input: DiscoverInput, client: OcpiClient): Promise<Discovery> {
  const { token } = input;
  const correlationId = input.correlationId ?? crypto.randomUUID();
  // Before the version is known the encoding is a guess: base64, as every version since 2.2 says.
  const versionsEncoding =
    input.tokenEncoding ?? (input.version ? defaultTokenEncoding(input.version) : 'base64');
  const versionsReply = await withTokenEncodingFallback(versionsEncoding, (tokenEncoding) =>
    ocpiFetch(input.versionsUrl, { token, tokenEncoding, correlationId }, client),
  );
  const versionsWhere = safeUrl(input.versionsUrl, token);
  const offered = offeredVersions(
    ocpiData(versionsReply.value.body, versionsWhere, token),
    input.versionsUrl,
    versionsWhere,
  );
  const chosen = chooseVersion(offered, input.version, versionsWhere);

  // A peer that refused the standard encoding on versions will refuse it on details too.
  const detailsEncoding =
    input.tokenEncoding ??
    (versionsReply.fellBack ? versionsReply.encoding : defaultTokenEncoding(chosen.version));
  const detailsReply = await withTokenEncodingFallback(detailsEncoding, (tokenEncoding) =>
    ocpiFetch(chosen.url, { token, tokenEncoding, version: chosen.version, correlationId }, client),
  );
  const detailsWhere = safeUrl(chosen.url, token);
  const details = ocpiData(detailsReply.value.body, detailsWhere, token);
  return {
    version: chosen.version,
    detailsUrl: chosen.url,
    endpoints: moduleEndpoints(details, chosen.url, detailsWhere),
    receivers: receiverEndpoints(details, chosen.url),
    tokenEncoding: detailsReply.encoding,
    offered: offered.map((o) => o.version),
  };
}

/**
 * Runs the call with one token encoding and, on HTTP 401, once with the other: many 2.1.1/2.2
 * peers never base64-encode (digest §2, 2.2.1-d2 admits it). The encoding that worked is returned
 * so the caller can keep it.
 */
export async function withTokenEncodingFallback(
  first: TokenEncoding,
  call: (encoding: TokenEncoding) => Promise<OcpiResponse>,
): Promise<{ value: OcpiResponse; encoding: TokenEncoding; fellBack: boolean }> {
  try {
    return { value: await call(first), encoding: first, fellBack: false };
  } catch (err) {
    if (!isUnauthorized(err)) throw err;
  }
  const second = otherTokenEncoding(first);
  try {
    return { value: await call(second), encoding: second, fellBack: true };
  } catch (err) {
    if (!isUnauthorized(err)) throw err;
    throw new OcpiHttpError(
      `${err.message} (refused with the token base64-encoded and raw)`,
      401,
      err.ocpiStatusCode,
      {
        url: err.url,
        retryable: false,
      },
    );
  }
}

function isUnauthorized(err: unknown): err is OcpiHttpError {
  return err instanceof OcpiHttpError && err.status === 401;
}

/** 2.1.1's table says `{versions: [...]}`, its example a bare array (digest §4): accept both. */
function offeredVersions(data: unknown, base: string, where: string): OfferedVersion[] {
  const list = Array.isArray(data) ? data : (data as { versions?: unknown } | null)?.versions;
  if (!Array.isArray(list)) {
    throw new OcpiBodyError(`${where} sent no list of versions`, 'unexpected-shape', {
      url: where,
      retryable: false,
    });
  }
  const offered: OfferedVersion[] = [];
  for (const entry of list) {
    const { version, url } = (entry ?? {}) as { version?: unknown; url?: unknown };
    const known = SUPPORTED_VERSIONS.find((v) => v === String(version).trim());
    const resolved = typeof url === 'string' ? resolveUrl(url, base) : null;
    if (known && resolved) offered.push({ version: known, url: resolved });
  }
  return offered.sort((a, b) => rank(a.version) - rank(b.version));
}

function chooseVersion(
  offered: OfferedVersion[],
  pinned: OcpiVersion | undefined,
  where: string,
): OfferedVersion {
  const chosen = pinned ? offered.find((o) => o.version === pinned) : offered.at(-1);
  if (!chosen) {
    const list = offered.map((o) => o.version).join(', ') || 'none we support';
    const wanted = pinned ? `version ${pinned}` : `one of ${SUPPORTED_VERSIONS.join(', ')}`;
    throw new OcpiDiscoveryError(`${where} does not offer ${wanted} (offered: ${list})`, {
      url: where,
      retryable: false,
    });
  }
  return chosen;
}

function rank(version: OcpiVersion): number {
  return SUPPORTED_VERSIONS.indexOf(version);
}

/**
 * 2.2+ lists an interface per role; we pull from the SENDER one and take another only when no
 * SENDER is listed (2.1.1 has no roles at all).
 */
function moduleEndpoints(data: unknown, base: string, where: string): VersionEndpoints {
  const list = (data as { endpoints?: unknown } | null)?.endpoints;
  if (!Array.isArray(list)) {
    throw new OcpiBodyError(`${where} sent no endpoints`, 'unexpected-shape', {
      url: where,
      retryable: false,
    });
  }
  const endpoints: VersionEndpoints = {};
  const fromSender = new Set<string>();
  for (const entry of list) {
    const { identifier, url, role } = (entry ?? {}) as {
      identifier?: unknown;
      url?: unknown;
      role?: unknown;
    };
    const resolved = typeof url === 'string' ? resolveUrl(url, base) : null;
    if (typeof identifier !== 'string' || !resolved) continue;
    const isSender = typeof role === 'string' && role.toUpperCase() === 'SENDER';
    if (fromSender.has(identifier) || (endpoints[identifier] && !isSender)) continue;
    endpoints[identifier] = resolved;
    if (isSender) fromSender.add(identifier);
  }
  return endpoints;
}

/** The endpoints listed with role RECEIVER, or without any role (2.1.1). */
function receiverEndpoints(data: unknown, base: string): VersionEndpoints {
  const list = (data as { endpoints?: unknown } | null)?.endpoints;
  const endpoints: VersionEndpoints = {};
  for (const entry of Array.isArray(list) ? list : []) {
    const { identifier, url, role } = (entry ?? {}) as {
      identifier?: unknown;
      url?: unknown;
      role?: unknown;
    };
    const resolved = typeof url === 'string' ? resolveUrl(url, base) : null;
    const receiving = role === undefined || (typeof role === 'string' && role.toUpperCase() === 'RECEIVER');
    if (typeof identifier === 'string' && resolved && receiving) endpoints[identifier] ??= resolved;
  }
  return endpoints;
}

/** Absolute URL, resolving relative ones against the reply's URL; null when unusable. */
function resolveUrl(url: string, base: string): string | null {
  try {
    return new URL(url, base).href;
  } catch {
    return null;
  }
}
