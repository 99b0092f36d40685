// Street and house number out of a free-text address line, enough to tell "the same address" from
// "the same street, another building" from "another street". Registers and CPOs write the same
// street as "Geisingerstraße", "Geisinger Straße", "Wilhelm-Nalgel-Straße" (sic) or "Bahnhofstr.".
import { foldText, jaroWinkler } from './text-similarity.js';

export interface ParsedAddress {
  /** Street name folded, street-type words shortened, spaces removed: "geisingerstr". */
  street: string;
  /** House numbers as written, folded: ["15"], ["27 1"], ["28", "30"]. */
  numbers: string[];
}

/** Street-type words in their short form. */
const STREET_WORDS = new Map<string, string>([
  ['avenue', 'av'],
  ['ave', 'av'],
  ['boulevard', 'bd'],
  ['blvd', 'bd'],
  ['route', 'rte'],
  ['chemin', 'ch'],
  ['place', 'pl'],
  ['platz', 'pl'],
  ['street', 'st'],
  ['road', 'rd'],
  ['rd', 'rd'],
  ['wg', 'weg'],
  ['gasse', 'g'],
]);

/** Straße, Strasse, Strase, Str. and the "Enzstrasße" kind of typo (folded to "strassse"), also as a compound ending. */
const STRASSE = /str(a[sz]*e?)?$/;

/** French/Dutch/English fillers that carry no identity inside a street name. */
const STREET_FILLER = new Set([
  'de',
  'du',
  'des',
  'la',
  'le',
  'les',
  'l',
  'd',
  'van',
  'der',
  'den',
  'het',
  'the',
  'of',
]);

/** A postal code or a kilometre post is not a house number; this keeps 1-4 digits with an optional letter. */
const HOUSE_NUMBER = /^\d{1,4}[a-z]?$/;

/** A site name without the 2-3 letter upper-case town code some operators put first ("LB", "KOR"). */
export function stripTownCode(name: string | null): string | null {
  return name ? name.trim().replace(/^[A-ZÄÖÜ]{2,3}\s+/, '') : null;
}

/**
 * The address a site name often contains: "LB Danziger Straße 40", "LUD Mathildenstraße 27 (3)".
 * A leading 2-3 letter upper-case town code (LB, KW, LUD) is dropped; names without a house number
 * say nothing about the address and give null.
 */
export function addressInName(name: string | null): ParsedAddress | null {
  const parsed = parseAddress(stripTownCode(name), null);
  return parsed && parsed.numbers.length > 0 && parsed.street.length >= 3 ? parsed : null;
}

export function parseAddress(address: string | null, postalCode: string | null): ParsedAddress | null {
  if (!address) return null;
  // Only the part before the first comma is the street line ("3 avenue X, 77700 Bailly").
  const line = address.split(',')[0] ?? address;
  const postal = postalCode ? foldText(postalCode).replace(/ /g, '') : null;
  const streetTokens: string[] = [];
  const numbers: string[] = [];
  for (const raw of foldText(line).split(' ')) {
    if (raw.length === 0) continue;
    if (/^\d/.test(raw)) {
      if (raw !== postal && HOUSE_NUMBER.test(raw) && raw !== '0') numbers.push(raw);
      continue;
    }
    if (STREET_FILLER.has(raw)) continue;
    streetTokens.push(shortenStreetWord(raw));
  }
  const street = streetTokens.join('');
  if (street.length === 0 && numbers.length === 0) return null;
  return { street, numbers };
}

function shortenStreetWord(token: string): string {
  const short = STREET_WORDS.get(token);
  if (short !== undefined) return short;
  return token.includes('str') ? token.replace(STRASSE, 'str') : token;
}

/**
 * How two addresses relate: 'same' (street and a house number agree), 'street' (street agrees, a
 * number is missing on one side), 'near' (street agrees, numbers differ by at most 2: the next
 * building, often the other entrance of one car park), 'other-number', 'other-street', or null
 * when either side has no street.
 *
 * 'unlike-text': the "streets" differ but neither side has a house number, so at least one is
 * probably not a street at all (a motorway kilometre, a car park's description): weak evidence.
 */
export type AddressAgreement = 'same' | 'street' | 'near' | 'unlike-text' | 'other-number' | 'other-street';

export function compareAddresses(
  a: ParsedAddress | null,
  b: ParsedAddress | null,
  streetsMatch: (a: string, b: string) => boolean = sameStreet,
): AddressAgreement | null {
  if (!a || !b || a.street.length < 3 || b.street.length < 3) return null;
  if (!streetsMatch(a.street, b.street))
    return a.numbers.length === 0 && b.numbers.length === 0 ? 'unlike-text' : 'other-street';
  if (a.numbers.length === 0 || b.numbers.length === 0) return 'street';
  const na = a.numbers.map(leadingNumber);
  const nb = b.numbers.map(leadingNumber);
  if (a.numbers[0] === b.numbers[0] || na[0] === nb[0]) return 'same';
  if (inRange(na, nb[0]!) || inRange(nb, na[0]!)) return 'same';
  if (Math.abs(na[0]! - nb[0]!) <= 2) return 'near';
  return 'other-number';
}

const AGREEMENT_ORDER: readonly AddressAgreement[] = [
  'same',
  'near',
  'street',
  'unlike-text',
  'other-number',
  'other-street',
];

/** The best agreement among the ways two records state their address (address line, site name). */
export function bestAgreement(
  pairs: [ParsedAddress | null, ParsedAddress | null][],
  streetsMatch: (a: string, b: string) => boolean = sameStreet,
): AddressAgreement | null {
  let best: AddressAgreement | null = null;
  for (const [a, b] of pairs) {
    const agreement = compareAddresses(a, b, streetsMatch);
    if (agreement && (best === null || AGREEMENT_ORDER.indexOf(agreement) < AGREEMENT_ORDER.indexOf(best)))
      best = agreement;
  }
  return best;
}

export function sameStreet(a: string, b: string): boolean {
  if (a === b) return true;
  // One street written with a leading word the other leaves out ("Am Remsufer" / "Remsufer").
  if (a.length >= 6 && b.length >= 6 && (a.endsWith(b) || b.endsWith(a))) return true;
  return jaroWinkler(a, b) >= 0.93;
}

function leadingNumber(n: string): number {
  return Number.parseInt(n, 10);
}

/** "28-30" is written as two numbers; a number inside such a range is the same building. */
function inRange(range: number[], n: number): boolean {
  return (
    range.length === 2 &&
    range[0]! < range[1]! &&
    range[1]! - range[0]! <= 10 &&
    n >= range[0]! &&
    n <= range[1]!
  );
}
