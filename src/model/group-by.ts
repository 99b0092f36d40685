// Groups items by one key or several keys each (an item listed once per group, whatever the
// order), keeping the items' order inside each group.

export function groupBy<T>(
  items: Iterable<T>,
  keysOf: (item: T) => string | readonly string[],
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const keys = keysOf(item);
    if (typeof keys === 'string') addTo(groups, keys, item);
    else for (const key of keys) addTo(groups, key, item);
  }
  return groups;
}

function addTo<T>(groups: Map<string, T[]>, key: string, item: T): void {
  const group = groups.get(key);
  if (!group) groups.set(key, [item]);
  // A key repeated in one item's list would otherwise list the item twice.
  else if (group[group.length - 1] !== item) group.push(item);
}
