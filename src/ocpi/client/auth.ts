// The Authorization header, whose token encoding changed between versions (digest §2, §12.1).
import type { OcpiVersion } from '../../model/types.js';

/** How the token travels: 2.2+ says base64(utf8(token)), 2.1.1 sends it as-is. */
export type TokenEncoding = 'base64' | 'raw';

/** RFC 4648 §4 base64 (padded) of the token's UTF-8 bytes; btoa alone would reject non-Latin-1 input. */
export function base64Token(token: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(token)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function authorizationHeader(token: string, encoding: TokenEncoding): string {
  return `Token ${encoding === 'base64' ? base64Token(token) : token}`;
}

/** The encoding the spec prescribes for a version; peers that ignore it are handled by discovery's fallback. */
export function defaultTokenEncoding(version: OcpiVersion): TokenEncoding {
  return version === '2.1.1' ? 'raw' : 'base64';
}

export function otherTokenEncoding(encoding: TokenEncoding): TokenEncoding {
  return encoding === 'base64' ? 'raw' : 'base64';
}

/** Every form in which a token could leak into a message: redact all of them. */
export function tokenForms(token: string): string[] {
  return token ? [token, base64Token(token)] : [];
}
