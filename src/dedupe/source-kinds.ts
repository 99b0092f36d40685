// Which kind of source a record comes from decides which of its fields win and whether the source's
// own records may be grouped by place. The sources file has no field for it (yet), so the kind is
// derived from the source type unless the caller says otherwise.
import type { Granularity, SourceKind } from './types.js';

/** Precedence rank: lower wins. Records copied from another source rank just below their origin. */
export const KIND_RANK: Record<SourceKind, number> = { cpo: 0, nap: 1, register: 2, crowd: 3 };
export const DERIVED_PENALTY = 0.5;

export function defaultKind(sourceType: string): SourceKind {
  if (sourceType === 'ocpi') return 'cpo';
  if (sourceType === 'ocm') return 'crowd';
  return 'register';
}

export function kindOf(
  sourceId: string,
  sourceType: string,
  kinds: Record<string, SourceKind> | undefined,
): SourceKind {
  return kinds?.[sourceId] ?? defaultKind(sourceType);
}

/** OCPI feeds (CPO or access point) publish sites; registers and crowd maps list equipment or duplicates. */
export function granularityOf(
  sourceId: string,
  kind: SourceKind,
  overrides: Record<string, Granularity> | undefined,
): Granularity {
  return overrides?.[sourceId] ?? (kind === 'cpo' || kind === 'nap' ? 'site' : 'station');
}

/** Live status only comes from feeds that report it: a CPO's own feed or an access point. */
export function isLiveKind(kind: SourceKind): boolean {
  return kind === 'cpo' || kind === 'nap';
}
