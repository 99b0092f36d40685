// The sources list on Workers: the sources file's JSON from the ATLAS_SOURCES_JSON binding, with
// each OCPI source's token and push token optionally taken from its own secrets ATLAS_TOKEN_<ID>
// and ATLAS_PUSH_TOKEN_<ID> (id upper-cased, other characters as "_"). Worker variables and
// secrets hold at most 5 KB each, so a long list can live in a plain variable with placeholder
// tokens and the tokens in per-source secrets.

import { parseSourcesFile, type SourceConfig } from '../ingest/sources-file.js';
import type { WorkerBindings } from './env.js';

export function tokenBindingName(sourceId: string, kind: 'TOKEN' | 'PUSH_TOKEN' = 'TOKEN'): string {
  return `ATLAS_${kind}_${sourceId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export function workerSources(env: WorkerBindings): SourceConfig[] {
  const text = env.ATLAS_SOURCES_JSON;
  if (typeof text !== 'string' || text.trim() === '') return [];
  const sources = parseSourcesFile(text, 'ATLAS_SOURCES_JSON', 'the ATLAS_SOURCES_JSON binding');
  // parseSourcesFile has checked the cron expressions, as on Node.
  return sources.map((s) => {
    if (s.type !== 'ocpi') return s;
    const secret = (kind: 'TOKEN' | 'PUSH_TOKEN') => {
      const value = (env as unknown as Record<string, unknown>)[tokenBindingName(s.id, kind)];
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    return { ...s, token: secret('TOKEN') ?? s.token, push_token: secret('PUSH_TOKEN') ?? s.push_token };
  });
}
