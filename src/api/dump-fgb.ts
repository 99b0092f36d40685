// /v1/dumps/sites.fgb: the sites as FlatGeobuf with its spatial index. The index comes before the
// features and holds their byte offsets, so the features are encoded first, in id order, into a
// spool (a temporary file on Node, memory elsewhere) while only their positions, offsets and sizes
// stay in memory; then header, index and the spooled features in Hilbert order are streamed out.

import * as flatbuffers from 'flatbuffers';
import type { ColumnMeta } from 'flatgeobuf/lib/mjs/column-meta.js';
import { Column } from 'flatgeobuf/lib/mjs/flat-geobuf/column.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { Crs } from 'flatgeobuf/lib/mjs/flat-geobuf/crs.js';
import { Feature as FgbFeature } from 'flatgeobuf/lib/mjs/flat-geobuf/feature.js';
import { Geometry } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import { Header } from 'flatgeobuf/lib/mjs/flat-geobuf/header.js';
import type { Feature, Point } from 'geojson';
import type { Db } from '../db/types.js';
import { type DumpProgress, licenceMembers, siteBatches } from './dump-formats.js';
import { hilbertOrder, NODE_SIZE, packedRTree } from './fgb-index.js';
import type { FeatureSpool } from './http/options.js';
import { type ColumnKind, SITE_COLUMNS, siteRow } from './site-table.js';

const MAGIC = new Uint8Array([0x66, 0x67, 0x62, 0x03, 0x66, 0x67, 0x62, 0x00]);

export function memorySpool(): FeatureSpool {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let whole: Uint8Array | null = null;
  return {
    async append(bytes) {
      chunks.push(bytes);
      size += bytes.length;
    },
    async read(offset, length) {
      if (!whole) {
        whole = new Uint8Array(size);
        let at = 0;
        for (const c of chunks.splice(0)) {
          whole.set(c, at);
          at += c.length;
        }
      }
      return whole.subarray(offset, offset + length);
    },
    async close() {
      whole = null;
    },
  };
}

const FGB_TYPES: Record<ColumnKind, ColumnType> = {
  string: ColumnType.String,
  json: ColumnType.Json,
  int: ColumnType.Int,
  double: ColumnType.Double,
  datetime: ColumnType.DateTime,
  bool: ColumnType.Bool,
};

const COLUMNS: ColumnMeta[] = SITE_COLUMNS.map((c) => ({
  name: c.name,
  type: FGB_TYPES[c.kind],
  title: null,
  description: null,
  width: -1,
  precision: -1,
  scale: -1,
  nullable: c.name !== 'id',
  unique: c.name === 'id',
  primary_key: c.name === 'id',
}));

/** The size-prefixed header: columns, envelope, count, index node size and EPSG:4326. */
function header(count: number, envelope: number[], description: string, metadata: string): Uint8Array {
  const b = new flatbuffers.Builder(1024);
  const cols = COLUMNS.map((c) => {
    const name = b.createString(c.name);
    Column.startColumn(b);
    Column.addName(b, name);
    Column.addType(b, c.type);
    Column.addNullable(b, c.nullable);
    Column.addUnique(b, c.unique);
    Column.addPrimaryKey(b, c.primary_key);
    return Column.endColumn(b);
  });
  const columns = Header.createColumnsVector(b, cols);
  const env = Header.createEnvelopeVector(b, envelope);
  const name = b.createString('sites');
  const desc = b.createString(description);
  const meta = b.createString(metadata);
  Crs.startCrs(b);
  Crs.addCode(b, 4326);
  const crs = Crs.endCrs(b);
  Header.startHeader(b);
  Header.addName(b, name);
  Header.addDescription(b, desc);
  Header.addMetadata(b, meta);
  Header.addEnvelope(b, env);
  Header.addGeometryType(b, GeometryType.Point);
  Header.addColumns(b, columns);
  Header.addFeaturesCount(b, BigInt(count));
  Header.addIndexNodeSize(b, count > 0 ? NODE_SIZE : 0);
  Header.addCrs(b, crs);
  b.finishSizePrefixed(Header.endHeader(b));
  return b.asUint8Array();
}

/**
 * Encodes features (FlatGeobuf's Feature table: properties as column index + value, a Point
 * geometry) with one builder and one properties buffer for all of them. flatgeobuf's buildFeature
 * allocates both anew for every feature (2 KB and more), 250,000 times on a large atlas: garbage
 * the collector gives back late, which showed in the dump's peak memory.
 */
class FeatureEncoder {
  private readonly builder = new flatbuffers.Builder(1024);
  private readonly text = new TextEncoder();
  private props = new Uint8Array(4096);
  private view = new DataView(this.props.buffer);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.props.length) return;
    const bigger = new Uint8Array(Math.max(this.props.length * 2, this.at + n));
    bigger.set(this.props.subarray(0, this.at));
    this.props = bigger;
    this.view = new DataView(bigger.buffer);
  }

  /** A string value: byte length (u32), then UTF-8 (at most 3 bytes per UTF-16 unit). */
  private string(s: string): void {
    this.room(4 + s.length * 3);
    const { written } = this.text.encodeInto(s, this.props.subarray(this.at + 4));
    this.view.setUint32(this.at, written, true);
    this.at += 4 + written;
  }

  private value(type: ColumnType, v: string | number | boolean): void {
    if (type === ColumnType.Bool) {
      this.room(1);
      this.view.setUint8(this.at, v ? 1 : 0);
      this.at += 1;
    } else if (type === ColumnType.Int) {
      this.room(4);
      this.view.setInt32(this.at, Number(v), true);
      this.at += 4;
    } else if (type === ColumnType.Double) {
      this.room(8);
      this.view.setFloat64(this.at, Number(v), true);
      this.at += 8;
    } else this.string(String(v)); // String, DateTime, and Json as its text
  }

  encode(f: Feature<Point>): Uint8Array {
    const row = siteRow(f);
    this.at = 0;
    for (const [i, c] of COLUMNS.entries()) {
      const v = row[c.name];
      if (v == null) continue;
      this.room(2);
      this.view.setUint16(this.at, i, true);
      this.at += 2;
      this.value(c.type, v as string | number | boolean);
    }
    const b = this.builder;
    b.clear();
    const props = this.at > 0 ? FgbFeature.createPropertiesVector(b, this.props.subarray(0, this.at)) : 0;
    const xy = Geometry.createXyVector(b, f.geometry.coordinates.slice(0, 2) as number[]);
    Geometry.startGeometry(b);
    Geometry.addXy(b, xy);
    Geometry.addType(b, GeometryType.Point);
    const geometry = Geometry.endGeometry(b);
    FgbFeature.startFeature(b);
    FgbFeature.addGeometry(b, geometry);
    if (props) FgbFeature.addProperties(b, props);
    b.finishSizePrefixed(FgbFeature.endFeature(b));
    // A copy of the finished bytes: the builder's buffer is reused for the next feature.
    return b.asUint8Array().slice();
  }
}

/** Grows typed arrays for the positions, spool offsets and sizes of the features. */
class Positions {
  xs = new Float64Array(1024);
  ys = new Float64Array(1024);
  at = new Float64Array(1024);
  sizes = new Uint32Array(1024);
  n = 0;
  push(x: number, y: number, at: number, size: number) {
    if (this.n === this.xs.length) {
      for (const k of ['xs', 'ys', 'at', 'sizes'] as const) {
        const bigger = new (this[k].constructor as Float64ArrayConstructor)(this.n * 2);
        bigger.set(this[k]);
        (this as Record<string, unknown>)[k] = bigger;
      }
    }
    this.xs[this.n] = x;
    this.ys[this.n] = y;
    this.at[this.n] = at;
    this.sizes[this.n] = size;
    this.n++;
  }
}

async function spoolFeatures(db: Db, spool: FeatureSpool, onProgress?: DumpProgress): Promise<Positions> {
  const pos = new Positions();
  const encoder = new FeatureEncoder();
  let offset = 0;
  for await (const batch of siteBatches(db, false)) {
    for (const f of batch.features) {
      const bytes = encoder.encode(f);
      const [x, y] = f.geometry.coordinates as [number, number];
      await spool.append(bytes);
      pos.push(x, y, offset, bytes.length);
      offset += bytes.length;
    }
    onProgress?.(pos.n);
  }
  return pos;
}

function envelopeOf(p: Positions): number[] {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < p.n; i++) {
    x0 = Math.min(x0, p.xs[i]!);
    y0 = Math.min(y0, p.ys[i]!);
    x1 = Math.max(x1, p.xs[i]!);
    y1 = Math.max(y1, p.ys[i]!);
  }
  return p.n ? [x0, y0, x1, y1] : [0, 0, 0, 0];
}

/** Header and index of the spooled features, and the order to stream them in. */
function layout(p: Positions, description: string, metadata: string) {
  const xs = p.xs.subarray(0, p.n);
  const ys = p.ys.subarray(0, p.n);
  const envelope = envelopeOf(p);
  const order = hilbertOrder(xs, ys, envelope);
  const sx = new Float64Array(p.n);
  const sy = new Float64Array(p.n);
  const offsets = new Float64Array(p.n);
  let at = 0;
  for (let i = 0; i < p.n; i++) {
    const k = order[i]!;
    sx[i] = xs[k]!;
    sy[i] = ys[k]!;
    offsets[i] = at;
    at += p.sizes[k]!;
  }
  const index = p.n > 0 ? packedRTree(sx, sy, offsets) : new Uint8Array(0);
  return { head: [MAGIC, header(p.n, envelope, description, metadata), index], order };
}

/** Features read back from the spool per this many, in Hilbert order. */
const READ_BATCH = 2_000;

export function fgbDump(
  db: Db,
  spool: FeatureSpool,
  description: string,
  onProgress?: DumpProgress,
): ReadableStream<Uint8Array> {
  let order: Uint32Array | null = null;
  let pos: Positions;
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!order) {
          pos = await spoolFeatures(db, spool, onProgress);
          // The header's metadata (free-form JSON in FlatGeobuf): whom the data must credit.
          const l = layout(pos, description, JSON.stringify(await licenceMembers(db)));
          order = l.order;
          for (const part of l.head) controller.enqueue(part);
          return;
        }
        if (next >= order.length) {
          await spool.close();
          controller.close();
          return;
        }
        const end = Math.min(next + READ_BATCH, order.length);
        for (; next < end; next++) {
          const k = order[next]!;
          controller.enqueue(await spool.read(pos.at[k]!, pos.sizes[k]!));
        }
      },
      async cancel() {
        await spool.close();
      },
    },
    { highWaterMark: 1 },
  );
}
