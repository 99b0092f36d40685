// A settings file's JSON (sources, dedupe overrides, the Workers' ATLAS_SOURCES_JSON binding): one
// reading for all three, and what a failure says without quoting the text (it holds tokens).

import { stripBom } from './byte-order-mark.js';

/**
 * The parsed JSON, or why it is not JSON. A leading UTF-8 byte order mark is skipped: Windows
 * editors write one, it is not content, and the registers' files are read past it the same way.
 * Lines and columns are counted after it, as an editor shows them.
 */
export function parseSettingsJson(text: string): { json: unknown } | { problem: string } {
  // Bytes FF FE / FE FF (a UTF-16 byte order mark, Notepad's "Unicode") decode as two U+FFFD.
  if (text.startsWith('\ufffd\ufffd'))
    return { problem: 'it is not UTF-8 text (UTF-16, as "Unicode" in Notepad?): save it as UTF-8' };
  const body = stripBom(text);
  try {
    return { json: JSON.parse(body) };
  } catch (err) {
    return { problem: jsonSyntaxProblem(err, body) };
  }
}

/**
 * Where JSON.parse stopped, in words that quote none of the file: V8 quotes up to ten characters
 * around an unexpected one (`Unexpected token 'S', ..."token":SECRET-TOK"... is not valid JSON`),
 * which for an unquoted token is the token, printed to a terminal or a log. Its other messages name
 * the syntax expected and a position, which is kept as a line and column.
 */
function jsonSyntaxProblem(err: unknown, text: string): string {
  const message = (err as Error).message;
  const at = /(?: in JSON)? at position (\d+)/.exec(message);
  if (!at) {
    if (message.startsWith('Unexpected end')) return 'it ends too early';
    return 'an unexpected character, such as a value without its quotes (not shown: it may be a token)';
  }
  const before = text.slice(0, Number(at[1])).split('\n');
  return `${message.slice(0, at.index)} at line ${before.length}, column ${before.at(-1)!.length + 1}`;
}
