// IRVE gives one free-text address (adresse_station) and an INSEE commune code that is null in 32,985
// of 56,507 rows, so postal code, city and overseas territory are read out of those where possible.

const POSTAL_CODE = /(?<!\d)(\d{5})(?!\d)/g;
const CITY = "\\p{L}[\\p{L}'’ .-]*\\p{L}";
// "…, 77700 Bailly-romainvilliers" and the bracketed "[…][74350][Allonzier-la-Caille]".
const CITY_AFTER_CODE = new RegExp(`^\\]?\\s*[,-]?\\s*\\[?\\s*(${CITY})`, 'u');
// "…, Marguerittes  30320  France": only after a comma, else it is the street ("AVENUE DE LORRAINE 06400").
const CITY_BEFORE_CODE = new RegExp(`,\\s*(${CITY})\\s*,?\\s*$`, 'u');

/** The last five-digit group that stands alone: street numbers rarely have five digits, postal codes always. */
export function postalCodeFromAddress(address: string): { code: string; index: number } | null {
  let found: { code: string; index: number } | null = null;
  for (const m of address.matchAll(POSTAL_CODE)) found = { code: m[1]!, index: m.index };
  return found;
}

/**
 * The city next to the postal code: after it ("77700 Bailly-romainvilliers"), else before it
 * ("Marguerittes  30320  France"). Text after a comma ("Les Abymes 97142, Guadeloupe") is more often a
 * region or country, so there the city before the code wins when there is one.
 */
export function cityFromAddress(
  address: string,
  postal: { code: string; index: number } | null,
): string | null {
  if (!postal) return null;
  const rest = address.slice(postal.index + postal.code.length);
  const afterMatch = CITY_AFTER_CODE.exec(rest);
  const afterName = afterMatch?.[1]?.replace(/\s+france$/i, '').trim();
  const after = afterName && !isCountryName(afterName) ? afterName : null;
  const beforeMatch = CITY_BEFORE_CODE.exec(address.slice(0, postal.index));
  const before = beforeMatch && !isCountryName(beforeMatch[1]!) ? beforeMatch[1]!.trim() : null;
  const afterComma = afterMatch !== null && /^\s*,/.test(rest);
  return afterComma ? (before ?? after) : (after ?? before);
}

function isCountryName(s: string): boolean {
  return /^france$/i.test(s.trim());
}

/**
 * ISO alpha-2 of the site's territory: overseas departments and collectivities have their own ISO
 * codes. The INSEE code decides when present (977/978 are Saint-Barthélemy/Saint-Martin), else the
 * postal code, whose 971 range also covers those two (97133, 97150).
 */
export function frenchTerritory(inseeCode: string | null, postalCode: string | null): string {
  const insee = inseeCode?.trim() ?? '';
  if (/^9[78]\d{3}$/.test(insee)) return TERRITORY_BY_PREFIX[insee.slice(0, 3)] ?? 'FR';
  if (postalCode === '97133') return 'BL';
  if (postalCode === '97150') return 'MF';
  return (postalCode && TERRITORY_BY_PREFIX[postalCode.slice(0, 3)]) ?? 'FR';
}

const TERRITORY_BY_PREFIX: Readonly<Record<string, string>> = {
  '971': 'GP',
  '972': 'MQ',
  '973': 'GF',
  '974': 'RE',
  '975': 'PM',
  '976': 'YT',
  '977': 'BL',
  '978': 'MF',
  '986': 'WF',
  '987': 'PF',
  '988': 'NC',
};
