// The real OCPI feeds in ../shared/data, as plain OCPI Location and Tariff lists, for tests. Files
// are read byte for byte; anything that is not plain OCPI (NDW's per-municipality wrapper,
// chargecloud's {next, items} page with tariffs inside EVSEs) is lifted in code, leaving the raw
// OCPI objects inside untouched, by the fake CPO's reader of its --data file (src/fake-cpo/feed-file.ts).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  type FeedShape,
  liftChargecloudPage,
  liftNdwDetails,
  ocpiList as ocpiListOf,
} from '../../src/fake-cpo/feed-file.js';
import type { NormalizeContext } from '../../src/model/normalize-location.js';
import type { OcpiVersion } from '../../src/model/types.js';

export const SHARED_DATA_DIR = path.resolve(process.cwd(), '../shared/data');

export type FeedFormat = FeedShape;

export interface FeedSpec {
  /** Short unique name, e.g. `fastned`, `lakd@2024-05-30`, `ndw-delft`. */
  name: string;
  /** Path relative to ../shared/data. */
  file: string;
  version: OcpiVersion;
  format: FeedFormat;
}

export interface LoadedFeed {
  name: string;
  version: OcpiVersion;
  locations: unknown[];
  tariffs: unknown[];
  /** Owner ids for records that lack them (chargecloud's tariffs), when the feed states them elsewhere. */
  ctx?: NormalizeContext;
}

const OCM_DIR = 'ocm-captured-ocpi-feeds';
const LAKD_DIR = 'lt-lakd-ocpi';
// `ocpi_2_2_1_locations-ev24.json`, `ocpi_2_2_locations_powergo.json.gz`; voltrelli has no version.
const OCM_NAME = /^ocpi_(\d(?:_\d){1,2})_locations[-_](.+?)\.json(?:\.gz)?$/;
const LAKD_NAME = /^ocpi_2_2_locations-lakd\.lt@(\d{4}-\d{2}-\d{2})_[0-9a-f]+\.json(?:\.gz)?$/;

const OCM_VERSIONS: Record<string, OcpiVersion> = { '2_1_1': '2.1.1', '2_2': '2.2', '2_2_1': '2.2.1' };

/** Every OCPI Locations feed in ../shared/data (voltrelli excluded: it is not OCPI). */
export function listOcpiFeeds(): FeedSpec[] {
  const feeds: FeedSpec[] = [];
  for (const file of fs.readdirSync(path.join(SHARED_DATA_DIR, OCM_DIR)).sort()) {
    const m = OCM_NAME.exec(file);
    if (!m) continue;
    const version = OCM_VERSIONS[m[1]!];
    if (!version) throw new Error(`unexpected OCPI version in file name ${file}`);
    feeds.push({ name: m[2]!, file: `${OCM_DIR}/${file}`, version, format: 'ocpi' });
  }
  for (const file of fs.readdirSync(path.join(SHARED_DATA_DIR, LAKD_DIR)).sort()) {
    const m = LAKD_NAME.exec(file);
    // The file names say 2_2, but the publisher's endpoint is /ocpi/2.2.1/locations (data/README.md §2).
    if (m)
      feeds.push({ name: `lakd@${m[1]}`, file: `${LAKD_DIR}/${file}`, version: '2.2.1', format: 'ocpi' });
  }
  feeds.push(
    // stadtnavi: 2.2-style connectors (max_voltage), no owner ids, no publish flag.
    {
      name: 'stadtnavi',
      file: 'de-ludwigsburg-multisource/stadtnavi_ocpi_full_data.json',
      version: '2.2',
      format: 'ocpi',
    },
    {
      name: 'ndw-delft',
      file: 'nl-ndw-derived-delft-nijmegen/delft.details.json.gz',
      version: '2.2.1',
      format: 'ndw-details',
    },
    {
      name: 'ndw-nijmegen',
      file: 'nl-ndw-derived-delft-nijmegen/nijmegen.details.json.gz',
      version: '2.2.1',
      format: 'ndw-details',
    },
    {
      name: 'chargecloud-ludwigsburg',
      file: 'de-ludwigsburg-multisource/chargecloud_ludwigsburg_request_1.json',
      version: '2.2.1',
      format: 'chargecloud',
    },
  );
  return feeds;
}

/** JSON from a file as stored: gunzipped when `.gz`, without a UTF-8 BOM (Punkt-E has one). */
export function readSharedJson(relativePath: string): unknown {
  const bytes = fs.readFileSync(path.join(SHARED_DATA_DIR, relativePath));
  const text = (relativePath.endsWith('.gz') ? zlib.gunzipSync(bytes) : bytes).toString('utf8');
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

export function loadFeed(name: string): LoadedFeed {
  const spec = listOcpiFeeds().find((f) => f.name === name);
  if (!spec) throw new Error(`no OCPI feed named ${name}`);
  const json = readSharedJson(spec.file);
  switch (spec.format) {
    case 'ocpi':
      return { name, version: spec.version, locations: ocpiList(json, spec.file), tariffs: [] };
    case 'ndw-details':
      return { name, version: spec.version, ...liftNdwDetails(json) };
    case 'chargecloud':
      return { name, version: spec.version, ...liftChargecloudPage(json) };
  }
}

/** Records of a feed that is known not to be OCPI, to show that it is refused. */
export function loadNonOcpi(name: 'voltrelli'): unknown[] {
  return ocpiList(readSharedJson(`${OCM_DIR}/ocpi_locations-${name}.json`), name);
}

function ocpiList(json: unknown, what: string): unknown[] {
  try {
    return ocpiListOf(json);
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`);
  }
}
