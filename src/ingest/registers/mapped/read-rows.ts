// A mapped register file as rows: CSV records keyed by header name, or JSON / NDJSON objects read
// by dotted path. Also answers whether a column or path exists at all, so a mapping naming a column
// the file lacks fails the run at first read with the columns that are there.
import type { QuarantineReason } from '../../../model/types.js';
import { readCsvTable } from '../csv.js';
import { fieldCountProblem } from '../record-checks.js';
import { errorMessage, nonBlankLines, stripBom } from '../source-text.js';
import type { RegisterMapping } from './config.js';

export interface Row {
  /** The value at a column (CSV) or dotted path (JSON); undefined when absent. */
  get(name: string): unknown;
  line: number;
  raw: unknown;
}

export type RowItem = { row: Row } | { problem: QuarantineReason; raw: unknown };

export interface RowTable {
  items: RowItem[];
  /** 'column' (CSV) or 'path' (JSON), for messages. */
  noun: 'column' | 'path';
  has(name: string): boolean;
  /** What the file does have, for the message naming a missing column. */
  found(): string;
}

/** Thrown at first read when the file cannot be read as the mapping says; the run fails with it. */
export class MappingError extends Error {}

export function readRows(text: string, mapping: RegisterMapping): RowTable {
  const format = mapping.format;
  if (format.type === 'csv') return csvTable(text, format.separator, format.quote);
  const objects = format.type === 'ndjson' ? ndjsonItems(text) : jsonItems(text, format.records);
  return jsonTable(objects);
}

function csvTable(text: string, separator: string, quote: string): RowTable {
  const { header, records } = readCsvTable(text, { separator, quote });
  const items: RowItem[] = [];
  for (const record of records) {
    const problem = fieldCountProblem(record, header.length);
    const values = record.values;
    items.push(
      problem
        ? { problem, raw: values }
        : { row: { get: (name) => values[name], line: record.line, raw: values } },
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
  return { row: { get: (name) => resolvePath(raw, name), line, raw } };
}

function unparseable(where: string, message: string): QuarantineReason {
  return { field: `(${where})`, rule: 'unparseable-row', message };
}

function jsonTable(items: RowItem[]): RowTable {
  const rows = items.flatMap((i) => ('row' in i ? [i.row] : []));
  return {
    items,
    noun: 'path',
    has: (name) => rows.some((r) => r.get(name) !== undefined),
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
