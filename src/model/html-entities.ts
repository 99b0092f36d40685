// HTML entities in text fields ("Parking &quot;Centrum&quot;", "Total&amp;Energies", "&#252;")
// arrive in real OCPI names and register exports: decoded once here, in normalization, so they
// are stored, served and compared as the characters they stand for.
import { decodeHTMLStrict } from 'entities';

/** Decodes HTML entities (strict: only terminated ones, so "&paragraph" stays as written). */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  // Some feeds encode twice ("&amp;amp;"): decode until nothing changes, a few rounds at most.
  let out = text;
  for (let round = 0; round < 3; round++) {
    const next = decodeHTMLStrict(out);
    if (next === out) break;
    out = next;
  }
  return out;
}
