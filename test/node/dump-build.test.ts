// Site dumps built on the dump worker thread (src/node/dump-build.ts: its own connection and heap
// limits, as the server and `atlas export` build them) are the bytes the same job streams in
// process (dumpBody, as Workers serve it): every format, and the progress reaches the main thread.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DumpJob, dumpBody, type SiteDumpFormat } from '../../src/api/dump-jobs.js';
import { countPublishedSites } from '../../src/db/queries/dump-sources.js';
import { buildDumpFile, databaseFile } from '../../src/node/dump-build.js';
import { fileSpool } from '../../src/node/file-spool.js';
import { gzipStream } from '../../src/node/http-hooks.js';
import { type Atlas, buildAtlas } from '../api/atlas-fixture.js';

let atlas: Atlas;

beforeAll(async () => {
  atlas = await buildAtlas({ locations: 400, seed: 31 });
}, 60_000);

afterAll(async () => {
  await atlas?.close();
});

const inProcess = async (job: DumpJob) =>
  new Uint8Array(
    await new Response(dumpBody(atlas.db, job, { gzip: gzipStream, featureSpool: fileSpool })).arrayBuffer(),
  );

const job = (format: SiteDumpFormat, gzip = false): DumpJob => ({
  format,
  gzip,
  now: '2025-03-01T12:00:00.000Z',
  staleAfterS: 900,
});

describe('buildDumpFile', () => {
  it('names the database file behind a connection', async () => {
    expect(await databaseFile(atlas.db)).toBe(atlas.file);
  });

  for (const [format, gzip] of [
    ['fgb', false],
    ['parquet', false],
    ['pmtiles', false],
    ['geojson', true],
    ['csv', true],
    ['ndjson', false],
  ] as const) {
    it(`writes the ${format}${gzip ? '.gz' : ''} dump on the worker byte for byte as it streams in process`, async () => {
      const out = join(atlas.dir, `dump.${format}`);
      const progress: number[] = [];
      await buildDumpFile(atlas.file, out, job(format, gzip), (done) => progress.push(done));
      const built = new Uint8Array(readFileSync(out));
      expect(built.length).toBeGreaterThan(100);
      expect(Buffer.from(built).equals(Buffer.from(await inProcess(job(format, gzip))))).toBe(true);
      // Sites (tiles for PMTiles) written, reported from the worker as the build goes.
      expect(progress.length).toBeGreaterThan(0);
      if (format !== 'pmtiles') expect(progress.at(-1)).toBe(await countPublishedSites(atlas.db));
    });
  }

  it('runs one build at a time: a second build starts once the first has ended', async () => {
    const events: string[] = [];
    const slow = buildDumpFile(atlas.file, join(atlas.dir, 'a.pmtiles'), job('pmtiles'), () =>
      events.push('pmtiles progress'),
    ).then(() => events.push('pmtiles done'));
    // FlatGeobuf alone takes a fraction of the archive's time: run together it would end first.
    const quick = buildDumpFile(atlas.file, join(atlas.dir, 'b.fgb'), job('fgb'), () =>
      events.push('fgb progress'),
    ).then(() => events.push('fgb done'));
    await Promise.all([slow, quick]);
    const firstFgb = events.findIndex((e) => e.startsWith('fgb'));
    expect(events.slice(0, firstFgb)).toContain('pmtiles done');
    expect(events.slice(firstFgb).every((e) => e.startsWith('fgb'))).toBe(true);
  });

  it("rejects with the worker's reason when the database cannot be read, and nothing is left behind", async () => {
    const out = join(atlas.dir, 'missing.fgb');
    await expect(buildDumpFile(join(atlas.dir, 'no-such.db'), out, job('fgb'))).rejects.toThrow(
      /unable to open/,
    );
    expect(existsSync(out)).toBe(false);
  });
});
