// The columnar dumps, read by readers nobody here wrote: GDAL's FlatGeobuf driver reads sites.fgb
// (count, attribute types, values, and a -spat query through its spatial index), hyparquet reads
// sites.parquet (rows, columns, the GeoParquet `geo` metadata and decoded geometries); both match
// the GeoJSON dump feature for feature, neither carries unpublishable data, and both carry the
// GeoJSON dump's attribution and licences inside the file.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { deserialize } from 'flatgeobuf/lib/mjs/geojson.js';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROW_GROUP } from '../../src/api/dump-parquet.js';
import { nodeHttpOptions } from '../../src/node/http-hooks.js';
import { type Atlas, buildAtlas, type Json } from './atlas-fixture.js';

const run = promisify(execFile);

let atlas: Atlas;
/** The GeoJSON dump's features by id: the reference both files must match. */
let reference: Map<string, Json>;
/** The GeoJSON dump's `attribution` and `licenses`: whom both files must credit, inside them too. */
let credits: { attribution: string; licenses: Json[] };

async function download(name: string): Promise<{ res: Response; bytes: Buffer }> {
  const res = await fetch(`${atlas.server.url}/v1/dumps/${name}`);
  expect(res.status, name).toBe(200);
  expect(res.headers.get('link')).toBe('</v1/dumps/LICENSE.txt>; rel="license"');
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

beforeAll(async () => {
  atlas = await buildAtlas({ locations: 350, seed: 99, http: nodeHttpOptions({ rateLimit: false }) });
  const { bytes } = await download('sites.geojson.gz');
  const dump = JSON.parse(gunzipSync(bytes).toString('utf8'));
  const features = dump.features as Json[];
  reference = new Map(features.map((f) => [String(f.id), f]));
  credits = { attribution: dump.attribution, licenses: dump.licenses };
  // The fixture's sources with and without a republishable licence: only the former are credited.
  expect(credits.licenses.map((l) => l.source).sort()).toEqual(['open-a', 'open-b']);
}, 60_000);

afterAll(async () => {
  await atlas?.close();
});

describe('/v1/dumps/sites.fgb', () => {
  let file: string;
  beforeAll(async () => {
    const { res, bytes } = await download('sites.fgb');
    expect(res.headers.get('content-type')).toBe('application/flatgeobuf');
    file = join(atlas.dir, 'sites.fgb');
    writeFileSync(file, bytes);
  });

  it('ogrinfo reads it with the GeoJSON dump count and typed attributes', async () => {
    const { stdout } = await run('ogrinfo', ['-ro', '-so', file, 'sites']);
    expect(Number(/Feature Count: (\d+)/.exec(stdout)?.[1])).toBe(reference.size);
    for (const [name, type] of [
      ['id', 'String'],
      ['name', 'String'],
      ['evse_count', 'Integer'],
      ['connector_count', 'Integer'],
      ['max_power_kw', 'Real'],
      ['last_updated', 'DateTime'],
      ['status', 'String'],
    ]) {
      expect(stdout).toMatch(new RegExp(`^${name}: ${type} `, 'm'));
    }
    expect(stdout).toMatch(/ID\["EPSG",4326\]/);
  });

  it('holds the same features and values as the GeoJSON dump', async () => {
    const out = join(atlas.dir, 'from-fgb.geojson');
    await run('ogr2ogr', ['-f', 'GeoJSON', out, file]);
    const features = JSON.parse(readFileSync(out, 'utf8')).features as Json[];
    expect(features.length).toBe(reference.size);
    for (const f of features) {
      const ref = reference.get(f.properties.id);
      expect(ref, f.properties.id).toBeTruthy();
      expect(f.geometry.coordinates).toEqual(ref.geometry.coordinates);
      // GDAL's GeoJSON leaves null fields out; the dump writes them as null.
      const present = (o: Json) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));
      expect(present(f.properties)).toEqual(present(ref.properties));
    }
  });

  it("carries the GeoJSON dump's attribution and licences in its header metadata", async () => {
    let metadata: string | null | undefined;
    const features = deserialize(new Uint8Array(readFileSync(file)), {
      headerMetaFn: (h) => {
        metadata = h.metadata;
      },
    });
    await features.next();
    expect(JSON.parse(metadata!)).toEqual(credits);
  });

  it('answers a box query through its spatial index with exactly the features in the box', async () => {
    const box = [0, 40, 12, 55];
    const { stdout } = await run('ogrinfo', ['-ro', '-so', '-spat', ...box.map(String), file, 'sites']);
    const inBox = [...reference.values()].filter((f) => {
      const [x, y] = f.geometry.coordinates;
      return x >= box[0]! && x <= box[2]! && y >= box[1]! && y <= box[3]!;
    });
    expect(inBox.length).toBeGreaterThan(0);
    expect(inBox.length).toBeLessThan(reference.size);
    expect(Number(/Feature Count: (\d+)/.exec(stdout)?.[1])).toBe(inBox.length);
  });
});

describe('/v1/dumps/sites.parquet', () => {
  let file: ArrayBuffer;
  beforeAll(async () => {
    const { res, bytes } = await download('sites.parquet');
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  });

  it('carries GeoParquet 1.1 metadata: WKB point geometry, CRS84, the bbox and its covering column', () => {
    const md = parquetMetadata(file);
    const geo = JSON.parse(md.key_value_metadata!.find((k) => k.key === 'geo')!.value!);
    expect(geo.version).toBe('1.1.0');
    expect(geo.primary_column).toBe('geometry');
    const col = geo.columns.geometry;
    expect(col.encoding).toBe('WKB');
    expect(col.geometry_types).toEqual(['Point']);
    expect(col.crs.id).toEqual({ authority: 'OGC', code: 'CRS84' });
    expect(col.covering.bbox.xmin).toEqual(['bbox', 'xmin']);
    const xs = [...reference.values()].map((f) => f.geometry.coordinates[0]);
    const ys = [...reference.values()].map((f) => f.geometry.coordinates[1]);
    expect(col.bbox).toEqual([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]);
    expect(Number(md.num_rows)).toBe(reference.size);
    expect(md.row_groups.length).toBe(Math.ceil(reference.size / ROW_GROUP));
  });

  it("carries the GeoJSON dump's attribution and licences as key-value metadata", () => {
    const kv = new Map(parquetMetadata(file).key_value_metadata!.map((k) => [k.key, k.value]));
    expect(kv.get('attribution')).toBe(credits.attribution);
    expect(JSON.parse(kv.get('licenses')!)).toEqual(credits.licenses);
  });

  it('has the GeoJSON dump rows, columns and geometries', async () => {
    const rows = (await parquetReadObjects({ file })) as Json[];
    expect(rows.length).toBe(reference.size);
    const props = [...reference.values()][0].properties;
    expect(Object.keys(rows[0]).sort()).toEqual([...Object.keys(props), 'geometry', 'bbox'].sort());
    for (const r of rows) {
      const ref = reference.get(r.id);
      expect(ref, r.id).toBeTruthy();
      // hyparquet decodes the WKB column to GeoJSON because of the geo metadata.
      expect(r.geometry).toEqual(ref.geometry);
      expect(r.bbox).toEqual({
        xmin: ref.geometry.coordinates[0],
        ymin: ref.geometry.coordinates[1],
        xmax: ref.geometry.coordinates[0],
        ymax: ref.geometry.coordinates[1],
      });
      const { geometry: _, bbox: __, last_updated, ...values } = r;
      const { last_updated: refUpdated, ...want } = ref.properties;
      // JSON columns (logical type JSON) hold the nested values as JSON text.
      for (const k of ['operators', 'sources', 'location_ids', 'status', 'connectors']) {
        if (typeof values[k] === 'string') values[k] = JSON.parse(values[k]);
      }
      expect(values).toEqual(want);
      expect((last_updated as Date).toISOString().replace('.000Z', 'Z')).toBe(refUpdated);
    }
  });
});

describe('/v1/dumps index', () => {
  it('lists the columnar dumps (and the PMTiles archive) with the sizes of the files served', async () => {
    const body = (await (await fetch(`${atlas.server.url}/v1/dumps`)).json()) as Json;
    expect(body.columnar.map((f: Json) => f.href)).toEqual([
      '/v1/dumps/sites.fgb',
      '/v1/dumps/sites.parquet',
      '/v1/dumps/sites.pmtiles',
    ]);
    // Both files were downloaded above; their sizes are those of the files now served.
    for (const f of body.columnar.slice(0, 2) as Json[]) {
      const res = await fetch(`${atlas.server.url}${f.href}`);
      expect(f.size, f.href).toBe((await res.arrayBuffer()).byteLength);
      expect(f.license).toBe('/v1/dumps/LICENSE.txt');
    }
  });
});
