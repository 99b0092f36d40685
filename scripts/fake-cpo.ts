// `npm run fake-cpo -- --data FILE|demo [--version 2.2.1] [--page-size 50] [--fault MODE]
//   [--fault-page N] [--port 0] [--token T] [--token-encoding base64|raw|either] [--register TOKEN_A]`
// Serves an OCPI CPO on 127.0.0.1 and prints its versions URL and token, for trying the atlas (or
// any OCPI client) against a real feed, the demo data, or a misbehaving peer.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { serve } from '@hono/node-server';
import { createFakeCpo, FAULT_MODES, type FaultMode } from '../src/fake-cpo/app.js';
import { demoLocations } from '../src/fake-cpo/demo-data.js';
import { demoLocationAt } from '../src/fake-cpo/demo-live.js';
import type { OcpiVersion } from '../src/model/types.js';
import { SUPPORTED_VERSIONS } from '../src/ocpi/client/discovery.js';
import { unwrapOcpiBody } from '../src/ocpi/envelope.js';

const USAGE = `usage: npm run fake-cpo -- --data FILE|demo [--tariffs FILE] [--version 2.2.1[,2.1.1...]]
  [--page-size 50] [--fault ${FAULT_MODES.join('|')}] [--fault-page 2] [--port 0] [--host 127.0.0.1]
  [--token T] [--token-encoding base64|raw|either] [--register TOKEN_A]`;

function fail(message: string): never {
  process.stderr.write(`fake-cpo: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/** A JSON or gzipped JSON file holding an OCPI list, enveloped or bare. */
function readOcpiList(file: string): unknown[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    fail(`cannot read ${file}: ${(err as Error).message}`);
  }
  const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
  // Some captured feeds (punkt) start with a UTF-8 BOM.
  const text = (gzipped ? gunzipSync(bytes) : bytes).toString('utf8').replace(/^\uFEFF/, '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail(`${file} is not JSON: ${(err as Error).message}`);
  }
  const body = unwrapOcpiBody(json);
  if (!body.ok) fail(`${file}: ${body.message}`);
  if (!Array.isArray(body.data)) fail(`${file} holds no list of OCPI objects`);
  return body.data;
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
const locations = demo ? demo.locations : readOcpiList(values.data);
const tariffs = values.tariffs ? readOcpiList(values.tariffs) : (demo?.tariffs ?? []);
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
        `fault ${values.fault ?? 'none'}\n` +
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
