// Reading the credentials token of a request (SPEC-DIGEST §2, §12.1). 2.2+ says base64(utf8(token)),
// 2.1.1 sends it as is, and many peers of either version do the other. So both readings of the
// header are tried, the version's own first.
import type { OcpiVersion } from '../../model/types.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const TOKEN = /^[\x21-\x7e]+$/;

function decodeBase64Token(s: string): string | null {
  if (s.length === 0 || !BASE64.test(s)) return null;
  let binary: string;
  try {
    binary = atob(s);
  } catch {
    return null;
  }
  const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
  // The spec's own base64 examples encode a trailing newline; peers copy them.
  text = text.replace(/\r?\n$/, '');
  return TOKEN.test(text) ? text : null;
}

/**
 * The tokens an Authorization header may stand for, most likely first: for 2.1.1 the raw value,
 * then its base64 decoding; for 2.2+ (and the versions endpoint, whose version is not yet known)
 * the other way round. Empty when the header is missing or not `Token <value>`.
 */
export function tokenCandidates(header: string | undefined, version: OcpiVersion | null): string[] {
  const m = header ? /^Token\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) return [];
  const raw = m[1]!;
  const decoded = decodeBase64Token(raw);
  const rawOk = TOKEN.test(raw);
  const out: string[] = [];
  const push = (t: string | null, ok: boolean) => {
    if (t !== null && ok && !out.includes(t)) out.push(t);
  };
  if (version === '2.1.1') {
    push(raw, rawOk);
    push(decoded, true);
  } else {
    push(decoded, true);
    push(raw, rawOk);
  }
  return out;
}

/** Marks a stored token as its hash: values written before tokens were hashed have no prefix. */
export const TOKEN_HASH_PREFIX = 'sha256:';

/**
 * What we store of a token that is only ever compared (the token a CPO presents to us): its SHA-256,
 * so a copy of the database file does not let anyone push. Tokens are 32+ random characters, so an
 * unsalted hash cannot be reversed by guessing.
 */
export async function tokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  return TOKEN_HASH_PREFIX + hex;
}
