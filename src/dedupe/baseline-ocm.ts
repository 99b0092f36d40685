// Open Charge Map's duplicate rule, reimplemented as the baseline the evaluation compares against.
// OCM's importer (openchargemap/ocm-system, Import/OCM.Import.Common/ImportManager.cs,
// DeDuplicateList + IsDuplicateLocation) sorts the batch by latitude, then longitude, and compares
// each item with the previous item only; the item is a duplicate of it when the two are within
// DUPLICATE_DISTANCE_METERS = 50 m, or have the same title and address. Only adjacent items are
// ever compared, so duplicates separated in latitude order by an unrelated point are missed, and
// any two sites within 50 m are merged whatever they are.
import { distanceM } from '../model/geo.js';
import type { SourceRecord } from './types.js';

export const OCM_DUPLICATE_DISTANCE_M = 50;

/** Clusters (sorted pk lists) that OCM's rule produces: each record joins its latitude-order predecessor's. */
export function ocmBaselineClusters(records: readonly SourceRecord[]): string[][] {
  const order = records
    .map((_, i) => i)
    .sort((x, y) => records[x]!.lat - records[y]!.lat || records[x]!.lon - records[y]!.lon);
  const clusters: string[][] = [];
  let current: string[] = [];
  let previous: SourceRecord | null = null;
  for (const i of order) {
    const r = records[i]!;
    if (previous !== null && isOcmDuplicate(r, previous)) current.push(r.pk);
    else {
      if (current.length > 0) clusters.push(current);
      current = [r.pk];
    }
    previous = r;
  }
  if (current.length > 0) clusters.push(current);
  return clusters.map((c) => c.sort());
}

function isOcmDuplicate(a: SourceRecord, b: SourceRecord): boolean {
  if (distanceM(a.lat, a.lon, b.lat, b.lon) < OCM_DUPLICATE_DISTANCE_M) return true;
  // Exact string equality, as OCM compares them; an empty title or address matches nothing.
  return a.name !== null && a.name === b.name && a.address !== null && a.address === b.address;
}
