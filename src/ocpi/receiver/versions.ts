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

export function versionDetails(base: string, version: ReceiverVersion) {
  const at = `${base}/${version}`;
  // 2.1.1 endpoints have no role; in 2.2+ the role on credentials is meaningless (send SENDER).
  const role = (r: 'SENDER' | 'RECEIVER') => (version === '2.1.1' ? {} : { role: r });
  return {
    version,
    endpoints: [
      { identifier: 'credentials', ...role('SENDER'), url: `${at}/credentials` },
      { identifier: 'locations', ...role('RECEIVER'), url: `${at}/receiver/locations` },
      { identifier: 'tariffs', ...role('RECEIVER'), url: `${at}/receiver/tariffs` },
    ],
  };
}
