// Which licences let the atlas republish a record: the one licence test, shared by the SQL
// publication rule (db/queries/publication.ts), dedupe's site documents and the importers.

/**
 * Licence values that say "do not republish" although they are not empty. A source without a
 * stated licence is never served either: the API and the dumps only carry what we may pass on.
 */
export const NOT_REPUBLISHABLE_LICENSES = [
  'proprietary',
  'none',
  'unknown',
  'all rights reserved',
  'n/a',
  '',
];

/**
 * Fragments of a licence name or URL that forbid what an open dump does: commercial reuse
 * (CC NonCommercial, "by-nc-sa/3.0") or derived works (CC NoDerivatives: a merged site is one).
 * Lower case, matched as substrings of the lower-cased licence.
 */
export const RESTRICTIVE_LICENSE_MARKS = [
  'noncommercial',
  'non-commercial',
  'non commercial',
  'by-nc',
  'by nc',
  '-nc-',
  'nc-sa',
  'nc-nd',
  'noderiv',
  'no deriv',
  'by-nd',
  'by nd',
  '-nd-',
];

export function licenseAllowsRepublishing(license: string | null | undefined): boolean {
  if (license == null) return false;
  const l = license.trim().toLowerCase();
  if (NOT_REPUBLISHABLE_LICENSES.includes(l)) return false;
  return !RESTRICTIVE_LICENSE_MARKS.some((mark) => l.includes(mark));
}
