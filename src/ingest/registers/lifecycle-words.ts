// Registers state a station's life cycle in their own words: BNetzA "In Betrieb" / "Außer
// Betrieb" / "In Planung", AFDC's status codes, free text in a city's copy. One reading of them.
import type { Lifecycle } from '../../model/types.js';

// Order matters: "außer Betrieb" contains "betrieb", "nicht in Betrieb" contains "in betrieb".
const WORDS: [RegExp, Lifecycle][] = [
  [/removed|decommission|abgebaut|rückgebaut|stillgelegt|demonté|supprim|retired/i, 'removed'],
  [/planned|planung|geplant|in bau|im bau|under construction|en projet|en construction|futur/i, 'planned'],
  [
    /außer betrieb|ausser betrieb|nicht in betrieb|wartung|störung|defekt|not operational|out of (order|service)|temporar|hors service|indisponible/i,
    'out_of_service',
  ],
  [/in betrieb|operational|in service|available|en service|opérationnel|actif|active/i, 'operational'],
];

/** The life cycle a register's status text states, or null when it states none we know. */
export function lifecycleFromWords(value: string | null | undefined): Lifecycle | null {
  if (value == null) return null;
  const text = value.trim();
  if (text === '') return null;
  for (const [re, lifecycle] of WORDS) if (re.test(text)) return lifecycle;
  return null;
}

/** AFDC's Status Code: E available, P planned, T temporarily unavailable. */
export function lifecycleFromAfdcCode(code: string | null): Lifecycle | null {
  if (code === 'P') return 'planned';
  if (code === 'T') return 'out_of_service';
  if (code === 'E') return 'operational';
  return null;
}
