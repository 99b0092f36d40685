// Reads ATLAS_SOURCES, or falls back to the demo source; parseSourcesFile checks every field (cron
// expressions included), so a bad file stops startup with a message naming the file and the field.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseOverrides } from '../dedupe/overrides.js';
import type { Overrides } from '../dedupe/types.js';
import { parseSourcesFile, type SourceConfig, SourcesFileError } from '../ingest/sources-file.js';

export function loadSourcesFile(file: string): SourceConfig[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SourcesFileError(`sources file ${file} cannot be read: ${(err as Error).message}`);
  }
  // A register's local path is read relative to the sources file, wherever the atlas is started.
  return parseSourcesFile(text, file).map((s) =>
    'url' in s && !/^https?:\/\//i.test(s.url) ? { ...s, url: resolve(dirname(file), s.url) } : s,
  );
}

/** The dedupe overrides file (ATLAS_DEDUPE_OVERRIDES); a bad file stops startup naming it. */
export function loadOverridesFile(file: string): Overrides {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SourcesFileError(`dedupe overrides file ${file} cannot be read: ${(err as Error).message}`);
  }
  return parseOverrides(text, file);
}
