// The atlas command as a user runs it: exit codes of `sync`, its summary lines off a TTY, and
// `sources` health, against a fake CPO on loopback.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeCpo } from '../../src/fake-cpo/app.js';
import { demoLocations } from '../../src/fake-cpo/demo-data.js';
import { type CliRun, runCli } from '../helpers/run-cli.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';

const TOKEN = 'cli-test-token-55aa';
let dir: string;
let served: ServedApp;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-cli-'));
  const data = demoLocations();
  served = await serveApp(
    createFakeCpo({ locations: data.locations, tariffs: data.tariffs, token: TOKEN }).app,
  );
  const sources = join(dir, 'sources.json');
  writeFileSync(
    sources,
    JSON.stringify([
      {
        id: 'good',
        name: 'Good CPO',
        versions_url: `${served.url}/ocpi/versions`,
        token: TOKEN,
        license: 'CC0-1.0',
      },
      // Nothing listens on port 9 of loopback: the connection is refused at once.
      {
        id: 'down',
        name: 'Down CPO',
        versions_url: 'http://127.0.0.1:9/ocpi/versions',
        token: 'down-token-1234',
      },
    ]),
  );
  env = { ...process.env, ATLAS_DB: join(dir, 'atlas.db'), ATLAS_SOURCES: sources, LOG_LEVEL: 'silent' };
});

afterAll(async () => {
  await served?.close();
  rmSync(dir, { recursive: true, force: true });
});

function atlas(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return atlasWith(env, ...args);
}

function atlasWith(childEnv: NodeJS.ProcessEnv, ...args: string[]): Promise<CliRun> {
  return runCli(args, childEnv);
}

describe('atlas sync', () => {
  it('exits 0 when every named source synced, and prints a summary line per source', async () => {
    const r = await atlas('sync', '--source', 'good');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^good: ok \(full\) pages=\d+ upserted=300 /m);
  });

  it('exits non-zero when one of the sources fails, naming it and the error, without its token', async () => {
    const r = await atlas('sync');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^good: ok \(incremental\)/m);
    expect(r.out).toMatch(/^down: failed \(full\).*error: /m);
    expect(r.out + r.err).not.toContain('down-token-1234');
    expect(r.out + r.err).not.toContain(TOKEN);
  }, 60_000);

  it('keeps stdout to the summary lines even with info logging (logs go to stderr)', async () => {
    const r = await atlasWith({ ...env, LOG_LEVEL: 'info' }, 'sync', '--source', 'good');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toEqual([expect.stringMatching(/^good: ok /)]);
    expect(r.err).toMatch(/"msg":"sync finished"/);
  });

  it('exits 2 for an unknown source id', async () => {
    const r = await atlas('sync', '--source', 'nope');
    expect(r.code).toBe(2);
    expect(r.out).toContain('unknown source: nope');
  });

  it('prints source health with the failure visible', async () => {
    const r = await atlas('sources');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as { id: string; last_run: string; locations: number; license: string }[];
    expect(rows.find((x) => x.id === 'good')).toMatchObject({ locations: 300 });
    expect(rows.find((x) => x.id === 'down')?.last_run).toMatch(/^failed full/);
    expect(rows.find((x) => x.id === 'down')?.license).toMatch(/not published/);
  });
});
