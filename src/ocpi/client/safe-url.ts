// URLs and messages that may reach logs and source health: never with a token in them. Some CPOs
// hand out versions URLs with the token in the query string or as user-info, so a URL is a secret
// until cleaned.
import { redact } from '../../log.js';
import { tokenForms } from './auth.js';

const SECRET_PARAM = /token|key|secret|auth|password|signature/i;

export function safeUrl(url: string, token: string): string {
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
    // not a URL: redacting the token forms below is all we can do
  }
  return safeText(cleaned, token);
}

export function safeText(text: string, token: string): string {
  return redact(text, tokenForms(token));
}
