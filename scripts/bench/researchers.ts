// Researchers' interfaces on the 1M-EVSE synthetic database: OGC API - Features items pages of
// 1,000 features (unfiltered, bbox, CQL2 filter, datetime; paging by `next` links) next to the
// same pages of /v1/sites measured in the same run, and the FlatGeobuf, GeoParquet, PMTiles and
// status-day dumps of the whole database in child processes (time and VmHWM of the dumping process itself)
// next to the GeoJSON dump. Run with `npm run bench -- researchers`.
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { createApp } from '../../src/api/app.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { nodeHttpOptions } from '../../src/node/http-hooks.js';
import { syntheticBenchDb } from './synthetic-db.js';

const EVSES = Number(process.env.BENCH_RESEARCHERS_EVSES ?? 1_000_000);
/** Pages followed per measured query. */
const PAGES = Number(process.env.BENCH_RESEARCHERS_PAGES ?? 10);
const BOX = '6,50,8,51.5';
/** A day of the synthetic status events (they span 2024). */
const STATUS_DAY = '2024-06-12';
/** `pages`, `dumps` or both (default): the parts to run. */
const PARTS = (process.env.BENCH_RESEARCHERS_PARTS ?? 'pages,dumps').split(',');
/** The dumps to make; geojson, the baseline, always runs first. */
const DUMPS = (process.env.BENCH_RESEARCHERS_DUMPS ?? 'fgb,parquet,pmtiles,status-intervals,status-occupancy')
  .split(',')
  .filter((d) => d !== 'geojson');

const log = (m: string) => console.log(m);

interface PageTiming {
  pages: number;
  features: number;
  p50: number;
  p99: number;
}

/** Follows `next` links from `first` for up to PAGES pages; times each page. */
async function pageThrough(
  app: ReturnType<typeof createApp>,
  first: string,
  nextOf: (body: { links?: { rel: string; href: string }[] }, res: Response) => string | null,
): Promise<PageTiming> {
  const times: number[] = [];
  let features = 0;
  let url: string | null = first;
  while (url && times.length < PAGES) {
    const started = performance.now();
    const res = await app.request(url);
    const body = (await res.json()) as { features?: unknown[]; links?: { rel: string; href: string }[] };
    times.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
    features += body.features?.length ?? 0;
    url = nextOf(body, res);
  }
  times.sort((a, b) => a - b);
  return {
    pages: times.length,
    features,
    p50: times[Math.floor(times.length * 0.5)]!,
    p99: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!,
  };
}

/** OGC pages link their successor in the body; /v1 pages in the Link header. */
const ogcNext = (body: { links?: { rel: string; href: string }[] }) => {
  const href = body.links?.find((l) => l.rel === 'next')?.href;
  return href ? new URL(href).pathname + new URL(href).search : null;
};
const v1Next = (_: unknown, res: Response) => {
  const m = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '');
  return m ? new URL(m[1]!, 'http://x').pathname + new URL(m[1]!, 'http://x').search : null;
};

interface DumpFigures {
  format: string;
  seconds: number;
  bytes: number;
  sites: number;
  vmHwmMb: number;
}

function dumpChild(file: string, format: string): DumpFigures {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/bench/researchers-dump-child.ts', file, format, STATUS_DAY],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as DumpFigures;
}

export async function run(): Promise<void> {
  log(`researchers bench: ${EVSES.toLocaleString('en')} EVSEs, ${PAGES} pages of 1,000 per query`);
  const file = await syntheticBenchDb(EVSES, log);
  if (PARTS.includes('pages')) await itemsPages(file);
  if (PARTS.includes('dumps')) dumpAll(file);
}

async function itemsPages(file: string): Promise<void> {
  const db = openSqlite(file);
  const app = createApp({
    getDb: () => db,
    http: nodeHttpOptions({ rateLimit: false, responseCache: false }),
  });

  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const queries: [string, string, typeof ogcNext | typeof v1Next][] = [
    ['/v1/sites, 1,000 (baseline)', '/v1/sites?limit=1000', v1Next],
    ['/v1/sites, bbox (baseline)', `/v1/sites?limit=1000&bbox=${BOX}`, v1Next],
    ['ogc sites, 1,000', '/ogc/collections/sites/items?limit=1000', ogcNext],
    ['ogc sites, bbox', `/ogc/collections/sites/items?limit=1000&bbox=${BOX}`, ogcNext],
    [
      'ogc sites, bbox + CQL2 evse_count >= 4',
      `/ogc/collections/sites/items?limit=1000&bbox=${BOX}&filter-lang=cql2-text&filter=${encodeURIComponent('evse_count >= 4')}`,
      ogcNext,
    ],
    [
      'ogc sites, datetime (last_updated in June 2024)',
      '/ogc/collections/sites/items?limit=1000&datetime=2024-06-01T00:00:00Z/2024-06-30T23:59:59Z',
      ogcNext,
    ],
    [
      'ogc locations, country = DEU',
      `/ogc/collections/locations/items?limit=1000&filter-lang=cql2-text&filter=${encodeURIComponent("country = 'DEU'")}`,
      ogcNext,
    ],
  ];
  const pages: Record<string, string>[] = [];
  let baseline = 0;
  for (const [name, url, next] of queries) {
    const t = await pageThrough(app, url, next);
    if (name.startsWith('/v1/sites, 1,000')) baseline = t.p50;
    pages.push({
      query: name,
      pages: String(t.pages),
      features: String(t.features),
      'p50 per page': ms(t.p50),
      'p99 per page': ms(t.p99),
      'p50 vs /v1/sites': `${(t.p50 / baseline).toFixed(2)}x`,
    });
  }
  await db.close();
  console.table(pages);
}

function dumpAll(file: string): void {
  const dumps: DumpFigures[] = [];
  for (const format of ['geojson', ...DUMPS]) {
    log(`  dumping ${format} ...`);
    dumps.push(dumpChild(file, format));
  }
  const base = dumps[0]!;
  console.table(
    dumps.map((d) => ({
      dump: d.format.startsWith('status')
        ? `status/${STATUS_DAY}${d.format === 'status-occupancy' ? '.occupancy' : ''}.parquet`
        : d.format === 'geojson'
          ? 'sites.geojson.gz (baseline)'
          : `sites.${d.format}`,
      seconds: d.seconds.toFixed(1),
      'vs geojson': `${(d.seconds / base.seconds).toFixed(2)}x`,
      MiB: (d.bytes / 2 ** 20).toFixed(1),
      sites: d.format.startsWith('status') ? '' : d.format === 'pmtiles' ? `${d.sites} tiles` : d.sites,
      'VmHWM MiB': d.vmHwmMb.toFixed(0),
      target: 'RSS <= 256 MB',
    })),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
