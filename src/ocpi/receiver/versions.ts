// Our versions and version-details documents (SPEC-DIGEST §4): a CPO registering with us, or one
// we register with, fetches them before it answers, so they exist even though we only receive.
import type { OcpiVersion } from '../../model/types.js';

export const RECEIVER_VERSIONS = ['2.1.1', '2.2.1', '2.3.0'] as const satisfies readonly OcpiVersion[];
export type ReceiverVersion = (typeof RECEIVER_VERSIONS)[number];

export function isReceiverVersion(v: string): v is ReceiverVersion {
  return (RECEIVER_VERSIONS as readonly string[]).includes(v);
}

/** `base` is our OCPI root, e.g. https://atlas.example/ocpi. */
export function versionList(base: string) {
  return RECEIVER_VERSIONS.map((version) => ({ version, url: `${base}/${version}/details` }));
}

/**
 * Who reads the details: a CPO pushing to us (our receivers) or an eMSP reading us (our senders).
 * 2.2+ lists both interfaces with their roles; 2.1.1 has no roles, so each reader sees its side.
 */
export type DetailsReader = 'cpo' | 'emsp';

export function versionDetails(base: string, version: ReceiverVersion, reader: DetailsReader = 'cpo') {
  const at = `${base}/${version}`;
  // 2.1.1 endpoints have no role; in 2.2+ the role on credentials is meaningless (send SENDER).
  const role = (r: 'SENDER' | 'RECEIVER') => (version === '2.1.1' ? {} : { role: r });
  const receivers = [
    { identifier: 'locations', ...role('RECEIVER'), url: `${at}/receiver/locations` },
    { identifier: 'tariffs', ...role('RECEIVER'), url: `${at}/receiver/tariffs` },
  ];
  const senders = [
    { identifier: 'locations', ...role('SENDER'), url: `${at}/sender/locations` },
    { identifier: 'tariffs', ...role('SENDER'), url: `${at}/sender/tariffs` },
  ];
  const modules = version !== '2.1.1' ? [...senders, ...receivers] : reader === 'emsp' ? senders : receivers;
  return {
    version,
    endpoints: [{ identifier: 'credentials', ...role('SENDER'), url: `${at}/credentials` }, ...modules],
  };
}
