// `npm run fake-cpo -- --data FILE|demo [--version 2.2.1] [--page-size 50] [--fault MODE]
//   [--fault-page N] [--port 0] [--token T] [--token-encoding base64|raw|either] [--register TOKEN_A]`
// Serves an OCPI CPO on 127.0.0.1 and prints its versions URL and token, for trying the atlas (or
// any OCPI client) against a real feed, the demo data, or a misbehaving peer. A --data file may be
// any shape of the OCPI sets in ../shared/data (src/fake-cpo/feed-file.ts).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { serve } from '@hono/node-server';
import { createFakeCpo, FAULT_MODES, type FaultMode } from '../src/fake-cpo/app.js';
import { demoLocations } from '../src/fake-cpo/demo-data.js';
import { demoLocationAt } from '../src/fake-cpo/demo-live.js';
import { type FeedFile, feedOfJson, ocpiList } from '../src/fake-cpo/feed-file.js';
import type { OcpiVersion } from '../src/model/types.js';
import { SUPPORTED_VERSIONS } from '../src/ocpi/client/discovery.js';

const USAGE = `usage: npm run fake-cpo -- --data FILE|demo [--tariffs FILE] [--version 2.2.1[,2.1.1...]]
  [--page-size 50] [--fault ${FAULT_MODES.join('|')}] [--fault-page 2] [--port 0] [--host 127.0.0.1]
  [--token T] [--token-encoding base64|raw|either] [--register TOKEN_A]`;

const REGISTER_HINT =
  'A register (BNetzA, OCM, IRVE, AFDC) is not served by the fake CPO: the atlas reads it as a register source (docs/registers.md).';

function fail(message: string): never {
  process.stderr.write(`fake-cpo: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/** A JSON or gzipped JSON file, without a UTF-8 BOM (some captured feeds, Punkt-E, start with one). */
function readJsonFile(file: string, hint = ''): unknown {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    fail(`cannot read ${file}: ${(err as Error).message}`);
  }
  const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
  const text = (gzipped ? gunzipSync(bytes) : bytes).toString('utf8').replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch (err) {
    fail(`${file} is not JSON: ${(err as Error).message}${hint}`);
  }
}

/** The feed a --data file holds, in any of the shapes feed-file.ts reads. */
function readFeedFile(file: string): FeedFile {
  try {
    return feedOfJson(readJsonFile(file, `\n${REGISTER_HINT}`));
  } catch (err) {
    fail(`${file}: ${(err as Error).message}\n${REGISTER_HINT}`);
  }
}

/** The --tariffs file: an OCPI Tariffs list, bare or enveloped. */
function readTariffsFile(file: string): unknown[] {
  try {
    return ocpiList(readJsonFile(file));
  } catch (err) {
    fail(`${file}: ${(err as Error).message}`);
  }
}

const SHAPE_NAMES: Record<FeedFile['shape'], string> = {
  ocpi: 'an OCPI list',
  chargecloud: "chargecloud's {next, items} page (tariffs lifted from its EVSEs)",
  'ndw-details': "NDW's details file (locations built from its wrapper, tariffs from its connectors)",
};

/** chargecloud's tariffs carry no owner ids: the atlas takes them from the source's first party. */
function ownerHint(feed: FeedFile | null): string {
  const ctx = feed?.ctx;
  if (!ctx) return '';
  return (
    `note: the tariffs carry no country_code/party_id; give the source ` +
    `"parties": [{ "country_code": "${ctx.countryCode}", "party_id": "${ctx.partyId}" }]\n`
  );
}

function wholeNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) fail(`--${name} wants a whole number, got ${value}`);
  return Number(value);
}

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'demo' },
    tariffs: { type: 'string' },
    version: { type: 'string', default: '2.2.1' },
    'page-size': { type: 'string' },
    fault: { type: 'string' },
    'fault-page': { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    token: { type: 'string' },
    'token-encoding': { type: 'string' },
    register: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const versions = values.version.split(',').map((v) => v.trim());
for (const v of versions) {
  if (!SUPPORTED_VERSIONS.includes(v as OcpiVersion))
    fail(`unknown version ${v} (${SUPPORTED_VERSIONS.join(', ')})`);
}
if (values.fault !== undefined && !FAULT_MODES.includes(values.fault as FaultMode)) {
  fail(`unknown fault ${values.fault}`);
}
const tokenEncoding = values['token-encoding'];
if (tokenEncoding !== undefined && !['base64', 'raw', 'either'].includes(tokenEncoding)) {
  fail(`--token-encoding is base64, raw or either, got ${tokenEncoding}`);
}

const demo = values.data === 'demo' ? demoLocations() : null;
const feed = demo ? null : readFeedFile(values.data);
const locations = demo ? demo.locations : feed!.locations;
// A file's own tariffs (chargecloud's inside its EVSEs, NDW's inside its connectors) and --tariffs.
const tariffs = [
  ...(demo?.tariffs ?? feed!.tariffs),
  ...(values.tariffs ? readTariffsFile(values.tariffs) : []),
];
const token = values.token ?? (values.register ? undefined : 'fake-cpo-token');
const cpo = createFakeCpo({
  locations,
  tariffs,
  versions: versions as OcpiVersion[],
  pageSize: wholeNumber('page-size', values['page-size'], 50),
  token,
  tokenEncoding: tokenEncoding as 'base64' | 'raw' | 'either' | undefined,
  fault: values.fault as FaultMode | undefined,
  faultOptions: { page: wholeNumber('fault-page', values['fault-page'], 2) },
  registration: values.register ? { tokenA: values.register } : undefined,
  // The demo's statuses as of now (simulated), as the built-in demo source serves them.
  locationAt: demo ? demoLocationAt : undefined,
});

const server = serve(
  { fetch: cpo.app.fetch, hostname: values.host, port: wholeNumber('port', values.port, 0) },
  (info) => {
    process.stdout.write(
      `fake CPO: ${locations.length} locations, ${tariffs.length} tariffs, OCPI ${versions.join(', ')}, ` +
        `fault ${values.fault ?? 'none'}${feed ? `, read as ${SHAPE_NAMES[feed.shape]}` : ''}\n` +
        ownerHint(feed) +
        `versions_url=http://${values.host}:${info.port}/ocpi/versions\n` +
        (values.register ? `token_a=${values.register}\n` : `token=${token}\n`),
    );
  },
);
server.once('error', (err) => fail(err.message));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
