// `npm run fake-cpo`: the real script in a child process, pulled over loopback by the real client.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { demoLocations } from '../../src/fake-cpo/demo-data.js';
import { createOcpiClient, discover, pullPages } from '../../src/ocpi/client/index.js';

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
  const ids: string[] = [];
  for await (const page of pullPages(found.endpoints.locations!, { token, ...found }, client)) {
    ids.push(...page.items.map((l) => (l as { id: string }).id));
  }
  return { found, ids };
}

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

  it('refuses an unknown fault mode with the list of modes', async () => {
    const cli = run(['--fault', 'gremlins']);
    expect(await cli.exited).toBe(2);
    expect(cli.output().stderr).toContain('unknown fault gremlins');
    expect(cli.output().stderr).toContain('503-retry-after');
  });
});
