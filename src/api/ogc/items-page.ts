// One page of items in id order, forwards (next) or backwards (prev) from a cursor. The database
// reads the box in id order, narrowed by what it can apply of the filter (pushdown.ts); the filter
// itself is decided on the built features, so batches are read until the page (and one more match,
// which proves a next page) is full.
import type { Feature, Point } from 'geojson';
import type { Db } from '../../db/types.js';
import type { OgcCollection } from './collections.js';
import type { ItemCursor, ItemsQuery } from './items-query.js';

export interface ItemsPage {
  features: Feature<Point>[];
  next: ItemCursor | null;
  prev: ItemCursor | null;
  /** Every match of the query, when known without counting: the last page, reached by counted links. */
  matched?: number;
}

/** Rows read per round when a filter decides: large enough that a selective filter needs few rounds. */
const FILTER_BATCH = 2_000;

async function collect(db: Db, col: OgcCollection, q: ItemsQuery, dir: 'after' | 'before', from?: string) {
  const want = q.limit + 1;
  const batch = q.match ? Math.max(want, FILTER_BATCH) : want;
  const found: Feature<Point>[] = [];
  let cursor = from;
  for (;;) {
    const keys =
      dir === 'after'
        ? await col.after(db, q.box, cursor, batch, q.prefilter)
        : await col.before(db, q.box, cursor!, batch, q.prefilter);
    if (keys.length === 0) return found;
    for (const f of await col.features(db, keys)) {
      if (q.match && !q.match(f)) continue;
      found.push(f);
      if (found.length === want) return found;
    }
    if (keys.length < batch) return found;
    cursor = keys[keys.length - 1]!.id;
  }
}

export async function itemsPage(db: Db, col: OgcCollection, q: ItemsQuery): Promise<ItemsPage> {
  const dir = q.cursor?.dir ?? 'after';
  const found = await collect(db, col, q, dir, q.cursor?.k);
  const more = found.length > q.limit;
  const page = found.slice(0, q.limit);
  // Matches before this page: none on the first page (also one read backwards to the start), else
  // what the cursor counted, if it did.
  const upTo = q.cursor?.n;
  const before =
    !q.cursor || (dir === 'before' && !more)
      ? 0
      : upTo === undefined
        ? undefined
        : Math.max(0, dir === 'before' ? upTo - page.length : upTo);
  const counted = (c: ItemCursor): ItemCursor => (before === undefined ? { dir: c.dir, k: c.k } : c);
  if (dir === 'before') page.reverse();
  const first = page[0];
  const last = page[page.length - 1];
  const through = (before ?? 0) + page.length;
  if (dir === 'before') {
    return {
      features: page,
      prev: more && first ? counted({ dir: 'before', k: String(first.id), n: before }) : null,
      next: last ? counted({ dir: 'after', k: String(last.id), n: through }) : null,
    };
  }
  return {
    features: page,
    next: more && last ? counted({ dir: 'after', k: String(last.id), n: through }) : null,
    // A page reached through a cursor has matches before it.
    prev: q.cursor && first ? counted({ dir: 'before', k: String(first.id), n: before }) : null,
    ...(more || before === undefined ? {} : { matched: through }),
  };
}
