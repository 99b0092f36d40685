// A wrong mapping fails early and names the field: its shape at startup (the sources file is
// rejected), a column or path the file lacks at the first read (the run fails before writing).
// A right one imports through a real sync: count columns, plug lists, the file's encoding.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openSqlite } from '../../../src/db/sqlite.js';
import { upsertSources } from '../../../src/ingest/source-state.js';
import { parseSourcesFile, type RegisterSourceConfig } from '../../../src/ingest/sources-file.js';
import { syncRegisterSource } from '../../../src/ingest/sync-register.js';
import { silentLogger } from '../../../src/log.js';
import { readText } from '../../../src/node/read-text.js';
import { testDir } from '../../helpers/test-dir.js';

const MAPPING = {
  format: { type: 'csv', separator: ';' },
  decimal_mark: ',',
  country_code: 'DE',
  party_id: 'XYZ',
  fields: { id: 'Nr', latitude: 'Breitengrad', longitude: 'Längengrad', name: 'Name' },
  evses: { count: 'Ladepunkte', connectors: { standard: { from: 'Stecker', split: '/' } } },
};

function entry(mapping: unknown, extra: Record<string, unknown> = {}) {
  return { id: 'stadt', name: 'Stadt', type: 'mapped', url: 'x.csv', mapping, ...extra };
}

function startupError(json: unknown): string {
  try {
    parseSourcesFile(JSON.stringify({ sources: json }), 'sources.json');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the sources file was accepted');
}

const withField = (path: string[], value: unknown) => {
  const copy = structuredClone(MAPPING) as Record<string, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  if (value === undefined) delete at[path.at(-1)!];
  else at[path.at(-1)!] = value;
  return copy;
};

describe('a wrong mapping at startup', () => {
  it('accepts the right one', () => {
    const [source] = parseSourcesFile(JSON.stringify([entry(MAPPING)]), 'sources.json');
    expect(source).toMatchObject({
      type: 'mapped',
      mapping: { fields: { latitude: { from: 'Breitengrad' } } },
    });
  });

  it.each([
    [['fields', 'latitude'], undefined, 'mapping.fields.latitude: give "latitude" and "longitude"'],
    [['fields', 'name'], { colum: 'Name' }, 'mapping.fields.name: Unrecognized key: "colum"'],
    [
      ['evses', 'connectors', 'max_power'],
      { from: 'P', unit: 'kWh' },
      'mapping.evses.connectors.max_power.unit',
    ],
    [
      ['fields', 'last_updated'],
      { from: 'Datum', date_format: 'tt.mm.jj' },
      'mapping.fields.last_updated.date_format: a date layout',
    ],
    [
      ['fields', 'city'],
      { from: 'Ort', pattern: '(' },
      'mapping.fields.city.pattern: not a valid regular expression',
    ],
    [['format', 'separator'], ';;', 'mapping.format.separator'],
    [['party_id'], 'TOOLONG', 'mapping.party_id: a three-character party id'],
    [['evses', 'each'], 'laadpunten', 'mapping.evses.each: nested arrays are read from JSON, not CSV'],
  ])('%j = %j is named', (path, value, message) => {
    const text = startupError([
      { id: 'ok', name: 'CPO', versions_url: 'https://x.example/v', token: 't' },
      entry(withField(path, value)),
    ]);
    expect(text).toContain(`sources[1] (id "stadt").${message}`);
  });

  it('a mapped source needs a mapping, and only a mapped source has one', () => {
    expect(startupError([entry(undefined)])).toContain(
      '[0] (id "stadt").mapping: a mapped register needs a mapping',
    );
    expect(startupError([entry(MAPPING, { type: 'bnetza-csv' })])).toContain(
      'only a mapped register has a mapping',
    );
  });
});

/** Syncs `text` as a register with `mapping` into a database of its own (gone after the test). */
async function syncText(text: string | Buffer, mapping: unknown = MAPPING) {
  const dir = testDir('atlas-mapped-');
  const file = join(dir, 'register.csv');
  writeFileSync(file, text);
  const db = openSqlite(join(dir, 'atlas.db'));
  onTestFinished(() => db.close());
  const [parsed] = parseSourcesFile(
    JSON.stringify([entry(mapping, { url: file, license: 'CC0-1.0' })]),
    's.json',
  );
  const source = parsed as RegisterSourceConfig;
  await upsertSources(db, [source], new Date().toISOString());
  const result = await syncRegisterSource(source, {
    db,
    clock: () => new Date(),
    log: silentLogger,
    readText,
  });
  const stored = await db.get<{ n: number }>('SELECT count(*) AS n FROM locations');
  return { result, stored: stored?.n, db };
}

describe('a wrong mapping at first read', () => {
  const ROWS = 'Nr;Name;Breitengrad;Längengrad;Ladepunkte;Stecker\n1;Markt;50,93;6,95;2;Typ 2/Schuko\n';

  it('imports the file the mapping fits, a count column expanding to EVSEs, a plug list split', async () => {
    const { result, stored, db } = await syncText(ROWS);
    expect(result.status).toBe('ok');
    expect(stored).toBe(1);
    const evses = await db.all<{ uid: string }>('SELECT uid FROM evses ORDER BY uid');
    expect(evses.map((e) => e.uid)).toEqual(['1-1', '1-2']);
    const connectors = await db.get<{ n: number }>('SELECT count(*) AS n FROM connectors');
    expect(connectors?.n).toBe(4);
  });

  it('reads the file in the encoding the mapping names', async () => {
    const latin1 = Buffer.from(ROWS.replace('Markt', 'Südmarkt Köln'), 'latin1');
    const mapping = { ...MAPPING, format: { ...MAPPING.format, encoding: 'windows-1252' } };
    const { result, db } = await syncText(latin1, mapping);
    expect(result.status).toBe('ok');
    const row = await db.get<{ name: string }>('SELECT name FROM locations');
    expect(row?.name).toBe('Südmarkt Köln');
  });

  it('fails the run naming the field and the columns found, and writes nothing', async () => {
    const { result, stored } = await syncText(ROWS.replace('Breitengrad', 'Latitude'));
    expect(result.status).toBe('failed');
    expect(result.error).toContain(
      'mapping.fields.latitude: column "Breitengrad" not found; columns found: Nr, Name, Latitude, Längengrad',
    );
    expect(stored).toBe(0);
  });

  it('names the separator when the header reads as one column', async () => {
    const { result } = await syncText(ROWS.replaceAll(';', ','));
    expect(result.status).toBe('failed');
    expect(result.error).toContain("is the separator ','?");
  });

  it('names a JSON path no record has, with the keys the records have', async () => {
    const json = { data: [{ nr: '1', lat: '50,9', lon: '6,9' }] };
    const mapping = {
      ...MAPPING,
      format: { type: 'json', records: 'data' },
      fields: { id: 'nr', latitude: 'lat', longitude: 'lng' },
      evses: {},
    };
    const { result } = await syncText(JSON.stringify(json), mapping);
    expect(result.status).toBe('failed');
    expect(result.error).toContain(
      'mapping.fields.longitude: path "lng" not found; keys found in the 1 records: nr, lat, lon',
    );
    const wrongPath = await syncText(JSON.stringify(json), {
      ...mapping,
      format: { type: 'json', records: 'items' },
    });
    expect(wrongPath.result.error).toContain(
      'mapping.format.records: "items" is not an array of records; the document has: data',
    );
  });
});
