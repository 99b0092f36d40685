// A mapped register file as rows: CSV records keyed by header name, or JSON / NDJSON objects read
// by dotted path. Also answers whether a column or path exists at all, so a mapping naming a column
// the file lacks fails the run at first read with the columns that are there.

import { stripBom } from '../../../model/byte-order-mark.js';
import type { QuarantineReason } from '../../../model/types.js';
import { readCsvTable } from '../csv.js';
import { fieldCountProblem } from '../record-checks.js';
import { errorMessage, nonBlankLines } from '../source-text.js';
import type { RegisterMapping } from './config.js';

export type Level = 'location' | 'evse' | 'connector';

export interface Row {
  /** The value at a column (CSV) or dotted path (JSON); undefined when absent. */
  get(name: string): unknown;
  line: number;
  raw: unknown;
  /**
   * The row as a mapping section reads it. Flat rows are the same at every level; a row made from
   * nested JSON arrays reads an EVSE field in its EVSE object first, then in the location record
   * (and a connector field in the connector, the EVSE, the record), so equal key names ("id") at
   * different levels do not collide.
   */
  scope(level: Level): Row;
  /** Nested JSON: the EVSE's / connector's position in its array; undefined when the row has none. */
  evseOrdinal?: number;
  connectorOrdinal?: number;
}

export type RowItem = { row: Row } | { problem: QuarantineReason; raw: unknown };

export interface RowTable {
  items: RowItem[];
  /** 'column' (CSV) or 'path' (JSON), for messages. */
  noun: 'column' | 'path';
  has(name: string, level?: Level): boolean;
  /** What the file does have, for the message naming a missing column. */
  found(): string;
}

/** Thrown at first read when the file cannot be read as the mapping says; the run fails with it. */
export class MappingError extends Error {}

export function readRows(text: string, mapping: RegisterMapping): RowTable {
  const format = mapping.format;
  if (format.type === 'csv') return csvTable(text, format.separator, format.quote);
  const objects = format.type === 'ndjson' ? ndjsonItems(text) : jsonItems(text, format.records);
  const each = mapping.evses.each;
  if (each === undefined) return jsonTable(objects);
  return jsonTable(nestedItems(objects, each, mapping.evses.connectors.each));
}

/** One row per connector (or per EVSE, or per location when it has none) of nested arrays. */
function nestedItems(items: RowItem[], evsePath: string, connectorPath: string | undefined): RowItem[] {
  const out: RowItem[] = [];
  let arrays = 0;
  for (const item of items) {
    if (!('row' in item)) {
      out.push(item);
      continue;
    }
    const record = item.row;
    const evses = record.get(evsePath);
    if (Array.isArray(evses)) arrays++;
    const list = Array.isArray(evses) ? evses : [];
    if (list.length === 0) out.push({ row: nestedRow(record, [], {}) });
    list.forEach((evse, e) => {
      const connectors = connectorPath === undefined ? undefined : resolvePath(evse, connectorPath);
      const cs = Array.isArray(connectors) ? connectors : [];
      if (cs.length === 0) out.push({ row: nestedRow(record, [evse], { evseOrdinal: e }) });
      cs.forEach((c, k) => {
        out.push({ row: nestedRow(record, [c, evse], { evseOrdinal: e, connectorOrdinal: k }) });
      });
    });
  }
  if (arrays === 0 && items.some((i) => 'row' in i)) {
    throw new MappingError(`mapping.evses.each: "${evsePath}" is an array in none of the records`);
  }
  return out;
}

/** A row over nested objects, innermost first: a connector, its EVSE, then the location record. */
function nestedRow(
  record: Row,
  inner: unknown[],
  ordinals: { evseOrdinal?: number; connectorOrdinal?: number },
): Row {
  const chain = (objects: unknown[]): Row => {
    const row: Row = {
      get: (name) => {
        for (const o of objects) {
          const v = resolvePath(o, name);
          if (v !== undefined) return v;
        }
        return record.get(name);
      },
      line: record.line,
      raw: record.raw,
      scope: (level) => (level === 'location' ? record : level === 'evse' ? evseRow : row),
      ...ordinals,
    };
    return row;
  };
  const evseRow = chain(inner.slice(-1));
  return chain(inner);
}

function csvTable(text: string, separator: string, quote: string): RowTable {
  const { header, records } = readCsvTable(text, { separator, quote });
  const items: RowItem[] = [];
  for (const record of records) {
    const problem = fieldCountProblem(record, header.length);
    const values = record.values;
    items.push(
      problem ? { problem, raw: values } : { row: flatRow((name) => values[name], record.line, values) },
    );
  }
  const columns = new Set(header);
  return {
    items,
    noun: 'column',
    has: (name) => columns.has(name),
    found: () => csvHeaderHint(text, header, separator),
  };
}

function csvHeaderHint(text: string, header: string[], separator: string): string {
  const listed = `columns found: ${header.slice(0, 40).join(', ')}`;
  if (header.length !== 1) return listed;
  const firstLine = stripBom(text).split(/\r?\n/, 1)[0] ?? '';
  const other = [';', ',', '\t', '|'].find((s) => s !== separator && firstLine.includes(s));
  if (!other) return `${listed} (the header has one field when split at '${separator}')`;
  const shown = other === '\t' ? 'a tab' : `'${other}'`;
  return `every line has one field when split at '${separator}': is the separator ${shown}? (${listed})`;
}

function jsonItems(text: string, recordsPath: string): RowItem[] {
  let doc: unknown;
  try {
    doc = JSON.parse(stripBom(text));
  } catch (error) {
    throw new MappingError(`mapping.format: the file is not JSON: ${errorMessage(error)}`);
  }
  const list = recordsPath === '' ? doc : resolvePath(doc, recordsPath);
  if (!Array.isArray(list)) {
    const keys = isObject(doc) ? Object.keys(doc).slice(0, 40).join(', ') : typeof doc;
    throw new MappingError(
      `mapping.format.records: "${recordsPath}" is not an array of records; the document has: ${keys}`,
    );
  }
  return list.map((raw, k) => objectItem(raw, k + 1, `record ${k + 1}`));
}

function ndjsonItems(text: string): RowItem[] {
  const items: RowItem[] = [];
  for (const { line, lineNo } of nonBlankLines(text)) {
    try {
      items.push(objectItem(JSON.parse(line), lineNo, `line ${lineNo}`));
    } catch (error) {
      items.push({ problem: unparseable(`line ${lineNo}`, errorMessage(error)), raw: line });
    }
  }
  return items;
}

function objectItem(raw: unknown, line: number, where: string): RowItem {
  if (!isObject(raw)) return { problem: unparseable(where, 'a record is not a JSON object'), raw };
  return { row: flatRow((name) => resolvePath(raw, name), line, raw) };
}

function flatRow(get: (name: string) => unknown, line: number, raw: unknown): Row {
  const row: Row = { get, line, raw, scope: () => row };
  return row;
}

function unparseable(where: string, message: string): QuarantineReason {
  return { field: `(${where})`, rule: 'unparseable-row', message };
}

function jsonTable(items: RowItem[]): RowTable {
  const rows = items.flatMap((i) => ('row' in i ? [i.row] : []));
  return {
    items,
    noun: 'path',
    has: (name, level = 'location') => rows.some((r) => r.scope(level).get(name) !== undefined),
    found: () => {
      const keys = new Set<string>();
      for (const r of rows.slice(0, 1000)) for (const k of Object.keys(r.raw as object)) keys.add(k);
      return `keys found in the ${rows.length} records: ${[...keys].slice(0, 40).join(', ')}`;
    },
  };
}

/** A key spelt with dots wins over the nested path ("a.b" as one key before a -> b). */
function resolvePath(value: unknown, path: string): unknown {
  if (!isObject(value)) return undefined;
  if (path in value) return value[path];
  let at: unknown = value;
  for (const part of path.split('.')) {
    if (!isObject(at)) return undefined;
    at = at[part];
  }
  return at;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
