// Checks every register format makes the same way, so the same fault gets the same rule name.
import type { DataWarning, QuarantineReason } from '../../model/types.js';
import type { CsvRecord } from './csv.js';
import { UNKNOWN_TIMESTAMP } from './dates.js';

/** A CSV row with more or fewer fields than the header cannot be read by column name. */
export function fieldCountProblem(record: CsvRecord, headerLength: number): QuarantineReason | null {
  if (record.fieldCount === headerLength) return null;
  return {
    field: '(row)',
    rule: 'field-count',
    message: `line ${record.line} has ${record.fieldCount} fields, the header ${headerLength}`,
  };
}

export function lastUpdatedWarnings(lastUpdated: string): DataWarning[] {
  return lastUpdated === UNKNOWN_TIMESTAMP
    ? [{ field: 'lastUpdated', rule: 'missing', detail: 'the register gives no usable date' }]
    : [];
}

/** The first issue of a failed zod parse, as a quarantine reason naming the field's path. */
export function schemaProblem(error: {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}): QuarantineReason {
  const issue = error.issues[0];
  return {
    field: issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(record)',
    rule: 'schema',
    message: issue?.message ?? 'invalid record',
  };
}

/** The record's id as written, for the quarantine of a record that failed validation. */
export function rawId(raw: unknown, key: string): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const value = (raw as Record<string, unknown>)[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}
