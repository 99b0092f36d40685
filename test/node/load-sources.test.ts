import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSourcesFile } from '../../src/node/load-sources.js';
import { testDir } from '../helpers/test-dir.js';

describe('loading the sources file', () => {
  it('reads a register path relative to the sources file, and leaves URLs alone', () => {
    const dir = testDir('atlas-sources-');
    const file = join(dir, 'sources.json');
    writeFileSync(
      file,
      JSON.stringify([
        { id: 'koeln', name: 'Köln', type: 'bnetza-csv', url: 'registers/koeln.csv' },
        { id: 'irve', name: 'IRVE', type: 'irve', url: 'https://example.org/irve.json' },
      ]),
    );
    const [koeln, irve] = loadSourcesFile(file) as { url: string }[];
    expect(koeln!.url).toBe(join(dir, 'registers/koeln.csv'));
    expect(irve!.url).toBe('https://example.org/irve.json');
  });

  it('names the file and the field of a bad cron expression', () => {
    const dir = testDir('atlas-sources-');
    const file = join(dir, 'sources.json');
    writeFileSync(
      file,
      JSON.stringify([{ id: 'k', name: 'K', type: 'irve', url: 'x', schedule: 'every hour' }]),
    );
    expect(() => loadSourcesFile(file)).toThrowError(
      /sources\.json \(ATLAS_SOURCES\) is invalid: .*\[0\] \(id "k"\)\.schedule/,
    );
  });
});
