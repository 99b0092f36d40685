// Other names a register states for a record's operator, as `operator-alias` references for dedupe:
// the BNetzA API's display name next to the company name ("SWD AG" / "Stadtwerke Düsseldorf AG"),
// the parts of an Open Charge Map operator title ("Innogy SE (RWE eMobility)", "SWB / EWE",
// "EasyGO (aka Carcharger.ie)"). A part that only says where (a country, "(UK)") or that the
// network is gone is not a name.
import { ALPHA2_CODES } from '../../model/countries.js';
import type { ExternalRef } from './types.js';

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const COUNTRY_NAMES = new Set(
  ALPHA2_CODES.map((code) => regionNames.of(code)?.toLowerCase()).filter((n): n is string => !!n),
);
COUNTRY_NAMES.add('uk');

/** The other names, each an `operator-alias` reference; none equal to the operator's name. */
export function operatorAliasRefs(
  operatorName: string | null,
  names: readonly (string | null)[],
): ExternalRef[] {
  if (!operatorName) return [];
  const own = operatorName.trim().toLowerCase();
  const seen = new Set<string>([own]);
  const refs: ExternalRef[] = [];
  for (const name of names) {
    const value = name?.trim();
    if (!value || seen.has(value.toLowerCase()) || !isName(value)) continue;
    seen.add(value.toLowerCase());
    refs.push({ kind: 'operator-alias', value });
  }
  return refs;
}

/** "A (B)", "A / B", "A (aka B)" -> ["A", "B"]; a title without such parts -> []. */
export function titleParts(title: string): string[] {
  const parts: string[] = [];
  const outer = title.replace(/\(([^()]*)\)/g, (_, inner: string) => {
    parts.push(inner.replace(/^\s*aka\s+/i, ''));
    return ' / ';
  });
  const split = [...outer.split('/'), ...parts].map(withoutRegion).filter(Boolean);
  return split.length > 1 ? split : [];
}

/** "Fortum - NO" -> "Fortum": a dash-separated piece that only names a region is dropped. */
function withoutRegion(part: string): string {
  const pieces = part
    .replace(/\s+/g, ' ')
    .trim()
    .split(/\s+-\s+/);
  const kept = pieces.length > 1 ? pieces.filter(isName) : pieces;
  return kept.join(' - ');
}

function isName(part: string): boolean {
  const lower = part.toLowerCase();
  // A region marker: "(D)", "(NL)", "(lk)", "(Italy)".
  if (part.length <= 3 || COUNTRY_NAMES.has(lower)) return false;
  return !/no longer|inactive|defunct/i.test(part);
}
