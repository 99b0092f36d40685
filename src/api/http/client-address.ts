// Which client a request comes from, for the rate limiter. Behind a reverse proxy (nginx, a load
// balancer, Cloudflare) every request arrives from the proxy's address, so all clients would share
// one bucket; the proxy names the client in a header (X-Forwarded-For, X-Real-IP,
// CF-Connecting-IP). Anyone can send that header, so it is believed only when the request comes
// from a proxy the operator listed (ATLAS_TRUST_PROXY), never by default.

/** An address or an IPv4 CIDR block (`10.0.0.0/8`) of a trusted proxy. */
export interface ProxyMatcher {
  matches(address: string): boolean;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4ToNumber(address: string): number | null {
  const m = IPV4.exec(address);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) compares as `10.0.0.1`; case-insensitive. */
export function normalizeAddress(address: string): string {
  const a = address.trim().toLowerCase();
  return a.startsWith('::ffff:') && IPV4.test(a.slice(7)) ? a.slice(7) : a;
}

function isAddress(a: string): boolean {
  return ipv4ToNumber(a) !== null || (/^[0-9a-f:.]+$/.test(a) && a.includes(':'));
}

/** Parses one entry of the trusted proxy list; null when it is neither an address nor an IPv4 CIDR. */
export function proxyMatcher(entry: string): ProxyMatcher | null {
  const [base, bits] = entry.trim().split('/');
  const address = normalizeAddress(base ?? '');
  if (bits === undefined) {
    return isAddress(address) ? { matches: (a) => normalizeAddress(a) === address } : null;
  }
  const net = ipv4ToNumber(address);
  const n = Number(bits);
  if (net === null || !/^\d{1,2}$/.test(bits) || n > 32) return null;
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return {
    matches: (a) => {
      const v = ipv4ToNumber(normalizeAddress(a));
      return v !== null && (v & mask) >>> 0 === (net & mask) >>> 0;
    },
  };
}

export interface TrustedProxies {
  proxies: ProxyMatcher[];
  /** The header the proxies put the client address in, e.g. `x-forwarded-for`, `cf-connecting-ip`. */
  header: string;
}

/**
 * The client's address: the socket's, unless the socket is a trusted proxy that named the client.
 * X-Forwarded-For is a list each proxy appends to: the client is the rightmost entry that is not
 * itself a trusted proxy (entries further left were written by the client and prove nothing).
 */
export function clientAddress(
  socket: string | undefined,
  headerValue: string | undefined,
  trust: TrustedProxies,
): string | undefined {
  const isTrusted = (a: string) => trust.proxies.some((p) => p.matches(a));
  if (socket === undefined || !headerValue || !isTrusted(socket)) return socket;
  const hops = headerValue
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeAddress(hops[i]!);
    if (!isAddress(hop)) return socket;
    if (!isTrusted(hop)) return hop;
  }
  return socket;
}
