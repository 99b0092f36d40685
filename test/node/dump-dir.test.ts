// The dump files of a server live in a temp dir of its own: removed when it stops, and swept by the
// next server when it was killed instead (its owner's pid is gone). Dirs not known to be ours stay.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpDir } from '../../src/node/dump-dir.js';

const parent = mkdtempSync(join(tmpdir(), 'atlas-dumpdir-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

/** The pid of a process that has run and exited. */
function deadPid(): number {
  return Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']));
}

function fakeDir(name: string, owner?: number): string {
  const dir = join(parent, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'sites.sqlite.gz-1'), 'a built dump');
  if (owner !== undefined) writeFileSync(join(dir, 'owner'), String(owner));
  return dir;
}

describe('a server’s dump dir', () => {
  it('belongs to this process and goes, files and all, when the server stops', () => {
    const stop = new AbortController();
    const dir = dumpDir(stop.signal, parent);
    expect(basename(dir)).toMatch(/^atlas-dumps-/);
    expect(readFileSync(join(dir, 'owner'), 'utf8')).toBe(String(process.pid));
    writeFileSync(join(dir, 'sites.sqlite.gz-1.part.sqlite'), 'a raw snapshot');
    stop.abort();
    expect(existsSync(dir)).toBe(false);
  });

  it('sweeps the dirs of killed servers as a new one is made, and only those', () => {
    const orphan = fakeDir('atlas-dumps-killed', deadPid());
    const live = fakeDir('atlas-dumps-running', process.pid);
    const unknown = fakeDir('atlas-dumps-no-owner');
    const other = fakeDir('someone-else', deadPid());
    const mine = dumpDir(undefined, parent);
    expect(existsSync(orphan)).toBe(false);
    for (const d of [live, unknown, other, mine]) expect(existsSync(d)).toBe(true);
  });
});
