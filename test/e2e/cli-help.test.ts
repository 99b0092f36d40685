// The atlas command as a newcomer meets it, run as a child process: every command and subcommand
// answers -h/--help with its usage (exit 0, nothing started), and a setting that stops it (a port
// in use, a database folder it cannot write, a source without its token) is one line naming the
// problem and the setting, with a non-zero exit and no stack trace.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'atlas-cli-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The folders from `path` up to the root that other users cannot enter. */
function closedToOthers(path: string): string[] {
  const closed: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    if ((statSync(p).mode & 0o001) === 0) closed.push(p);
    if (dirname(p) === p) return closed;
  }
}

function atlas(args: string[], env: NodeJS.ProcessEnv = {}, asUser?: number): Promise<CliRun> {
  return runCli(
    args,
    { ...process.env, ATLAS_DB: join(dir, 'atlas.db'), LOG_LEVEL: 'silent', ...env },
    asUser,
  );
}

/** One line on stderr, no stack trace. */
function oneLine(r: CliRun): string {
  const lines = r.err.trimEnd().split('\n');
  expect(lines, r.err).toHaveLength(1);
  expect(r.err).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

describe('atlas --help', () => {
  it.each([
    [['-h'], /^usage: atlas <command>/],
    [['serve', '--help'], /^usage: atlas serve\n/],
    [['sync', '-h'], /^usage: atlas sync \[--source ID\]/],
    [['sources', '--help'], /^usage: atlas sources\n/],
    [['export', '-h'], /^usage: atlas export --format FORMAT --out FILE/],
    [
      ['clients', '--help'],
      /^usage: atlas clients add --name NAME \| list \| revoke ID\n[\s\S]*add --name NAME +register/,
    ],
    [['clients', 'revoke', '--help'], /revoke ID +revoke a client/],
  ])('atlas %j prints its usage and exits 0', async (args, usage) => {
    const r = await atlas(args);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(usage);
    expect(r.err).toBe('');
  });

  it('refuses an unknown option in one line that points to --help', async () => {
    const r = await atlas(['sync', '--ful']);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(/^atlas sync: Unknown option '--ful'.*\(see atlas sync --help\)$/);
  });
});

describe('settings that stop the atlas', () => {
  let blocker: Server | undefined;
  afterAll(() => blocker?.close());

  it('a port in use: one line naming PORT', async () => {
    blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker!.listen(0, '127.0.0.1', () => resolve((blocker!.address() as { port: number }).port)),
    );
    const r = await atlas(['serve'], { PORT: String(port), HOST: '127.0.0.1' });
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe(
      `atlas: port ${port} is already in use on 127.0.0.1 (PORT): stop the other server or set another PORT`,
    );
  });

  it('a database folder it cannot write: one line naming ATLAS_DB', async () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    chmodSync(dir, 0o755);
    // root writes anywhere: run the child as nobody, for whom the folder is read-only.
    const nobody = process.getuid?.() === 0 ? 65534 : undefined;
    if (nobody !== undefined) {
      // nobody runs the checkout's own code: a folder above it closed to other users (mktemp -d
      // makes 0700 ones) would fail this test with a module not found, not with what it checks.
      expect(closedToOthers(process.cwd()), 'the checkout must be readable by other users').toEqual([]);
    }
    const r = await atlas(['sources'], { ATLAS_DB: join(locked, 'sub', 'atlas.db') }, nobody);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toMatch(
      /^atlas: cannot open the database .*locked\/sub\/atlas\.db \(ATLAS_DB\): its folder is not writable by this user$/,
    );
  });

  it('a path through a file: one line naming ATLAS_DB', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    const r = await atlas(['export', '--format', 'csv', '--out', join(dir, 'x.csv')], {
      ATLAS_DB: join(dir, 'a-file', 'atlas.db'),
    });
    expect(r.code).toBe(1);
    expect(oneLine(r)).toMatch(/\(ATLAS_DB\): a part of its path is a file, not a folder$/);
  });

  it('a source without its token: one line naming the sources file, the source and the field', async () => {
    const file = join(dir, 'sources.json');
    writeFileSync(
      file,
      JSON.stringify([{ id: 'ndw', name: 'NDW', versions_url: 'https://cpo.example/ocpi/versions' }]),
    );
    const r = await atlas(['sync'], { ATLAS_SOURCES: file });
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe(
      `atlas: sources file ${file} (ATLAS_SOURCES) is invalid: [0] (id "ndw").token: is missing`,
    );
  });
});
