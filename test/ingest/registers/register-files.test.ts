// Every real register file in ../shared/data imports completely: each record is imported, quarantined
// or skipped, and the counts are the ones measured (and explained) below.
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImportedRecord, ImportSummary, RegisterFormat } from '../../../src/ingest/registers/index.js';
import { readRegisterFile } from '../../helpers/read-register.js';
import { sharedData } from './shared-data.js';

interface CountRow extends ImportSummary {
  evses: number;
  warnings: number;
}

const counts: Record<string, CountRow> = {};

afterAll(() => {
  console.table(counts);
});

/** Non-empty lines, without splitting 71 MB into an array. */
function countLines(text: string): number {
  let count = 0;
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    if (stop > start) count++;
    start = stop + 1;
  }
  return count;
}

/** Imports a register file (path) or its text, records the counts for the table, checks they add up. */
async function importFile(label: string, format: RegisterFormat, fileOrText: string) {
  const records = await readRegisterFile(format, fileOrText);
  const list: ImportedRecord[] = [...records];
  const locations = list.flatMap((r) => (r.ok ? [r.location] : []));
  counts[label] = {
    ...records.summary,
    evses: locations.reduce((n, l) => n + l.evses.length, 0),
    warnings: locations.reduce((n, l) => n + l.warnings.length, 0),
  };
  const { read, imported, quarantined, skipped } = records.summary;
  expect(imported + quarantined + skipped).toBe(read);
  return { list, locations, summary: records.summary, row: counts[label]! };
}

describe('open register files in ../shared/data', () => {
  it('imports the 9 Lithuanian OCM POIs, linking the 6 LAKD imports to their OCPI location ids', async () => {
    const dir = sharedData('lt-ocm-export-sample');
    const files = readdirSync(dir).filter((f) => /^OCM-\d+\.json$/.test(f));
    expect(files).toHaveLength(9);
    const total: CountRow = { read: 0, imported: 0, quarantined: 0, skipped: 0, evses: 0, warnings: 0 };
    const refs: string[] = [];
    for (const file of files) {
      const { list, row } = await importFile(`ocm ${file}`, 'ocm', `${dir}/${file}`);
      for (const key of Object.keys(total) as (keyof CountRow)[]) total[key] += row[key];
      delete counts[`ocm ${file}`];
      for (const r of list)
        if (r.ok) refs.push(...r.externalRefs.map((e) => `${e.kind}:${e.provider}:${e.value}`));
    }
    counts['lt-ocm-export-sample (9 files)'] = total;
    // 17 EVSEs: one per connection and unit of Quantity (OCM-103601 has one connection with Quantity 2).
    expect(total).toEqual({ read: 9, imported: 9, quarantined: 0, skipped: 0, evses: 17, warnings: 6 });
    // README: DataProvidersReference of the DataProviderID 32 POIs is the LAKD OCPI location id.
    expect(refs.sort()).toEqual(
      ['156', '504', '505', '533', '589', '590'].map((id) => `ocpi-location:32:${id}`),
    );
  });

  it('imports the 9 OCM POI files joined into one array (docs/registers.md) as the 9 files', async () => {
    const dir = sharedData('lt-ocm-export-sample');
    const files = readdirSync(dir).filter((f) => /^OCM-\d+\.json$/.test(f));
    const joined = JSON.stringify(files.map((f) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'))));
    const { list, row } = await importFile('lt-ocm-export-sample (joined)', 'ocm', joined);
    delete counts['lt-ocm-export-sample (joined)'];
    const one = await Promise.all(files.map((f) => readRegisterFile('ocm', `${dir}/${f}`)));
    expect(list).toEqual(one.flatMap((records) => [...records]));
    expect(row).toMatchObject({ read: 9, imported: 9, evses: 17 });
  });

  it('imports all 292 rows of the Köln BNetzA CSV, one Location per row', async () => {
    const file = sharedData('de-bnetza-koeln-csv', 'Ladesaeulenregister.csv');
    const lines = readFileSync(file, 'utf8')
      .split('\r\n')
      .filter((l) => l.length > 0);
    const { locations, summary, row } = await importFile('de-bnetza-koeln-csv', 'bnetza-csv', file);
    // The file has no quoted fields, so lines - header = rows; every row has coordinates in Köln.
    expect(summary).toEqual({ read: lines.length - 1, imported: 292, quarantined: 0, skipped: 0 });
    // Slots filled: 292 + 213 + 12 + 2, plus P3/P4 of "Fuka elevator parts" without Steckertypen3/4.
    expect(row.evses).toBe(521);
    // 25 keys (operator + address + coordinates) repeat; 112 rows share them, so 87 ids get a suffix.
    const ids = locations.map((l) => l.id);
    expect(new Set(ids).size).toBe(292);
    expect(ids.filter((id) => /-\d+$/.test(id))).toHaveLength(87);
  });

  it('imports all 918 stations of the BNetzA API subset with their 1,822 charge points', async () => {
    const { list, summary, row } = await importFile(
      'bnetza_api_subset.json.gz',
      'bnetza-json',
      sharedData('de-ludwigsburg-multisource', 'bnetza_api_subset.json.gz'),
    );
    expect(summary).toEqual({ read: 918, imported: 918, quarantined: 0, skipped: 0 });
    expect(row.evses).toBe(1822);
    // Only 11 charge points carry an evse_id (KL Energie and the AT*HTB ones).
    const evseRefs = list.flatMap((r) => (r.ok ? r.externalRefs.filter((e) => e.kind === 'evse-id') : []));
    expect(evseRefs).toHaveLength(11);
    expect(evseRefs).toContainEqual({ kind: 'evse-id', value: 'DEKL1ETE20000010701' });
  });

  it('groups the 56,507 IRVE PDC rows into 25,092 stations and quarantines only the one at 0,0', async () => {
    // Gunzipped once here and handed over as text, so the row count is taken from the same bytes.
    const text = gunzipSync(readFileSync(sharedData('fr-irve-statique', 'irve-statique.json.gz'))).toString(
      'utf8',
    );
    const rowCount = countLines(text);
    expect(rowCount).toBe(56_507);
    const { list, summary, row } = await importFile('fr-irve-statique', 'irve', text);
    // A record is a station here (README: 25,092 stations).
    expect(summary).toEqual({ read: 25_092, imported: 25_091, quarantined: 1, skipped: 0 });
    // FRQOVP3300007 (Mérignac) has coordonneesXY "[0, 0]" on all 9 of its PDC rows (README: "[0, 0] for 9 PDC").
    const quarantined = list.filter((r) => !r.ok);
    expect(quarantined).toMatchObject([{ recordId: 'FRQOVP3300007', reason: { rule: 'null-island' } }]);
    const quarantinedRows = quarantined.reduce((n, r) => n + (Array.isArray(r.raw) ? r.raw.length : 1), 0);
    expect(quarantinedRows).toBe(9);
    // Every row is accounted for: one EVSE per imported PDC row, plus the quarantined station's rows.
    expect(row.evses + quarantinedRows).toBe(rowCount);
  });

  it('imports the 1,642 electric stations of AFDC 2023-03 (70 columns) and skips the 62 other fuels', async () => {
    const { summary, row } = await importFile(
      'us-afdc-wa 2023-03 (70 col)',
      'afdc-csv',
      sharedData('us-afdc-wa', 'alt_fuel_stations_WA_2023-03.csv'),
    );
    // README: 1,704 rows, ELEC 1,642, LPG 52, CNG 4, E85 3, ... (the other 62 are skipped, not quarantined).
    expect(summary).toEqual({ read: 1704, imported: 1642, quarantined: 0, skipped: 62 });
    // Sum of the Level 1, Level 2 and DC fast counts over the ELEC rows.
    expect(row.evses).toBe(4084);
  });

  it('imports all 2,963 stations of AFDC 2025-11 (75 columns), 1,311 of them with ids from 2023', async () => {
    const { locations, summary, row } = await importFile(
      'us-afdc-wa 2025-11 (75 col)',
      'afdc-csv',
      sharedData('us-afdc-wa', 'alt_fuel_stations_WA_2025-11.csv'),
    );
    expect(summary).toEqual({ read: 2963, imported: 2963, quarantined: 0, skipped: 0 });
    expect(row.evses).toBe(8451);
    const older = await readRegisterFile(
      'afdc-csv',
      sharedData('us-afdc-wa', 'alt_fuel_stations_WA_2023-03.csv'),
    );
    const olderIds = new Set([...older].flatMap((r) => (r.ok ? [r.location.id] : [])));
    // README: "Stable AFDC ID: 1,311 ELEC stations in common".
    expect(locations.filter((l) => olderIds.has(l.id))).toHaveLength(1311);
    // 228968 "South Park" lists no ports at all: kept, with a warning.
    expect(locations.find((l) => l.id === '228968')?.warnings).toContainEqual(
      expect.objectContaining({ rule: 'no-ports' }),
    );
  });
});
