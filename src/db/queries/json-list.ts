// `column IN (list)` with the list bound as one JSON parameter: D1 binds at most 100 parameters
// per statement, and a list of ids can be longer.
import { type Column, type SQL, sql } from 'drizzle-orm';

export function inJsonList(column: Column, values: readonly (string | number)[]): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
}

/** Ids per bound JSON list: keeps each bound document small whatever the caller hands in. */
export const ID_CHUNK = 2000;

export function chunked<T>(list: readonly T[], size: number = ID_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
