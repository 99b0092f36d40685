// `column IN (list)` with the list bound as one JSON parameter: D1 binds at most 100 parameters
// per statement, and a list of ids can be longer.
import { type Column, type SQL, sql } from 'drizzle-orm';

export function inJsonList(column: Column, values: readonly (string | number)[]): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
}
