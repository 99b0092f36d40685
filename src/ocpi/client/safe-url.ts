// URLs and messages that may reach logs and source health: never with a token in them. Some CPOs
// hand out versions URLs with the token in the query string or as user-info, so a URL is a secret
// until cleaned.
import { redact } from '../../log.js';
import { tokenForms } from './auth.js';

const SECRET_PARAM = /token|key|secret|auth|password|signature/i;

export function safeUrl(url: string, token: string): string {
  return safeText(withoutCredentials(url), token);
}

/** The URL without user-info and with secret-looking query values replaced: what may be stored. */
export function withoutCredentials(url: string): string {
  let cleaned = url;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    for (const name of [...parsed.searchParams.keys()]) {
      if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, '[redacted]');
    }
    cleaned = parsed.href;
  } catch {
    // not a URL: nothing to take apart
  }
  return cleaned;
}

/** Every URL of an endpoint map without credentials (sources.endpoints is shown in source health). */
export function endpointsWithoutCredentials(
  endpoints: Record<string, string | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(endpoints)) if (v !== undefined) out[k] = withoutCredentials(v);
  return out;
}

export function safeText(text: string, token: string): string {
  return redact(text, tokenForms(token));
}
