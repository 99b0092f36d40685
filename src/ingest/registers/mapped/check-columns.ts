// Every column or path the mapping names must exist in the file: checked once, at first read, so a
// wrong mapping fails the run naming the field and the columns the file does have, instead of
// quarantining every record with "latitude is missing".
import type { FieldSpec, RegisterMapping } from './config.js';
import { type Level, MappingError, type RowTable } from './read-rows.js';
import { columnsOf } from './values.js';

interface ColumnRef {
  /** The field's path in the sources file, e.g. "mapping.fields.latitude". */
  path: string;
  column: string;
  /** Where the column is looked up in nested JSON (a location record, an EVSE, a connector object). */
  level: Level;
}

export function checkColumns(mapping: RegisterMapping, table: RowTable): void {
  const slots = mapping.evses.slots ?? 1;
  for (const { path, column, level } of columnRefs(mapping)) {
    const candidates = column.includes('{i}')
      ? Array.from({ length: slots }, (_, k) => column.replaceAll('{i}', String(k + 1)))
      : [column];
    if (candidates.some((c) => table.has(c, level))) continue;
    throw new MappingError(`${path}: ${table.noun} "${candidates[0]}" not found; ${table.found()}`);
  }
}

function columnRefs(m: RegisterMapping): ColumnRef[] {
  const refs: ColumnRef[] = [];
  const addSpec = (path: string, spec: FieldSpec | undefined, level: Level) => {
    for (const column of spec ? columnsOf(spec) : []) refs.push({ path, column, level });
  };
  const addList = (path: string, columns: readonly string[] | undefined, level: Level) => {
    columns?.forEach((column, k) => {
      refs.push({ path: `${path}[${k}]`, column, level });
    });
  };
  addList('mapping.group_by', m.group_by, 'location');
  for (const [name, spec] of Object.entries(m.fields)) {
    if (name !== 'coordinates') addSpec(`mapping.fields.${name}`, spec as FieldSpec, 'location');
  }
  if (m.fields.coordinates) {
    refs.push({ path: 'mapping.fields.coordinates', column: m.fields.coordinates.from, level: 'location' });
  }
  addList('mapping.evses.group_by', m.evses.group_by, 'evse');
  addSpec('mapping.evses.count', m.evses.count, 'evse');
  for (const [name, spec] of Object.entries(m.evses.fields))
    addSpec(`mapping.evses.fields.${name}`, spec, 'evse');
  const { flags, each: _each, ...connectorFields } = m.evses.connectors;
  for (const [name, spec] of Object.entries(connectorFields)) {
    addSpec(`mapping.evses.connectors.${name}`, spec as FieldSpec, 'connector');
  }
  for (const [column, flag] of Object.entries(flags ?? {})) {
    const path = `mapping.evses.connectors.flags.${column}`;
    refs.push({ path, column, level: 'connector' });
    if (typeof flag.format === 'object') addSpec(`${path}.format`, flag.format, 'connector');
  }
  return refs;
}
