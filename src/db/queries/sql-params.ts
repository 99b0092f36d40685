// Parameters collected while a query is assembled from parts. Parts get numbered placeholders
// (?1, ?2, ...) so a part can be written once and reused, in any order; `bind` then rewrites them
// to plain positional `?` in text order, because better-sqlite3 binds `?NNN` only by name.
export class SqlParams {
  private readonly values: unknown[] = [];

  /** Binds a value and returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return `?${this.values.length}`;
  }

  /** The statement with positional placeholders and its parameters in text order. */
  bind(sql: string): { sql: string; params: unknown[] } {
    const params: unknown[] = [];
    const text = sql.replace(/\?(\d+)/g, (_, n: string) => {
      params.push(this.values[Number(n) - 1]);
      return '?';
    });
    return { sql: text, params };
  }
}
