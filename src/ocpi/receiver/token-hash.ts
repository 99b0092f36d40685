// Tokens that callers present to us are kept only as SHA-256 digests: a copy of the database then
// holds no working token. Our tokens carry 256 random bits, so a fast hash is enough (nothing to
// brute-force); digests are compared in constant time all the same.

/** Hex SHA-256 of the token's UTF-8 bytes (Web Crypto: the same on Node and Workers). */
export async function tokenDigest(token: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Equal digests, in time that does not depend on where they differ. */
export function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** 43 characters of base64url from 32 random bytes: printable ASCII, as OCPI tokens must be. */
export function mintToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
