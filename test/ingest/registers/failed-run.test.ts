// A register run that quarantines every record (or, configured, most) is a failed run, in the
// run record (source health) and the result the CLI turns into its exit code, with a reason that
// names the real problem: the separator, or the missing column with the columns found.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../../src/db/sqlite.js';
import type { Db } from '../../../src/db/types.js';
import { upsertSources } from '../../../src/ingest/source-state.js';
import type { RegisterSourceConfig } from '../../../src/ingest/sources-file.js';
import { syncRegisterSource } from '../../../src/ingest/sync-register.js';
import { silentLogger } from '../../../src/log.js';
import { readText } from '../../../src/node/read-text.js';

const HEADER =
  'Betreiber;Straße;Hausnummer;Adresszusatz;Postleitzahl;Ort;Bundesland;Kreis/kreisfreie Stadt;Breitengrad;Längengrad;Inbetriebnahmedatum;Anschlussleistung;Art der Ladeeinrichung;Anzahl Ladepunkte;Steckertypen1;P1 [kW];Public Key1';
const ROW =
  'Stadtwerke X;Hauptstraße;1;;50667;Köln;NRW;Köln;50,937417;6,97069;22.07.21;22;Normal;1;AC Steckdose Typ 2;22;';

let dir: string;
let db: Db;
afterEach(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A run of a register whose file holds `text`; `url` (relative to its folder) points elsewhere. */
async function run(text: string, extra: Partial<RegisterSourceConfig> = {}, url?: string) {
  if (db) await db.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = mkdtempSync(join(tmpdir(), 'atlas-failed-run-'));
  const file = join(dir, 'register.csv');
  writeFileSync(file, text);
  db = openSqlite(join(dir, 'atlas.db'));
  const source: RegisterSourceConfig = {
    id: 'bnetza',
    name: 'BNetzA',
    type: 'bnetza-csv',
    url: url === undefined ? file : join(dir, url),
    license: 'CC-BY-4.0',
    enabled: true,
    schedule: '0 * * * *',
    full_schedule: '0 3 * * *',
    ...extra,
  };
  await upsertSources(db, [source], new Date().toISOString());
  const result = await syncRegisterSource(source, {
    db,
    clock: () => new Date(),
    log: silentLogger,
    readText,
  });
  const runRow = await db.get<{ status: string; error: string | null }>(
    'SELECT status, error FROM sync_runs WHERE id = ?',
    [result.runId],
  );
  return { result, runRow };
}

describe('a run that quarantines its records', () => {
  it('fails and names the separator when every line has one field', async () => {
    const { result, runRow } = await run([HEADER, ROW, ROW].map((l) => l.replaceAll(';', ',')).join('\n'));
    expect(result.status).toBe('failed');
    expect(runRow?.status).toBe('failed');
    expect(runRow?.error).toContain('2 of 2 records quarantined');
    expect(runRow?.error).toContain("is the separator ','?");
  });

  it('fails and names the missing column with the columns found', async () => {
    const header = HEADER.replace('Breitengrad', 'Latitude');
    const { result } = await run([header, ROW].join('\n'));
    expect(result.status).toBe('failed');
    expect(result.error).toContain('no column named Breitengrad; columns found: Betreiber, Straße');
    expect(result.error).toContain('Latitude');
  });

  it('stays ok when some records import, and fails at a configured share', async () => {
    const bad = ROW.replace('50,937417', '');
    const text = [HEADER, ROW, bad, bad, bad].join('\n');
    expect((await run(text)).result.status).toBe('ok');
    const { result } = await run(text, { fail_quarantined_share: 0.7 });
    expect(result.status).toBe('failed');
    expect(result.error).toContain('3 of 4 records quarantined');
  });
});

// docs/registers.md "One file per register": a register's url is one file, and what a user tries
// instead (a folder of files, a pattern) fails the run saying so.
describe('a register url that is not one file', () => {
  it('fails the run when it is a folder, saying that a register is one file', async () => {
    const { result, runRow } = await run([HEADER, ROW].join('\n'), {}, '.');
    expect(result.status).toBe('failed');
    expect(runRow?.error).toMatch(/ is a folder: a register's url is one file .*#one-file-per-register/);
  });

  it('fails the run when it is a pattern, saying that patterns are not expanded', async () => {
    const { result } = await run([HEADER, ROW].join('\n'), {}, '*.csv');
    expect(result.status).toBe('failed');
    expect(result.error).toContain("(patterns are not expanded): a register's url is one file");
  });
});
