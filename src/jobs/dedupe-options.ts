// Dedupe options from the sources file: kinds, granularity and OCM provider links per source.

import type { DedupeOptions, Overrides } from '../dedupe/types.js';
import type { SourceConfig } from '../ingest/sources-file.js';

export function dedupeOptionsFor(sources: SourceConfig[], overrides?: Overrides): DedupeOptions {
  const options: DedupeOptions = { sourceKinds: {}, granularity: {}, refProviders: {} };
  for (const s of sources) {
    if (s.kind) options.sourceKinds![s.id] = s.kind;
    if (s.granularity) options.granularity![s.id] = s.granularity;
    if ('ocm_providers' in s && s.ocm_providers) Object.assign(options.refProviders!, s.ocm_providers);
  }
  if (overrides) options.overrides = overrides;
  return options;
}
