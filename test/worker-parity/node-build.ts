// globalSetup of the Workers test project, run in Node before workerd starts: serves a real feed
// from the fake CPO on loopback, lets the Node build (startServer: SQLite file, sources file, the
// Node sync, @hono/node-server) pull it, and records what that build answers to the parity
// queries, byte for byte. The Workers tests pull the same fake CPO through their Cron handler into
// D1 and must answer the same bytes (test/worker/parity.test.ts). Both builds run in the same test
// run against the same feed, so no expected file can go stale.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FeatureCollection } from 'geojson';
import type { TestProject } from 'vitest/node';
import { parseEnv } from '../../src/env.js';
import { createFakeCpo } from '../../src/fake-cpo/app.js';
import type { OcpiSourceConfig } from '../../src/ingest/sources-file.js';
import { silentLogger } from '../../src/log.js';
import { startServer } from '../../src/node/server.js';
import { tokenBindingName } from '../../src/workers/sources.js';
import { loadFeed } from '../helpers/feeds.js';
import { serveApp } from '../helpers/serve.js';
import { comparableBody, type ParityCase, type WorkerParity } from './parity-context.js';

/** NDW Delft: 850 locations (many sharing coordinates), 36 tariffs, OCPI 2.2.1. */
const FEED = 'ndw-delft';
const PAGE_SIZE = 100;
const SOURCE_ID = 'ndw-delft';

/** Queries whose answers must match; the detail pages are added from the data. */
export const PARITY_QUERIES = [
  '/v1/locations',
  '/v1/locations?limit=10000',
  '/v1/locations?limit=7',
  // Delft centre, a box inside it, one across the antimeridian (empty), one with a limit.
  '/v1/locations?bbox=4.34,51.99,4.37,52.02',
  '/v1/locations?bbox=4.355,52.005,4.36,52.01',
  '/v1/locations?bbox=170,-10,-170,10',
  '/v1/locations?bbox=4.3,51.9,4.5,52.1&limit=25',
  // Errors come from the same core too.
  '/v1/locations?bbox=4.3,51.9,4.5',
  '/v1/locations?limit=0',
  '/v1/locations/no-such-id',
  // Occupancy per grid cell over a past month of the feed's status times: GeoJSON too.
  '/v1/stats/occupancy?bbox=4.34,51.99,4.37,52.02&from=2026-05-01&to=2026-06-01&interval=1d',
  // Availability snapshots: Node renders those allowed more than 1,000 rows on a read worker (the
  // default limit), the others on its event loop; a world box over its limit is refused.
  '/v1/availability?bbox=4.34,51.99,4.37,52.02',
  '/v1/availability?bbox=4.34,51.99,4.37,52.02&limit=1000',
  '/v1/availability?bbox=-180,-90,180,90&limit=1001',
  '/v1/availability?bbox=-180,-90,180,90&limit=5',
  // The other resources of the core, as far as their answers do not depend on the time of asking.
  '/v1/sites?bbox=4.34,51.99,4.37,52.02',
  '/v1/tariffs',
  '/v1/operators',
  '/v1/stats',
  // Each dimension's own query once more, filtered (the statistics read in pk order: stats.ts).
  '/v1/stats/by-connector?country=NLD',
  '/v1/stats/by-power-class?country=NLD',
  // Vector tiles over Delft: cluster zooms, site zooms, a filter, an empty tile, a bad one; and
  // their TileJSON and style (compared as base64 where binary, see parity-context.ts).
  '/v1/tiles/0/0/0.mvt',
  '/v1/tiles/8/131/84.mvt',
  '/v1/tiles/10/524/338.mvt',
  '/v1/tiles/11/1048/676.mvt',
  '/v1/tiles/13/4195/2705.mvt',
  '/v1/tiles/14/8390/5411.mvt',
  '/v1/tiles/14/8390/5411.mvt?min_power_kw=20',
  '/v1/tiles/16/0/0.mvt',
  '/v1/tiles/3/9/0.mvt',
  '/v1/tiles.json',
  '/v1/style.json',
];

export default async function setup(project: TestProject) {
  const feed = loadFeed(FEED);
  const token = `parity-${crypto.randomUUID()}`;
  const cpo = createFakeCpo({
    locations: feed.locations,
    tariffs: feed.tariffs,
    versions: [feed.version],
    pageSize: PAGE_SIZE,
    token,
  });
  const served = await serveApp(cpo.app);
  const dir = mkdtempSync(join(tmpdir(), 'atlas-parity-'));
  const source: Partial<OcpiSourceConfig> = {
    id: SOURCE_ID,
    name: 'NDW Delft (parity feed)',
    versions_url: `${served.url}/ocpi/versions`,
    token,
    page_size: PAGE_SIZE,
    license: 'CC0-1.0',
    attribution: 'test fixture, not republished',
  };
  const sourcesFile = join(dir, 'sources.json');
  writeFileSync(sourcesFile, JSON.stringify([source]));

  const server = await startServer(
    parseEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      ATLAS_DB: join(dir, 'atlas.db'),
      ATLAS_SOURCES: sourcesFile,
      LOG_LEVEL: 'silent',
    }),
    silentLogger,
  );
  const teardown = async () => {
    await server.close();
    await served.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const results = (await server.firstSync) as { status: string; error: string | null }[];
    if (results.length !== 1 || results[0]?.status !== 'ok') {
      throw new Error(`the Node build did not sync the parity feed: ${JSON.stringify(results)}`);
    }
    const cases: ParityCase[] = [];
    const ask = async (path: string) => {
      const res = await fetch(server.url + path);
      const answer = {
        path,
        status: res.status,
        contentType: res.headers.get('content-type'),
        body: await comparableBody(res, path),
      };
      cases.push(answer);
      return answer;
    };
    for (const path of PARITY_QUERIES) await ask(path);
    // Detail pages of ids the Node build serves (none when its collection failed: the list
    // cases above then already differ, and the parity test says so), and the status history of
    // each one's first EVSE over the same past month.
    const all = cases.find((c) => c.path === '/v1/locations?limit=10000');
    for (const path of all?.status === 200 ? detailPaths(JSON.parse(all.body) as FeatureCollection) : []) {
      const detail = await ask(path);
      const evses = (JSON.parse(detail.body) as { properties?: { evses?: { evse_id: string | null }[] } })
        .properties?.evses;
      const evseId = evses?.[0]?.evse_id;
      if (evseId) await ask(`/v1/evses/${encodeURIComponent(evseId)}/history?from=2026-05-01&to=2026-06-01`);
    }
    const parity: WorkerParity = {
      sourcesJson: JSON.stringify([{ ...source, token: 'set by the ATLAS_TOKEN secret' }]),
      sourceId: SOURCE_ID,
      token,
      tokenBinding: tokenBindingName(SOURCE_ID),
      cpoUrl: served.url,
      nodeUrl: server.url,
      feedLocations: feed.locations.length,
      pageSize: PAGE_SIZE,
      cases,
    };
    project.provide('workerParity', parity);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}

/** The first and last features by id, and the one with the most EVSEs: details of several shapes. */
function detailPaths(all: FeatureCollection): string[] {
  const features = all.features;
  if (features.length === 0) throw new Error('the Node build serves no locations for the parity feed');
  const most = features.reduce((a, b) =>
    Number(b.properties?.evse_count ?? 0) > Number(a.properties?.evse_count ?? 0) ? b : a,
  );
  const ids = new Set([features[0]!.id, features.at(-1)!.id, most.id]);
  return [...ids].map((id) => `/v1/locations/${encodeURIComponent(String(id))}`);
}
