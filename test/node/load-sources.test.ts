import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOverridesFile, loadSourcesFile } from '../../src/node/load-sources.js';
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

  // Notepad's "UTF-8 with BOM" (and older Notepad's plain "UTF-8"): EF BB BF, then CRLF lines.
  const asWindowsWrites = (text: string) =>
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.replaceAll('\n', '\r\n'))]);

  it('reads a sources file and an overrides file that start with a UTF-8 byte order mark', () => {
    const dir = testDir('atlas-sources-');
    const sources = join(dir, 'sources.json');
    writeFileSync(
      sources,
      asWindowsWrites('[\n  { "id": "irve", "name": "IRVE", "type": "irve", "url": "x" }\n]\n'),
    );
    expect(loadSourcesFile(sources)).toMatchObject([{ id: 'irve', type: 'irve' }]);
    const overrides = join(dir, 'overrides.json');
    writeFileSync(overrides, asWindowsWrites('{\n  "always": [["a:1", "b:2"]]\n}\n'));
    expect(loadOverridesFile(overrides).always).toHaveLength(1);
  });

  it('counts the line and column of a syntax error after a byte order mark as an editor shows them', () => {
    const dir = testDir('atlas-sources-');
    const file = join(dir, 'sources.json');
    writeFileSync(file, asWindowsWrites('{ "id": "a" "name": "A" }'));
    expect(() => loadSourcesFile(file)).toThrowError(
      /is not valid JSON: Expected ',' or '}' after property value at line 1, column 13$/,
    );
  });

  it('says a UTF-16 file is not UTF-8, for the sources and the overrides file alike', () => {
    const dir = testDir('atlas-sources-');
    const file = join(dir, 'utf16.json');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('[]', 'utf16le')]));
    const notUtf8 = /is not valid JSON: it is not UTF-8 text \(UTF-16, .*\): save it as UTF-8$/;
    expect(() => loadSourcesFile(file)).toThrowError(notUtf8);
    expect(() => loadOverridesFile(file)).toThrowError(notUtf8);
  });
});
