// Helpers on a register's whole text, shared by the JSON and NDJSON formats.

import { stripBom } from '../../model/byte-order-mark.js';

/** Non-blank lines with their 1-based numbers, without splitting the whole text at once (IRVE is 71 MB). */
export function* nonBlankLines(text: string): Generator<{ line: string; lineNo: number }> {
  const body = stripBom(text);
  let start = 0;
  let lineNo = 0;
  while (start < body.length) {
    const nl = body.indexOf('\n', start);
    const end = nl === -1 ? body.length : nl;
    lineNo++;
    const line = body.slice(start, end).trim();
    if (line.length > 0) yield { line, lineNo };
    start = end + 1;
  }
}

/** JSON.parse's message, for a quarantine reason. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
