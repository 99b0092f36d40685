// The check both sides of our credentials module make before answering a POST or PUT (a CPO
// registering its pushes, credentials.ts; an eMSP registering for our sender, clients.ts): fetch the
// peer's versions and details with its token B (SPEC-DIGEST §4).
import type { OcpiVersion } from '../../model/types.js';
import { discover } from '../../ocpi/client/discovery.js';
import { OcpiError, OcpiStatus } from '../../ocpi/receiver/envelope.js';
import type { OcpiContext, OcpiDeps } from './context.js';

/**
 * The peer's versions and details: OCPI 3001 when they cannot be fetched with its token, 3003 when
 * its details list no credentials module. `who` names the peer in the log line; the reason is
 * logged, never echoed: it could describe our network (a refused address, a closed port).
 */
export async function discoverPeer(
  c: OcpiContext,
  deps: OcpiDeps,
  theirs: { url: string; token: string },
  who: Record<string, string>,
) {
  const version: OcpiVersion = c.get('version');
  let found: Awaited<ReturnType<typeof discover>>;
  try {
    found = await discover({ versionsUrl: theirs.url, token: theirs.token, version }, deps.callbackClient());
  } catch (err) {
    // The client's errors carry no token (src/ocpi/client/errors.ts).
    c.get('log').warn({ ...who, err: (err as Error).message }, 'credentials callback failed');
    throw new OcpiError(
      200,
      OcpiStatus.unableToUseClientApi,
      'unable to use your API: your versions URL or its version details could not be fetched with your token',
    );
  }
  if (!found.endpoints.credentials) {
    throw new OcpiError(
      200,
      OcpiStatus.noMatchingEndpoints,
      `your ${version} details list no credentials endpoint`,
    );
  }
  return found;
}

export const notRegistered = () =>
  new OcpiError(405, OcpiStatus.clientError, 'not registered: POST credentials first');
