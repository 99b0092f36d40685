// A name to show for a place whose source gives none (a whole national register has no names):
// its street address, then its city. Marked as derived wherever it is published, so nobody takes
// it for the operator's own name.

export interface NamedPlace {
  name: string | null;
  address: string | null;
  city: string | null;
}

export interface DisplayName {
  name: string | null;
  /** True when `name` was made from the address because the source has none. */
  derived: boolean;
}

export function displayName(p: NamedPlace): DisplayName {
  if (p.name != null && p.name.trim() !== '') return { name: p.name, derived: false };
  const parts = [p.address, p.city].map((s) => s?.trim() ?? '').filter((s) => s !== '');
  return parts.length === 0 ? { name: null, derived: false } : { name: parts.join(', '), derived: true };
}
