// The atlas command as a newcomer meets it, run as a child process: every command and subcommand
// answers -h/--help with its usage (exit 0, nothing started), and a setting that stops it (a port
// in use, a database folder it cannot write, a source without its token) is one line naming the
// problem and the setting, with a non-zero exit and no stack trace.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli, runEntry } from '../helpers/run-cli.js';

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

/** A setting that stops the atlas does so in a second or two: a child still running after this is killed. */
const STOPS_WITHIN_MS = 15_000;

function atlas(args: string[], env: NodeJS.ProcessEnv = {}, asUser?: number): Promise<CliRun> {
  return runCli(
    args,
    { ...process.env, ATLAS_DB: join(dir, 'atlas.db'), LOG_LEVEL: 'silent', ...env },
    asUser,
    STOPS_WITHIN_MS,
  );
}

/** Runs `args` with `env` and expects exit 1 at once with one line on stderr, which it returns. */
async function stops(args: string[], env: NodeJS.ProcessEnv, asUser?: number): Promise<string> {
  const r = await atlas(args, env, asUser);
  expect(r.timedOut, 'still running: killed').toBe(false);
  expect(r.code).toBe(1);
  return oneLine(r);
}

/** Root writes anywhere: a test of what a user cannot write runs its child as nobody. */
function asNobody(): number | undefined {
  if (process.getuid?.() !== 0) return undefined;
  // nobody runs the checkout's own code: a folder above it closed to other users (mktemp -d
  // makes 0700 ones) would fail the test with a module not found, not with what it checks.
  expect(closedToOthers(process.cwd()), 'the checkout must be readable by other users').toEqual([]);
  return 65534;
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
    const line = await stops(['sources'], { ATLAS_DB: join(locked, 'sub', 'atlas.db') }, asNobody());
    expect(line).toMatch(
      /^atlas: cannot open the database .*locked\/sub\/atlas\.db \(ATLAS_DB\): its folder is not writable by this user$/,
    );
  });

  it('a database file it cannot write: one line naming ATLAS_DB, not a failed write later', async () => {
    // A folder it may write, so only the file is read-only (SQLite would open it read-only unasked).
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    chmodSync(dir, 0o755);
    const file = join(open, 'read-only.db');
    writeFileSync(file, '');
    chmodSync(file, 0o444);
    expect(await stops(['sources'], { ATLAS_DB: file }, asNobody())).toBe(
      `atlas: cannot open the database ${file} (ATLAS_DB): it is not writable by this user`,
    );
  });

  // procfs answers mkdir with ENOENT under a folder that exists: Node's recursive mkdir looped on
  // it for ever (src/db/make-folder.ts), and every command that opens the database hung.
  it
    .runIf(existsSync('/proc/self'))
    .each([[['serve']], [['sync']], [['export', '--format', 'csv', '--out', join(dir, 'proc.csv')]]])(
    'a database folder its file system will not create (%j): one line naming ATLAS_DB, at once',
    async (args) => {
      const line = await stops(args, { ATLAS_DB: '/proc/atlas-none/atlas.db', PORT: '0', HOST: '127.0.0.1' });
      expect(line).toBe(
        'atlas: cannot open the database /proc/atlas-none/atlas.db (ATLAS_DB): its folder cannot be created',
      );
    },
  );

  it('the server entry src/node.ts stops the same way: one line, no stack trace', async () => {
    const env = { ...process.env, ATLAS_DB: dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' };
    const r = await runEntry('src/node.ts', [], env, undefined, STOPS_WITHIN_MS);
    expect(r.timedOut, 'still running: killed').toBe(false);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe(
      `atlas: cannot open the database ${dir} (ATLAS_DB): it is a folder; name a file in it, such as atlas.db`,
    );
  });

  it('a database path that is a folder: one line naming ATLAS_DB', async () => {
    expect(await stops(['sources'], { ATLAS_DB: dir })).toBe(
      `atlas: cannot open the database ${dir} (ATLAS_DB): it is a folder; name a file in it, such as atlas.db`,
    );
  });

  it.runIf(existsSync('/dev/null'))(
    'a database path that is a device: one line naming ATLAS_DB',
    async () => {
      // SQLite said "disk I/O error".
      expect(await stops(['sources'], { ATLAS_DB: '/dev/null' })).toBe(
        'atlas: cannot open the database /dev/null (ATLAS_DB): it is not a regular file (a device, a pipe or a socket)',
      );
    },
  );

  it('a path through a file: one line naming ATLAS_DB', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    const r = await atlas(['export', '--format', 'csv', '--out', join(dir, 'x.csv')], {
      ATLAS_DB: join(dir, 'a-file', 'atlas.db'),
    });
    expect(r.code).toBe(1);
    expect(oneLine(r)).toMatch(/\(ATLAS_DB\): a part of its path is a file, not a folder$/);
  });

  const overrides = join(dir, 'overrides.json');
  writeFileSync(overrides, '[]');
  it.each([
    [
      ['serve'],
      { PORT: 'eighty' },
      'invalid environment: PORT: "eighty" is not a whole number from 0 to 65535',
    ],
    [
      ['serve'],
      { PORT: '70000' },
      'invalid environment: PORT: "70000" is not a whole number from 0 to 65535',
    ],
    // An unset variable passed on by a compose file: read as 0 (a random port) before.
    [
      ['serve'],
      { PORT: '' },
      'invalid environment: PORT: is empty: unset it for the default, or give a whole number from 0 to 65535',
    ],
    // Beyond setTimeout's range Node waits 1 ms: every heavy request would have got 503 at once.
    [
      ['serve'],
      { ATLAS_HEAVY_WAIT_MS: '3000000000' },
      'invalid environment: ATLAS_HEAVY_WAIT_MS: "3000000000" is not a whole number from 1 to 2147483647',
    ],
    [
      ['serve'],
      { HOST: 'atlas-host.invalid', PORT: '0' },
      'atlas-host.invalid is neither an address nor a name that resolves to one (HOST)',
    ],
    [
      ['sync'],
      { ATLAS_SOURCES: join(dir, 'none.json') },
      `sources file ${join(dir, 'none.json')} (ATLAS_SOURCES) cannot be read: there is no such file`,
    ],
    [
      ['sources'],
      { ATLAS_SOURCES: dir },
      `sources file ${dir} (ATLAS_SOURCES) cannot be read: it is a folder, not a file`,
    ],
    [
      ['sources'],
      { ATLAS_DEDUPE_OVERRIDES: join(dir, 'none.json') },
      `dedupe overrides file ${join(dir, 'none.json')} (ATLAS_DEDUPE_OVERRIDES) cannot be read: there is no such file`,
    ],
    // Its problems were on lines of their own, which the CLI (first line only) did not print.
    [
      ['sources'],
      { ATLAS_DEDUPE_OVERRIDES: overrides },
      `dedupe overrides file ${overrides} (ATLAS_DEDUPE_OVERRIDES) is invalid: (file): Invalid input: expected object, received array`,
    ],
  ])('atlas %j with %j: one line naming the setting', async (args, env, line) => {
    expect(await stops(args, env)).toBe(`atlas: ${line}`);
  });

  it('a sources file that is not JSON: one line with the line and column, never the text around it', async () => {
    const file = join(dir, 'unquoted.json');
    const token = 'secret-unquoted-token-7f21';
    writeFileSync(file, `[{ "id": "ndw", "name": "NDW",\n  "token": ${token} }]`);
    const unquoted = await stops(['sync'], { ATLAS_SOURCES: file });
    expect(unquoted).toMatch(/^atlas: sources file .*unquoted\.json \(ATLAS_SOURCES\) is not valid JSON: /);
    expect(unquoted).not.toContain('7f21');
    writeFileSync(file, `[{ "id": "ndw", "name": "NDW",\n  "token": "${token}" "versions_url": "" }]`);
    expect(await stops(['sync'], { ATLAS_SOURCES: file })).toBe(
      `atlas: sources file ${file} (ATLAS_SOURCES) is not valid JSON: Expected ',' or '}' after property value at line 2, column 41`,
    );
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
