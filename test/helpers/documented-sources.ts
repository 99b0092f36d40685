// The sources-file examples in docs/registers.md, read from the page itself so that the documented
// configurations and the tested ones cannot drift apart.
import { readFileSync } from 'node:fs';
import { parseSourcesFile, type RegisterSourceConfig } from '../../src/ingest/sources-file.js';

/** The complete entries of type `mapped`, validated as at startup, by id. */
export function documentedMappedSources(): Map<string, RegisterSourceConfig> {
  const doc = readFileSync('docs/registers.md', 'utf8');
  const entries = [...doc.matchAll(/```json\n([\s\S]*?)\n```/g)]
    .map((m) => JSON.parse(m[1]!) as { type?: string })
    .filter((e) => e.type === 'mapped');
  const parsed = parseSourcesFile(JSON.stringify(entries), 'docs/registers.md');
  return new Map(parsed.map((s) => [s.id, s as RegisterSourceConfig]));
}
