// A register run that imports nothing is not a success. When all (or, configured, most) of a
// file's records are quarantined, the run fails, with a reason that names the real problem: a
// layout the importer does not expect (the columns it needs, the columns found, the separator),
// not the per-record symptom ("Breitengrad: missing") repeated thousands of times.
import { stripBom } from '../../model/byte-order-mark.js';
import type { ImportSummary, RegisterFormat } from './types.js';

/** Columns a CSV format cannot do without. */
const REQUIRED_COLUMNS: Partial<Record<RegisterFormat, { separator: string; columns: string[] }>> = {
  'bnetza-csv': { separator: ';', columns: ['Breitengrad', 'Längengrad'] },
  'afdc-csv': { separator: ',', columns: ['Latitude', 'Longitude'] },
};

/**
 * Null when the run may stand; else why it failed. `maxShare` is the share of quarantined records
 * (of those not skipped on purpose) at or above which the run fails: 1 = only when all are.
 */
export function quarantineVerdict(
  format: RegisterFormat,
  text: string,
  summary: ImportSummary,
  maxShare: number,
  commonReason: string | null,
): string | null {
  const considered = summary.read - summary.skipped;
  if (considered <= 0 || summary.quarantined < maxShare * considered || summary.quarantined === 0)
    return null;
  const share = `${summary.quarantined} of ${considered} records quarantined`;
  const layout = layoutProblem(format, text);
  return `${share}: ${layout ?? commonReason ?? 'see the quarantine'}`;
}

/** What is wrong with a CSV file's header, if anything we can name. */
export function layoutProblem(format: RegisterFormat, text: string): string | null {
  const spec = REQUIRED_COLUMNS[format];
  if (!spec) return null;
  const firstLine = stripBom(text).split(/\r?\n/, 1)[0] ?? '';
  const fields = firstLine.split(spec.separator).map((f) => f.trim());
  if (fields.length <= 1) {
    const other = [';', ',', '\t', '|'].find((s) => s !== spec.separator && firstLine.includes(s));
    const shown = other === '\t' ? 'a tab' : `'${other}'`;
    return other
      ? `every line has one field when split at '${spec.separator}': is the separator ${shown}? (header: ${firstLine.slice(0, 120)})`
      : `the header has one field when split at '${spec.separator}' (header: ${firstLine.slice(0, 120)})`;
  }
  const missing = spec.columns.filter((c) => !fields.includes(c));
  if (missing.length === 0) return null;
  const found = fields.slice(0, 40).join(', ');
  return `no column named ${missing.join(' or ')}; columns found: ${found}`;
}
