// What a JSON.parse failure says of a settings file (sources, dedupe overrides) without quoting it.
/**
 * Where JSON.parse stopped, in words that quote none of the file: V8 quotes up to ten characters
 * around an unexpected one (`Unexpected token 'S', ..."token":SECRET-TOK"... is not valid JSON`),
 * which for an unquoted token is the token, printed to a terminal or a log. Its other messages name
 * the syntax expected and a position, which is kept as a line and column.
 */
export function jsonSyntaxProblem(err: unknown, text: string): string {
  const message = (err as Error).message;
  const at = /(?: in JSON)? at position (\d+)/.exec(message);
  if (!at) {
    if (message.startsWith('Unexpected end')) return 'it ends too early';
    return 'an unexpected character, such as a value without its quotes (not shown: it may be a token)';
  }
  const before = text.slice(0, Number(at[1])).split('\n');
  return `${message.slice(0, at.index)} at line ${before.length}, column ${before.at(-1)!.length + 1}`;
}
