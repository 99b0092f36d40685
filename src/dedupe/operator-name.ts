// Operator names as sources spell them: "SWLB Mobilität GmbH" (chargecloud), "Stadtwerke
// Ludwigsburg-Kornwestheim GmbH" (BNetzA) and "Stadtwerke Ludwigsburg-Kornwestheim GmbH öffentlich"
// (chargeIT) are one company. Legal forms and filler words are dropped, "Stadtwerke" spellings are
// unified, and a short all-letters token may stand for the initials of the other name's words.
import { foldText, tokenOverlap } from './text-similarity.js';

/** Legal-form words (after folding; multi-word forms appear as their single tokens). */
const LEGAL_FORMS = new Set([
  'gmbh',
  'mbh',
  'ag',
  'kg',
  'ohg',
  'ug',
  'ev',
  'eg',
  'kgaa',
  'se',
  'co',
  'cie',
  'sa',
  'sas',
  'sasu',
  'sarl',
  'eurl',
  'sca',
  'scop',
  'sem',
  'spl',
  'bv',
  'nv',
  'vof',
  'cv',
  'ltd',
  'limited',
  'plc',
  'llp',
  'llc',
  'inc',
  'corp',
  'corporation',
  'company',
  'lp',
  'uab',
  'ab',
  'oy',
  'oyj',
  'as',
  'asa',
  'aps',
  'a',
  's',
  'sia',
  'spa',
  'srl',
  'sl',
  'slu',
  'sp',
  'z',
  'o',
  'oo',
  'sro',
  'kft',
  'zrt',
  'doo',
  'ad',
  'ooo',
  'pao',
  'zao',
]);

/** Words that describe a business unit or a channel, not who the operator is. */
const FILLER = new Set([
  'und',
  'and',
  'et',
  'the',
  'de',
  'der',
  'die',
  'das',
  'van',
  'von',
  'of',
  'la',
  'le',
  'les',
  'du',
  'des',
  'offentlich',
  'public',
  'publiek',
  'mobilitat',
  'mobility',
  'emobility',
  'e',
  'elektromobilitat',
  'charging',
  'charge',
  'laden',
  'ladeinfrastruktur',
  'energie',
  'energy',
  'services',
  'service',
  'solutions',
  'group',
  'gruppe',
  'holding',
  'network',
  'netzwerk',
  'by',
  'ev',
  'station',
  'stations',
]);

/** Spellings of "municipal utility" that name the same kind of company. */
const STADTWERKE = /^(stadtwerke?|stw|sw|stadtw)$/;

/** German compound parts a company acronym takes letters from ("SWLB" = Stadt-Werke Ludwigs-Burg). */
const COMPOUND_PARTS = [
  'stadt',
  'werke',
  'werk',
  'burg',
  'berg',
  'heim',
  'hausen',
  'dorf',
  'feld',
  'bach',
  'furt',
  'hafen',
  'kirchen',
  'wald',
  'stein',
  'brunn',
  'ingen',
  'west',
  'ost',
  'nord',
  'sud',
  'netz',
  'land',
  'kreis',
];

export interface OperatorName {
  /** Significant tokens, e.g. ["stadtwerke", "ludwigsburg", "kornwestheim"]. */
  tokens: string[];
  /** The tokens joined: equal keys, equal names. */
  key: string;
  /** Initials of the compound parts of every significant word, e.g. "swlbkwh". */
  initials: string;
}

export function parseOperatorName(name: string | null): OperatorName | null {
  if (!name) return null;
  const tokens: string[] = [];
  // Dots inside a word abbreviate ("E.ON", "B.V."): dropped, so the letters stay one token.
  for (const raw of foldText(name.replace(/\.(?=\S)/g, '')).split(' ')) {
    if (raw.length === 0 || LEGAL_FORMS.has(raw) || FILLER.has(raw)) continue;
    tokens.push(STADTWERKE.test(raw) ? 'stadtwerke' : raw);
  }
  if (tokens.length === 0) return null;
  const initials = tokens
    .flatMap(compoundParts)
    .map((p) => p[0])
    .join('');
  return { tokens, key: tokens.join(' '), initials };
}

function compoundParts(token: string): string[] {
  for (const part of COMPOUND_PARTS) {
    if (token.length > part.length + 2 && token.endsWith(part)) {
      return [...compoundParts(token.slice(0, -part.length)), part];
    }
    if (token.length > part.length + 2 && token.startsWith(part)) {
      return [part, ...compoundParts(token.slice(part.length))];
    }
  }
  return [token];
}

/** True when `acronym` is the initials of the other name's compound parts, in order, from the first. */
function isAcronymOf(acronym: string, other: OperatorName): boolean {
  if (acronym.length < 2 || acronym.length > 6 || !/^[a-z]+$/.test(acronym)) return false;
  const initials = other.initials;
  if (initials[0] !== acronym[0]) return false;
  let k = 0;
  for (let i = 0; i < initials.length && k < acronym.length; i++) {
    if (initials[i] === acronym[k]) k++;
  }
  return k === acronym.length;
}

/** Similarity of two operator names in [0, 1]; null when either is unknown. */
export function operatorSimilarity(a: OperatorName | null, b: OperatorName | null): number | null {
  if (!a || !b) return null;
  const overlap = tokenOverlap(a.tokens, b.tokens);
  if (overlap >= 1) return 1;
  const acronym =
    (a.tokens.length === 1 && isAcronymOf(a.tokens[0]!, b)) ||
    (b.tokens.length === 1 && isAcronymOf(b.tokens[0]!, a));
  // Joined spellings: "E-Flux" / "Eflux", "Allego" / "Allego B.V." are caught by the overlap above.
  const joined = a.tokens.join('') === b.tokens.join('');
  return Math.max(overlap, acronym ? 0.9 : 0, joined ? 1 : 0);
}
