// Dump bodies, streamed: sites are read in keyset batches through the same queries and feature
// builders as /v1/sites, so a dump holds exactly what paging through the API returns, and memory
// stays at one batch whatever the size of the data. Shared by /v1/dumps and `atlas export`.
import type { Feature, Point } from 'geojson';
import { type EvseDumpRow, evseDumpRows } from '../db/queries/dump-evse-rows.js';
import { type DumpSource, republishableSources } from '../db/queries/dump-sources.js';
import { NOT_REPUBLISHABLE_LICENSES } from '../db/queries/publication.js';
import { sitePoints } from '../db/queries/sites.js';
import type { Db } from '../db/types.js';
import { groupBy } from '../model/group-by.js';
import { type Compressors, gzipTransform } from './http/compression.js';
import { kw } from './location-features.js';
import { siteList } from './sites.js';

export const DUMP_FORMATS = ['geojson', 'ndjson', 'csv'] as const;
export type TextDumpFormat = (typeof DUMP_FORMATS)[number];

const BATCH = 1_000;

export function licenseText(sources: DumpSource[], generatedAt: string): string {
  const lines = [
    'Open charging atlas: data dump',
    `Generated: ${generatedAt}`,
    '',
    'This dump combines data from the sources below. Each is republished under its own licence;',
    'when you use the data you must give the attribution each source asks for, as written here.',
    '',
    ...sources.flatMap((s) => [
      `- ${s.name} (source id "${s.id}")`,
      `  Licence: ${s.license}`,
      ...(s.recordLicenses.length > 0
        ? [
            '  Records of this source that state their own licence are republished under it:',
            ...s.recordLicenses.map((r) => `    ${r.records} record(s): ${r.license}`),
          ]
        : []),
      `  Attribution: ${s.attribution ?? `${s.name}`}`,
      '',
    ]),
    'Only sources that state a licence allowing republication are included. A source without a',
    `licence, or with one of: ${NOT_REPUBLISHABLE_LICENSES.filter(Boolean).join(', ')}, is left out;`,
    'so are locations their operator marked as not to be published (OCPI publish = false),',
    'records whose own licence forbids commercial reuse or derived works (e.g. CC BY-NC), and',
    'removed (decommissioned) sites.',
    '',
  ];
  return lines.join('\n');
}

export function attributionLine(sources: Pick<DumpSource, 'attribution' | 'name' | 'license'>[]): string {
  return sources.map((s) => `${s.attribution ?? s.name} (${s.license})`).join('; ');
}

/** Whom a dump must credit, as it travels inside the file: the GeoJSON's top-level members, the Parquet key-value metadata, the FlatGeobuf header's metadata. */
export interface LicenceMembers {
  attribution: string;
  licenses: {
    source: string;
    name: string;
    license: string;
    attribution: string | null;
    record_licenses?: DumpSource['recordLicenses'];
  }[];
}

export async function licenceMembers(db: Db): Promise<LicenceMembers> {
  const sources = await republishableSources(db);
  return {
    attribution: attributionLine(sources),
    licenses: sources.map((s) => ({
      source: s.id,
      name: s.name,
      license: s.license,
      attribution: s.attribution,
      ...(s.recordLicenses.length > 0 ? { record_licenses: s.recordLicenses } : {}),
    })),
  };
}

/** The same as Parquet key-value metadata (a reader shows them with the file's schema). */
export function licenceKeyValues(m: LicenceMembers): { key: string; value: string }[] {
  return [
    { key: 'attribution', value: m.attribution },
    { key: 'licenses', value: JSON.stringify(m.licenses) },
  ];
}

export interface DumpBatch {
  features: Feature<Point>[];
  /** One row per live EVSE of the batch's sites (CSV only). */
  evses?: EvseDumpRow[];
}

/** Every published site, batch by batch, in id order, as the list features (and EVSE rows for CSV). */
export async function* siteBatches(db: Db, withEvses: boolean): AsyncGenerator<DumpBatch> {
  let after: string | undefined;
  for (;;) {
    const points = await sitePoints(db, { filter: {}, after, limit: BATCH });
    if (points.length === 0) return;
    const [features, evses] = await Promise.all([
      siteList(db, points),
      withEvses ? evseDumpRows(db, points) : Promise.resolve(undefined),
    ]);
    yield { features, evses };
    if (points.length < BATCH) return;
    after = points[points.length - 1]!.id;
  }
}

const CSV_COLUMNS = [
  'site_id',
  'location_id',
  'source',
  'source_location_id',
  'evse_uid',
  'evse_id',
  'status',
  'status_updated_at',
  'max_power_kw',
  'connector_standards',
  'connector_power_types',
  'name',
  'address',
  'city',
  'postal_code',
  'country',
  'operator',
  'latitude',
  'longitude',
  'last_updated',
];

export function csvField(v: unknown): string {
  if (v == null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || s.trim() !== s ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * One CSV row per EVSE, with its site's fields (RFC 4180; the position is the site's). A site without
 * a live EVSE (many national feeds publish bare locations) still gets one row, its EVSE columns
 * empty, so the CSV holds every site the other dumps hold.
 */
function csvRows(batch: DumpBatch): string {
  const bySite = groupBy(batch.evses ?? [], (e) => e.site_key);
  const out: string[] = [];
  for (const f of batch.features) {
    for (const e of bySite.get(String(f.id)) ?? [null]) out.push(csvRow(f, e).map(csvField).join(','));
  }
  return out.length ? `${out.join('\r\n')}\r\n` : '';
}

function csvRow(f: Feature<Point>, e: EvseDumpRow | null): unknown[] {
  const p = f.properties as Record<string, unknown>;
  const [lon, lat] = f.geometry.coordinates as [number, number];
  return [
    f.id,
    e?.location_pk,
    e?.source_id ?? (p.sources as string[] | undefined)?.join(';'),
    e?.ocpi_id,
    e?.uid,
    e?.evse_id,
    e?.status,
    e?.status_updated_at,
    e ? kw(e.max_power_w) : null,
    (e?.standards ?? '').split(',').filter(Boolean).join(';'),
    (e?.power_types ?? '').split(',').filter(Boolean).join(';'),
    p.name,
    p.address,
    p.city,
    p.postal_code,
    p.country,
    p.operator,
    lat,
    lon,
    e?.last_updated,
  ];
}

export type DumpProgress = (sitesWritten: number) => void;

/** What a text dump starts with: the CSV header, or the GeoJSON collection's members up to its features. */
async function dumpHead(db: Db, format: TextDumpFormat, now: Date): Promise<string> {
  if (format === 'csv') return `${CSV_COLUMNS.join(',')}\r\n`;
  if (format === 'ndjson') return '';
  // RFC 7946 §6.1 allows foreign members: the attribution travels inside the file.
  const json = JSON.stringify({
    type: 'FeatureCollection',
    name: 'sites',
    generated_at: now.toISOString(),
    ...(await licenceMembers(db)),
  });
  return `${json.slice(0, -1)},"features":[\n`;
}

/** The uncompressed dump as a pull stream: a batch is read only when the consumer wants more. */
export function textDump(
  db: Db,
  format: TextDumpFormat,
  now: Date,
  onProgress?: DumpProgress,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const batches = siteBatches(db, format === 'csv');
  let headSent = false;
  let written = 0;
  let first = true;
  // Everything happens in pull(), never in an async start(): workerd may pull before start settles.
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headSent) {
          headSent = true;
          const text = await dumpHead(db, format, now);
          if (text) {
            controller.enqueue(encoder.encode(text));
            return;
          }
        }
        const next = await batches.next();
        if (next.done) {
          if (format === 'geojson') controller.enqueue(encoder.encode('\n]}\n'));
          controller.close();
          return;
        }
        const b = next.value;
        let text: string;
        if (format === 'csv') text = csvRows(b);
        else if (format === 'ndjson') text = b.features.map((f) => `${JSON.stringify(f)}\n`).join('');
        else {
          text = b.features.map((f) => JSON.stringify(f)).join(',\n');
          if (!first && text) text = `,\n${text}`;
          if (text) first = false;
        }
        written += b.features.length;
        onProgress?.(written);
        if (text) controller.enqueue(encoder.encode(text));
      },
      async cancel() {
        await batches.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}

export function gzip(stream: ReadableStream<Uint8Array>, c: Compressors = {}): ReadableStream<Uint8Array> {
  return stream.pipeThrough(gzipTransform(c));
}
