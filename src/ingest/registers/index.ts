// Open registers (OCM, BNetzA, IRVE, AFDC, any other by mapping) -> canonical Locations. Pure: text in, records out; reading
// files (and .gz) is the host's (src/node/read-text.ts), so this module stays free of I/O (it runs on Workers too).
import { parseAfdcCsv } from './afdc-csv.js';
import { parseBnetzaCsv } from './bnetza-csv.js';
import { parseBnetzaJson } from './bnetza-json.js';
import { parseIrve } from './irve.js';
import { parseMapped } from './mapped/parse-mapped.js';
import { parseOcm } from './ocm.js';
import type {
  ImportSummary,
  ParsedRecord,
  RegisterFormat,
  RegisterParseOptions,
  RegisterRecords,
} from './types.js';

export { type RegisterMapping, registerMapping } from './mapped/config.js';
export { MappingError } from './mapped/read-rows.js';
export { ocmOperatorsFromReference, ocmProviderLicensesFromReference } from './ocm.js';
export type {
  ExternalRef,
  ImportedRecord,
  ImportSummary,
  RegisterFormat,
  RegisterParseOptions,
  RegisterRecords,
} from './types.js';
export { REGISTER_FORMATS } from './types.js';

const PARSERS: Record<
  RegisterFormat,
  (text: string, options: RegisterParseOptions) => Iterable<ParsedRecord>
> = {
  ocm: parseOcm,
  'bnetza-csv': parseBnetzaCsv,
  'bnetza-json': parseBnetzaJson,
  irve: parseIrve,
  'afdc-csv': parseAfdcCsv,
  mapped: parseMapped,
};

/**
 * The records of one register file, lazily. `summary` counts as records are iterated and is complete
 * after a full iteration: read = imported + quarantined + skipped, where a record is what the format
 * lists (a POI, a CSV row, a BNetzA station, an IRVE station with its PDC rows, an unparseable line).
 */
export function parseRegister(
  format: RegisterFormat,
  text: string,
  options: RegisterParseOptions = {},
): RegisterRecords {
  const summary: ImportSummary = { read: 0, imported: 0, quarantined: 0, skipped: 0 };
  const parse = PARSERS[format];
  return {
    summary,
    *[Symbol.iterator]() {
      Object.assign(summary, { read: 0, imported: 0, quarantined: 0, skipped: 0 });
      for (const record of parse(text, options)) {
        summary.read++;
        if (record.ok === 'skipped') summary.skipped++;
        else {
          if (record.ok) summary.imported++;
          else summary.quarantined++;
          yield record;
        }
      }
    },
  };
}
