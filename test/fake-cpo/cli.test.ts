// `npm run fake-cpo`: the real script in a child process, pulled over loopback by the real client.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { demoLocations } from '../../src/fake-cpo/demo-data.js';
import { createOcpiClient, discover, pullPages } from '../../src/ocpi/client/index.js';
import { SHARED_DATA_DIR } from '../helpers/feeds.js';

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGTERM');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]) {
  const child = spawn(TSX, ['scripts/fake-cpo.ts', ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  /** Resolves with the printed settings once the server listens. */
  const ready = new Promise<Record<string, string>>((resolve, reject) => {
    child.stdout.on('data', () => {
      const lines = Object.fromEntries(
        stdout
          .split('\n')
          .filter((l) => /^\w+=/.test(l))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      if (lines.versions_url && (lines.token || lines.token_a)) resolve(lines);
    });
    void exited.then((code) => reject(new Error(`fake-cpo exited with ${code}: ${stderr}`)));
  });
  // A test that expects the script to fail never awaits `ready`.
  ready.catch(() => {});
  return { ready, exited, output: () => ({ stdout, stderr }) };
}

async function pullAll(versionsUrl: string, token: string) {
  const client = createOcpiClient({ timeoutMs: 5_000 });
  const found = await discover({ versionsUrl, token }, client);
  const pull = async (url: string | undefined) => {
    const items: Record<string, unknown>[] = [];
    if (url)
      for await (const page of pullPages(url, { token, ...found }, client))
        items.push(...(page.items as Record<string, unknown>[]));
    return items;
  };
  const locations = await pull(found.endpoints.locations);
  const tariffs = await pull(found.endpoints.tariffs);
  return { found, ids: locations.map((l) => l.id as string), locations, tariffs };
}

const shared = (file: string) => join(SHARED_DATA_DIR, file);

describe('npm run fake-cpo', () => {
  it('serves the demo data on 127.0.0.1 and prints the versions URL and token', async () => {
    const cli = run([
      '--data',
      'demo',
      '--version',
      '2.1.1',
      '--page-size',
      '40',
      '--port',
      '0',
      '--token',
      'cli-token',
    ]);
    const printed = await cli.ready;
    expect(printed.versions_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ocpi\/versions$/);
    expect(printed.token).toBe('cli-token');
    const { found, ids } = await pullAll(printed.versions_url!, 'cli-token');
    expect(found.version).toBe('2.1.1');
    expect(ids).toEqual(demoLocations().locations.map((l) => l.id));
  });

  it('serves a gzipped, enveloped OCPI file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-cpo-'));
    dirs.push(dir);
    const file = join(dir, 'feed.json.gz');
    const some = demoLocations().locations.slice(0, 3);
    writeFileSync(
      file,
      gzipSync(JSON.stringify({ data: some, status_code: 1000, timestamp: '2025-01-01T00:00:00Z' })),
    );
    const printed = await run(['--data', file, '--page-size', '2']).ready;
    expect((await pullAll(printed.versions_url!, printed.token!)).ids).toEqual(some.map((l) => l.id));
  });

  it("serves chargecloud's {next, items} page: its locations, and the tariffs inside its EVSEs as Tariffs", async () => {
    const cli = run(['--data', shared('de-ludwigsburg-multisource/chargecloud_ludwigsburg_request_1.json')]);
    const printed = await cli.ready;
    expect(cli.output().stdout).toContain('100 locations, 5 tariffs');
    expect(cli.output().stdout).toContain('"party_id": "SLB"');
    const { ids, locations, tariffs } = await pullAll(printed.versions_url!, printed.token!);
    expect(ids).toHaveLength(100);
    expect(new Set(ids).size).toBe(100);
    expect(tariffs).toHaveLength(5);
    // Every connector names tariffs that are served, and no EVSE keeps its embedded copy.
    const served = new Set(tariffs.map((t) => t.id));
    const evses = locations.flatMap((l) => l.evses as Record<string, unknown>[]);
    expect(evses.filter((e) => 'tariffs' in e)).toEqual([]);
    const named = evses.flatMap((e) =>
      (e.connectors as { tariff_ids?: string[] }[]).flatMap((c) => c.tariff_ids ?? []),
    );
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((id) => !served.has(id))).toEqual([]);
  });

  it("serves NDW's details file as OCPI locations around its raw EVSEs, with its tariffs", async () => {
    const cli = run(['--data', shared('nl-ndw-derived-delft-nijmegen/delft.details.json.gz')]);
    const { locations, tariffs } = await pullAll((await cli.ready).versions_url!, 'fake-cpo-token');
    expect(locations).toHaveLength(850);
    expect(tariffs).toHaveLength(36);
    expect(
      locations.every((l) => typeof (l.coordinates as { latitude: unknown }).latitude === 'string'),
    ).toBe(true);
  });

  it('refuses a file of another shape, saying what it found and what it reads', async () => {
    const cli = run(['--data', shared('de-ludwigsburg-multisource/chargeit_swlb_full_data.json')]);
    expect(await cli.exited).toBe(2);
    const { stderr } = cli.output();
    expect(stderr).toContain('found an object with keys operator');
    expect(stderr).toContain("chargecloud's {next, items} page");
    expect(stderr).toContain('docs/registers.md');
  });

  it('refuses a list that is not OCPI Locations (voltrelli: camelCase keys)', async () => {
    const cli = run(['--data', shared('ocm-captured-ocpi-feeds/ocpi_locations-voltrelli.json')]);
    expect(await cli.exited).toBe(2);
    expect(cli.output().stderr).toContain('not OCPI: 307 of 307 records use camelCase keys');
  });

  it('refuses an unknown fault mode with the list of modes', async () => {
    const cli = run(['--fault', 'gremlins']);
    expect(await cli.exited).toBe(2);
    expect(cli.output().stderr).toContain('unknown fault gremlins');
    expect(cli.output().stderr).toContain('503-retry-after');
  });
});
