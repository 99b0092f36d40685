// CQL2 LIKE decided on a feature's text: `%` any run, `_` one character (a code point, as SQLite's
// LIKE counts them: without the `u` flag, one UTF-16 half of an emoji), `\` the next character
// itself (the parser has checked that it escapes %, _ or \).
//
// Not one regular expression for the whole pattern: each `%` as `.*` backtracks, and the tries
// multiply with every `%`: `'%_%_%_%_%_%_%_%_%_%_x'` against a 34-character address took 4 s (one
// `%_` more, three times that), for every feature the filter is decided on, so one request could
// hold a page worker for hours. The runs between two `%`s have fixed lengths, so each is matched at
// its leftmost place after the one before it (a later place only leaves less text for the rest):
// at most text length x pattern length steps.

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The test of a LIKE pattern (escapes checked by the parser); `caseInsensitive` for ILIKE. */
export function likeMatcher(pattern: string, caseInsensitive = false): (text: string) => boolean {
  // The pattern's runs between `%`s, each a regular expression of single characters.
  const runs: string[] = [''];
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '%') runs.push('');
    else runs[runs.length - 1] += ch === '_' ? '.' : escapeRegex(ch === '\\' ? chars[++i]! : ch);
  }
  const flags = caseInsensitive ? 'sui' : 'su';
  if (runs.length === 1) {
    const whole = new RegExp(`^${runs[0]}$`, flags);
    return (text) => whole.test(text);
  }
  const head = new RegExp(`^${runs[0]}`, flags);
  const middle = runs
    .slice(1, -1)
    .filter((run) => run !== '')
    .map((run) => new RegExp(run, `g${flags}`));
  // Of fixed length, so the one place it can end the text at.
  const tail = new RegExp(`${runs[runs.length - 1]}$`, flags);
  return (text) => {
    const first = head.exec(text);
    if (!first) return false;
    let at = first[0].length;
    for (const run of middle) {
      run.lastIndex = at;
      const found = run.exec(text);
      if (!found) return false;
      at = found.index + found[0].length;
    }
    const last = tail.exec(text);
    return last !== null && last.index >= at;
  };
}
