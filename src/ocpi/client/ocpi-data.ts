// The `data` of a reply, with or without the OCPI envelope (peers of every version send bare and
// half-enveloped bodies), as typed client errors: OcpiStatusError for a status_code outside 1xxx.
import { unwrapOcpiBody } from '../envelope.js';
import { OcpiBodyError, OcpiStatusError } from './errors.js';
import { safeText } from './safe-url.js';

export function ocpiData(body: unknown, where: string, token: string): unknown {
  const unwrapped = unwrapOcpiBody(body);
  if (unwrapped.ok) return unwrapped.data;
  // The peer's own words may echo what we sent it.
  const message = safeText(unwrapped.message.slice(0, 200), token);
  if (unwrapped.statusCode === undefined) {
    throw new OcpiBodyError(`${where}: ${message}`, 'unexpected-shape', { url: where, retryable: false });
  }
  const code = unwrapped.statusCode;
  throw new OcpiStatusError(`${where} answered OCPI status ${code}: ${message}`, code, message, {
    url: where,
    // 3xxx is the server's own trouble and may pass; 2xxx says our request is wrong.
    retryable: code >= 3000 && code < 4000,
  });
}
