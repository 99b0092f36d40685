// Reads ATLAS_SOURCES, or falls back to the demo source; parseSourcesFile checks every field (cron
// expressions included), so a bad file stops startup with a message naming the file and the field.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseOverrides } from '../dedupe/overrides.js';
import type { Overrides } from '../dedupe/types.js';
import {
  parseSourcesFile,
  type SourceConfig,
  SourcesFileError,
  sourcesFileOrigin,
} from '../ingest/sources-file.js';

export function loadSourcesFile(file: string): SourceConfig[] {
  const text = readSettingsFile(sourcesFileOrigin(file), file);
  // A register's local path is read relative to the sources file, wherever the atlas is started.
  return parseSourcesFile(text, file).map((s) =>
    'url' in s && !/^https?:\/\//i.test(s.url) ? { ...s, url: resolve(dirname(file), s.url) } : s,
  );
}

/** The dedupe overrides file (ATLAS_DEDUPE_OVERRIDES); a bad file stops startup naming it. */
export function loadOverridesFile(file: string): Overrides {
  const text = readSettingsFile(`dedupe overrides file ${file} (ATLAS_DEDUPE_OVERRIDES)`, file);
  return parseOverrides(text, file);
}

/** Why a settings file could not be read, by error code; Node's own message otherwise. */
const READ_PROBLEMS: Record<string, string> = {
  ENOENT: 'there is no such file',
  EISDIR: 'it is a folder, not a file',
  EACCES: 'it is not readable by this user',
  EPERM: 'it is not readable by this user',
  ENOTDIR: 'a part of its path is a file, not a folder',
};

function readSettingsFile(what: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const reason = READ_PROBLEMS[(err as NodeJS.ErrnoException).code ?? ''] ?? (err as Error).message;
    throw new SourcesFileError(`${what} cannot be read: ${reason}`);
  }
}
