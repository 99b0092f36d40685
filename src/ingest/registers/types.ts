// The contract every open-register importer (OCM, BNetzA, IRVE, AFDC) fulfils: text in, canonical
// Locations out, each with the ids that link it to other sources, or a quarantine reason.
import type { BusinessDetails, Location, QuarantineReason } from '../../model/types.js';
import type { RegisterMapping } from './mapped/config.js';

export type RegisterFormat = 'ocm' | 'bnetza-csv' | 'bnetza-json' | 'irve' | 'afdc-csv' | 'mapped';

export const REGISTER_FORMATS: readonly RegisterFormat[] = [
  'ocm',
  'bnetza-csv',
  'bnetza-json',
  'irve',
  'afdc-csv',
  'mapped',
];

/** An id under which another source may know the same site or charge point (input for dedupe). */
export interface ExternalRef {
  /** `operator-alias`: another name the source states for the record's operator (a brand, a display name). */
  kind: 'ocpi-location' | 'evse-id' | 'register-id' | 'operator-alias';
  value: string;
  provider?: string;
}

export type ImportedRecord =
  | { ok: true; location: Location; externalRefs: ExternalRef[] }
  | { ok: false; recordId: string | null; reason: QuarantineReason; raw: unknown };

export interface ImportSummary {
  read: number;
  imported: number;
  quarantined: number;
  skipped: number;
}

/** The records of one register file; `summary` is complete once the records have been iterated. */
export interface RegisterRecords extends Iterable<ImportedRecord> {
  readonly summary: ImportSummary;
}

export interface RegisterParseOptions {
  /**
   * OCM compact POIs carry only an OperatorID. Operators listed here (e.g. from OCM's reference data,
   * see `ocmOperatorsFromReference`) get their name; without it compact POIs have no operator.
   */
  ocmOperators?: ReadonlyMap<number, BusinessDetails>;
  /** OCM data provider id -> licence (`ocmProviderLicensesFromReference`); else a built-in table. */
  ocmProviderLicenses?: ReadonlyMap<number, string>;
  /** The `mapped` format only: where each canonical field is in the file (the sources file's `mapping`). */
  mapping?: RegisterMapping;
}

/** A record a format leaves out on purpose (e.g. an AFDC LPG station): counted, not quarantined. */
export interface SkippedRecord {
  ok: 'skipped';
  recordId: string | null;
  why: string;
}

/** What a format parser yields; `parseRegister` counts the skipped ones and passes the rest on. */
export type ParsedRecord = ImportedRecord | SkippedRecord;
