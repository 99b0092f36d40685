// /v1/dumps/sites.parquet: the sites as GeoParquet 1.1 (geoparquet.org): WKB point geometry, a
// `bbox` struct column declared as the geometry's covering (so readers can skip row groups by
// box), and the `geo` metadata with the CRS (OGC:CRS84 as PROJJSON) and the data's bbox. Row
// groups of ROW_GROUP rows: DuckDB and GeoPandas read a file in parallel by row group, and a group
// is what this writer holds in memory at once; each is streamed out as soon as it is encoded.
import type { Feature, Point } from 'geojson';
import type { SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { Db } from '../db/types.js';
import { type DumpProgress, licenceKeyValues, licenceMembers, siteBatches } from './dump-formats.js';
import { type ColumnKind, SITE_COLUMNS, siteRow } from './site-table.js';

export const ROW_GROUP = 10_000;

const SCHEMA_TYPES: Record<ColumnKind, Omit<SchemaElement, 'name'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  json: { type: 'BYTE_ARRAY', converted_type: 'JSON' },
  int: { type: 'INT32' },
  double: { type: 'DOUBLE' },
  datetime: { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' },
  bool: { type: 'BOOLEAN' },
};

const SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: SITE_COLUMNS.length + 2 },
  ...SITE_COLUMNS.map((c) => ({
    name: c.name,
    repetition_type: c.name === 'id' ? ('REQUIRED' as const) : ('OPTIONAL' as const),
    ...SCHEMA_TYPES[c.kind],
  })),
  { name: 'geometry', type: 'BYTE_ARRAY', repetition_type: 'REQUIRED' },
  { name: 'bbox', repetition_type: 'REQUIRED', num_children: 4 },
  ...['xmin', 'ymin', 'xmax', 'ymax'].map((name) => ({
    name,
    type: 'DOUBLE' as const,
    repetition_type: 'REQUIRED' as const,
  })),
];

/** OGC:CRS84 (WGS 84, longitude first) as PROJJSON, the CRS GeoParquet assumes when none is given. */
export const CRS84_PROJJSON = {
  $schema: 'https://proj.org/schemas/v0.7/projjson.schema.json',
  type: 'GeographicCRS',
  name: 'WGS 84 (CRS84)',
  datum_ensemble: {
    name: 'World Geodetic System 1984 ensemble',
    members: [{ name: 'World Geodetic System 1984 (G2139)' }],
    ellipsoid: { name: 'WGS 84', semi_major_axis: 6378137, inverse_flattening: 298.257223563 },
    accuracy: '2.0',
  },
  coordinate_system: {
    subtype: 'ellipsoidal',
    axis: [
      { name: 'Geodetic longitude', abbreviation: 'Lon', direction: 'east', unit: 'degree' },
      { name: 'Geodetic latitude', abbreviation: 'Lat', direction: 'north', unit: 'degree' },
    ],
  },
  id: { authority: 'OGC', code: 'CRS84' },
};

function geoMetadata(bbox: number[]): string {
  return JSON.stringify({
    version: '1.1.0',
    primary_column: 'geometry',
    columns: {
      geometry: {
        encoding: 'WKB',
        geometry_types: ['Point'],
        crs: CRS84_PROJJSON,
        bbox,
        covering: {
          bbox: {
            xmin: ['bbox', 'xmin'],
            ymin: ['bbox', 'ymin'],
            xmax: ['bbox', 'xmax'],
            ymax: ['bbox', 'ymax'],
          },
        },
      },
    },
  });
}

/**
 * A point as WKB (ISO 19125: byte order 1 = little endian, type 1 = Point, x, y): 21 bytes.
 * hyparquet-writer's geojsonToWkb starts each geometry in a 1 KB buffer, which for a row group of
 * points is 50 MB of short-lived ArrayBuffers the collector is slow to give back.
 */
export function pointWkb(x: number, y: number): Uint8Array {
  const out = new Uint8Array(21);
  const view = new DataView(out.buffer);
  view.setUint8(0, 1);
  view.setUint32(1, 1, true);
  view.setFloat64(5, x, true);
  view.setFloat64(13, y, true);
  return out;
}

/**
 * One row group's columns, filled a batch at a time: a batch's features are turned into column
 * values and dropped at once, so a group costs its column values, not 10,000 feature objects.
 */
class GroupColumns {
  rows = 0;
  private readonly values = new Map<string, unknown[]>(
    [...SITE_COLUMNS.map((c) => c.name), 'geometry', 'bbox'].map((n) => [n, []]),
  );

  add(features: Feature<Point>[], box: number[]): void {
    for (const f of features) {
      const row = siteRow(f);
      for (const c of SITE_COLUMNS) {
        const v = row[c.name] ?? null;
        this.values.get(c.name)!.push(c.kind === 'datetime' && v != null ? new Date(String(v)) : v);
      }
      const [x, y] = f.geometry.coordinates as [number, number];
      this.values.get('geometry')!.push(pointWkb(x, y));
      this.values.get('bbox')!.push({ xmin: x, ymin: y, xmax: x, ymax: y });
      box[0] = Math.min(box[0]!, x);
      box[1] = Math.min(box[1]!, y);
      box[2] = Math.max(box[2]!, x);
      box[3] = Math.max(box[3]!, y);
    }
    this.rows += features.length;
  }

  columnData() {
    return [...this.values.entries()].map(([name, data]) => ({ name, data }));
  }
}

/** Bytes the writer produced since the last call. */
function drain(w: ByteWriter): Uint8Array {
  const out = new Uint8Array(w.buffer, 0, w.index).slice();
  w.index = 0;
  return out;
}

export function parquetDump(db: Db, onProgress?: DumpProgress): ReadableStream<Uint8Array> {
  const bytes = new ByteWriter();
  // The file's box is only known at the end; the footer (with kvMetadata) is written by finish().
  const writer = new ParquetWriter({ writer: bytes, schema: SCHEMA, createdBy: 'open charging atlas' });
  const batches = siteBatches(db, false);
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  let written = 0;
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (done) return controller.close();
        const group = new GroupColumns();
        let last = false;
        while (group.rows < ROW_GROUP) {
          const next = await batches.next();
          if (next.done) {
            last = true;
            break;
          }
          group.add(next.value.features, box);
          written += next.value.features.length;
          onProgress?.(written);
        }
        if (group.rows > 0) await writer.write({ columnData: group.columnData(), rowGroupSize: ROW_GROUP });
        if (last) {
          writer.kvMetadata = [
            { key: 'geo', value: geoMetadata(written > 0 ? box : [0, 0, 0, 0]) },
            ...licenceKeyValues(await licenceMembers(db)),
          ];
          await writer.finish();
          done = true;
        }
        controller.enqueue(drain(bytes));
      },
      async cancel() {
        await batches.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}
