// Reading one mapped field of one row: the columns, "none" values, join, pattern, value map, then
// the type the canonical field needs (text, number with decimal mark and unit, flag, date).
import type { DataWarning } from '../../../model/types.js';
import { text } from '../location-builders.js';
import type { FieldSpec, MapTarget, RegisterMapping } from './config.js';
import { isoFromLayouts } from './date-layouts.js';
import type { Row } from './read-rows.js';

export type Found = { mapped: true; value: MapTarget } | { mapped: false; value: string };

/** Reads fields of rows under one mapping; collects the values its maps did not know. */
export class FieldReader {
  readonly unmapped = new Map<string, DataWarning>();
  private readonly patterns = new Map<string, RegExp>();

  constructor(private readonly mapping: RegisterMapping) {}

  /** The field's text before any map: columns with "none" values removed, joined, pattern applied. */
  rawText(row: Row, spec: FieldSpec, slot?: number): string | null {
    if (spec.value !== undefined) return String(spec.value);
    const parts: string[] = [];
    for (const column of columnsOf(spec, slot)) {
      const t = asText(row.get(column));
      if (t !== null && !spec.null_values.includes(t)) parts.push(t);
    }
    if (parts.length === 0) return null;
    const joined = parts.join(spec.join);
    if (spec.pattern === undefined) return joined;
    let re = this.patterns.get(spec.pattern);
    if (!re) {
      re = new RegExp(spec.pattern, 'u');
      this.patterns.set(spec.pattern, re);
    }
    const m = re.exec(joined);
    return m ? (m[1] ?? m[0]).trim() || null : null;
  }

  /** Each value of the field (one, or one per `split` item), through the value map. */
  values(row: Row, spec: FieldSpec, path: string, slot?: number): Found[] {
    const raw = this.rawText(row, spec, slot);
    if (raw === null) return [];
    const items = spec.split ? raw.split(spec.split).map((s) => s.trim()) : [raw];
    return items.filter((s) => s.length > 0).map((item) => this.lookUp(item, spec, path));
  }

  value(row: Row, spec: FieldSpec | undefined, path: string, slot?: number): Found | null {
    if (!spec) return null;
    const raw = this.rawText(row, spec, slot);
    return raw === null ? null : this.lookUp(raw, spec, path);
  }

  text(row: Row, spec: FieldSpec | undefined, path: string, slot?: number): string | null {
    const found = this.value(row, spec, path, slot);
    if (found === null || found.value === null) return null;
    return typeof found.value === 'object' ? found.value.standard : String(found.value);
  }

  number(row: Row, spec: FieldSpec | undefined, path: string, slot?: number): number | null {
    if (!spec) return null;
    const direct = isPlainColumn(spec) ? directNumber(row, spec, slot) : null;
    if (direct !== null) return direct;
    const found = this.value(row, spec, path, slot);
    if (found === null) return null;
    if (typeof found.value === 'number') return found.value;
    return typeof found.value === 'string' ? this.parseNumber(found.value) : null;
  }

  /** Power in W, from W or kW as the field's unit says. */
  watts(row: Row, spec: FieldSpec | undefined, path: string, slot?: number): number | null {
    const n = this.number(row, spec, path, slot);
    if (n === null || n < 0) return null;
    return Math.round(spec?.unit === 'kW' ? n * 1000 : n);
  }

  flag(row: Row, spec: FieldSpec | undefined, path: string, slot?: number): boolean | null {
    if (!spec) return null;
    const direct = isPlainColumn(spec) ? columnsOf(spec, slot).map((c) => row.get(c)) : [];
    if (direct.length === 1 && typeof direct[0] === 'boolean') return direct[0];
    const found = this.value(row, spec, path, slot);
    if (found === null || found.value === null) return null;
    if (typeof found.value === 'boolean') return found.value;
    const t = String(found.value).toLowerCase();
    return this.mapping.true_values.some((v) => v.toLowerCase() === t);
  }

  date(row: Row, spec: FieldSpec | undefined, path: string): string | null {
    const t = this.text(row, spec, path);
    if (t === null || !spec) return null;
    const layouts = spec.date_format ?? 'iso';
    return isoFromLayouts(t, Array.isArray(layouts) ? layouts : [layouts]);
  }

  parseNumber(t: string): number | null {
    const s = this.mapping.decimal_mark === ',' ? t.trim().replace(',', '.') : t.trim();
    return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : null;
  }

  private lookUp(item: string, spec: FieldSpec, path: string): Found {
    if (!spec.map) return { mapped: false, value: item };
    if (Object.hasOwn(spec.map, item)) return { mapped: true, value: spec.map[item]! };
    const lower = item.toLowerCase();
    const key = Object.keys(spec.map).find((k) => k.toLowerCase() === lower);
    if (key !== undefined) return { mapped: true, value: spec.map[key]! };
    if (Object.hasOwn(spec.map, '*')) return { mapped: true, value: spec.map['*']! };
    const id = `${path}\u0000${item}`;
    if (!this.unmapped.has(id)) {
      this.unmapped.set(id, {
        field: path,
        rule: 'unmapped-value',
        detail: `"${item}" is not in the map; kept as is`,
      });
    }
    return { mapped: false, value: item };
  }
}

/** The columns a field reads, `{i}` replaced by the slot number. */
export function columnsOf(spec: Pick<FieldSpec, 'from'>, slot?: number): string[] {
  const list = spec.from === undefined ? [] : Array.isArray(spec.from) ? spec.from : [spec.from];
  return slot === undefined ? list : list.map((c) => c.replaceAll('{i}', String(slot)));
}

/** A field read straight from one column, where a typed JSON value can be taken as it is. */
function isPlainColumn(spec: FieldSpec): boolean {
  return spec.value === undefined && !spec.map && spec.pattern === undefined && spec.null_values.length === 0;
}

/** JSON numbers are taken as they are; text goes through the decimal mark. */
function directNumber(row: Row, spec: FieldSpec, slot?: number): number | null {
  const columns = columnsOf(spec, slot);
  if (columns.length !== 1) return null;
  const v = row.get(columns[0]!);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function asText(v: unknown): string | null {
  if (typeof v === 'boolean') return String(v);
  return text(v);
}
