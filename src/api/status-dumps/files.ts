// The two tables of a status day (day.ts) as files: CSV (gzip-compressed by the caller) and
// Parquet. One column list per table drives both encodings, so the files always agree.
import type { SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { Db } from '../../db/types.js';
import { iso } from '../../model/iso-time.js';
import { csvField, licenceKeyValues, licenceMembers } from '../dump-formats.js';
import { type CellHourRow, type DayChunk, type DayRange, type IntervalRow, statusDayChunks } from './day.js';

export const STATUS_TABLES = ['intervals', 'occupancy'] as const;
export type StatusTable = (typeof STATUS_TABLES)[number];

type Kind = 'string' | 'double' | 'int' | 'time' | 'seconds';

interface Column<R> {
  name: string;
  kind: Kind;
  /** null only where the column is declared optional. */
  get: (r: R) => string | number | null;
  optional?: boolean;
}

const INTERVAL_COLUMNS: Column<IntervalRow>[] = [
  { name: 'evse', kind: 'string', get: (r) => r.evse },
  { name: 'evse_id', kind: 'string', get: (r) => r.evse_id, optional: true },
  { name: 'location', kind: 'string', get: (r) => r.location },
  { name: 'source', kind: 'string', get: (r) => r.source },
  { name: 'latitude', kind: 'double', get: (r) => r.lat },
  { name: 'longitude', kind: 'double', get: (r) => r.lon },
  { name: 'status', kind: 'string', get: (r) => r.status },
  { name: 'start', kind: 'time', get: (r) => r.start },
  { name: 'end', kind: 'time', get: (r) => r.end },
  { name: 'seconds', kind: 'seconds', get: (r) => (r.end - r.start) / 1000 },
];

const figure = (name: keyof CellHourRow, kind: Kind = 'double'): Column<CellHourRow> => ({
  name,
  kind,
  get: (r) => r[name],
});

const OCCUPANCY_COLUMNS: Column<CellHourRow>[] = [
  figure('cell', 'int'),
  figure('min_lon'),
  figure('min_lat'),
  figure('max_lon'),
  figure('max_lat'),
  figure('hour', 'time'),
  figure('evses', 'int'),
  figure('installed_kw'),
  figure('evses_without_power', 'int'),
  figure('available'),
  figure('charging'),
  figure('occupied'),
  figure('out_of_order'),
  figure('unknown'),
  figure('charging_evses'),
  figure('power_in_use_kw'),
];

interface TableSpec<R> {
  columns: Column<R>[];
  rows: (c: DayChunk) => R[];
}

const TABLES: { intervals: TableSpec<IntervalRow>; occupancy: TableSpec<CellHourRow> } = {
  intervals: { columns: INTERVAL_COLUMNS, rows: (c) => c.intervals },
  occupancy: { columns: OCCUPANCY_COLUMNS, rows: (c) => c.cells },
};

export const columnNames = (table: StatusTable) => TABLES[table].columns.map((c) => c.name);

/** A pull stream over the day's chunks; `encode` turns one chunk into bytes (or nothing yet). */
function chunkStream(
  db: Db,
  day: DayRange,
  encode: (chunk: DayChunk | null) => Promise<Uint8Array | null>,
): ReadableStream<Uint8Array> {
  const chunks = statusDayChunks(db, day);
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (done) return controller.close();
        // Pulls until there are bytes to hand out: a chunk may hold no row of this table.
        for (;;) {
          const next = await chunks.next();
          const bytes = await encode(next.done ? null : next.value);
          if (next.done) done = true;
          if (bytes && bytes.length > 0) return controller.enqueue(bytes);
          if (done) return controller.close();
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}

function csvValue(kind: Kind, v: string | number | null): unknown {
  return kind === 'time' && v != null ? iso(v as number) : v;
}

/** RFC 4180 CSV, times as ISO 8601 UTC. */
export function statusCsv(db: Db, day: DayRange, table: StatusTable): ReadableStream<Uint8Array> {
  const spec = TABLES[table] as TableSpec<unknown>;
  const encoder = new TextEncoder();
  let head = `${spec.columns.map((c) => c.name).join(',')}\r\n`;
  return chunkStream(db, day, async (chunk) => {
    const lines = (chunk ? spec.rows(chunk) : []).map(
      (r) => `${spec.columns.map((c) => csvField(csvValue(c.kind, c.get(r)))).join(',')}\r\n`,
    );
    const text = head + lines.join('');
    head = '';
    return encoder.encode(text);
  });
}

const PARQUET_TYPES: Record<Kind, Omit<SchemaElement, 'name'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  double: { type: 'DOUBLE' },
  int: { type: 'INT32' },
  seconds: { type: 'INT32' },
  time: { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' },
};

/**
 * Rows per row group: what the writer holds (as column values) before it encodes and streams a
 * group. Smaller than the sites' groups: a day of a large atlas has millions of short rows, and a
 * group's encoding makes several copies of its values at once.
 */
export const STATUS_ROW_GROUP = 10_000;

/** Parquet, times as TIMESTAMP_MILLIS (UTC). */
export function statusParquet(db: Db, day: DayRange, table: StatusTable): ReadableStream<Uint8Array> {
  const spec = TABLES[table] as TableSpec<unknown>;
  const schema: SchemaElement[] = [
    { name: 'root', num_children: spec.columns.length },
    ...spec.columns.map((c) => ({
      name: c.name,
      repetition_type: c.optional ? ('OPTIONAL' as const) : ('REQUIRED' as const),
      ...PARQUET_TYPES[c.kind],
    })),
  ];
  const bytes = new ByteWriter();
  const writer = new ParquetWriter({ writer: bytes, schema, createdBy: 'open charging atlas' });
  const kv = [{ key: 'open_charging_atlas', value: JSON.stringify({ table, date: day.date }) }];
  // Column values of the group being filled; a chunk's rows are turned into them at once.
  let columns: unknown[][] = spec.columns.map(() => []);
  let rows = 0;
  async function flush() {
    const columnData = spec.columns.map((c, i) => ({ name: c.name, data: columns[i]! }));
    columns = spec.columns.map(() => []);
    rows = 0;
    await writer.write({ columnData, rowGroupSize: STATUS_ROW_GROUP });
  }
  return chunkStream(db, day, async (chunk) => {
    for (const r of chunk ? spec.rows(chunk) : []) {
      spec.columns.forEach((c, i) => {
        const v = c.get(r);
        columns[i]!.push(c.kind === 'time' && v != null ? new Date(v as number) : v);
      });
      rows++;
      if (rows === STATUS_ROW_GROUP) await flush();
    }
    if (!chunk) {
      if (rows > 0) await flush();
      // Whom the data must credit; the footer is written last, so it is read here.
      writer.kvMetadata = [...kv, ...licenceKeyValues(await licenceMembers(db))];
      await writer.finish();
    }
    const out = new Uint8Array(bytes.buffer, 0, bytes.index).slice();
    bytes.index = 0;
    return out;
  });
}
