// Numbered SQL parameters (?1, ?2, ...) collected while a query is assembled from parts, so a part
// can be written once and its placeholders reused (a union repeating one filter binds it once).
export class SqlParams {
  readonly values: unknown[] = [];

  /** Binds a value and returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return `?${this.values.length}`;
  }
}
