// Where the atlas may be made to send requests by someone else. The credentials handshake fetches
// the URLs a registering CPO names: without a guard any token holder could make us probe our own
// network (loopback services, the cloud metadata address, the office LAN). Targets on loopback,
// private, link-local, shared (CGNAT) and otherwise non-public addresses are refused unless the
// operator allows them (tests and the demo run their CPOs on loopback).
import type { FetchLike, OcpiClient } from './http.js';

/** Resolves a host name to its addresses (Node: dns.lookup); absent, names are checked as given. */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export class RefusedTarget extends Error {}

function ipv4Parts(ip: string): number[] | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  const n = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return n.every((x) => x >= 0 && x <= 255) ? n : null;
}

function nonPublicV4([a, b]: number[]): boolean {
  return (
    a === 0 || // "this network"
    a === 10 ||
    a === 127 ||
    (a === 100 && b! >= 64 && b! < 128) || // shared address space (CGNAT)
    (a === 169 && b === 254) || // link-local, cloud metadata
    (a === 172 && b! >= 16 && b! < 32) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    a! >= 224 // multicast, reserved, broadcast
  );
}

function nonPublicV6(ip: string): boolean {
  const s = ip
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  if (s === '::' || s === '::1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (mapped) return nonPublicV4(ipv4Parts(mapped[1]!) ?? [0]);
  const first = Number.parseInt(s.split(':')[0] || '0', 16);
  return (
    (first & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (first & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (first & 0xff00) === 0xff00 // multicast
  );
}

/** True for any address that is not on the public internet (IPv4 or IPv6 literal). */
export function isNonPublicAddress(ip: string): boolean {
  const v4 = ipv4Parts(ip);
  if (v4) return nonPublicV4(v4);
  return ip.includes(':') ? nonPublicV6(ip) : false;
}

/** Throws RefusedTarget unless `url` is http(s) to a host whose every address is public. */
export async function checkTarget(url: string, resolve?: ResolveHost): Promise<void> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RefusedTarget('not a URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RefusedTarget('not http(s)');
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) throw new RefusedTarget('loopback host');
  const literal = ipv4Parts(host) !== null || host.includes(':');
  const addresses = literal || !resolve ? [host] : await resolve(host);
  if (addresses.length === 0) throw new RefusedTarget('host does not resolve');
  if (addresses.some(isNonPublicAddress)) throw new RefusedTarget('non-public address');
}

/**
 * The same client, whose every request first passes checkTarget, and which never follows a
 * redirect (a public URL answering 302 to a private one would otherwise get around the check).
 * Between the check and the connection the name is resolved again: a resolver answering
 * differently the second time (DNS rebinding) is not covered; network egress rules are.
 */
export function guardedClient(client: OcpiClient, resolve?: ResolveHost): OcpiClient {
  const fetch: FetchLike = async (input, init) => {
    await checkTarget(input, resolve);
    return client.fetch(input, { ...init, redirect: 'manual' });
  };
  return { ...client, fetch };
}
