// `npm start` as a user runs it: npm, the shell npm runs the script in (sh; cmd.exe on Windows), the
// launcher (bin/atlas.mjs) and the server. npm passes its SIGTERM to that shell alone, and dash ends
// without passing it on; the scripts cannot `exec` the launcher (cmd.exe has no exec), so the
// launcher stops the server when that shell is gone.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** Commands that POSIX shells have built in and cmd.exe lacks, at the start of a command. */
const POSIX_ONLY = /(?:^|&&|\|\||[;|&])\s*(?:exec|export|source|eval|trap|unset)\s/;

interface Proc {
  pid: number;
  ppid: number;
  cmd: string;
}

/** The processes of process group `pgid` (Linux /proc), with their parents and command lines. */
function group(pgid: number): Proc[] {
  const found: Proc[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      // Fields after the parenthesised name: state, ppid, pgrp.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid) continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      found.push({ pid: Number(name), ppid: Number(ppid), cmd });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return found;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

let npm: ChildProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'atlas-npm-start-'));

afterAll(() => {
  // Its own process group (detached): whatever is left of it, server included, ends here.
  if (npm?.pid) for (const p of group(npm.pid)) process.kill(p.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('runs no command that only a POSIX shell has, so cmd.exe runs the scripts too', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const posixOnly = Object.entries(scripts).filter(([, script]) => POSIX_ONLY.test(script));
    expect(posixOnly).toEqual([]);
  });

  it('stops the server, which shuts down as signalled, when npm alone gets SIGTERM', async () => {
    npm = spawn('npm', ['start'], {
      cwd: ROOT,
      detached: true,
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        npm_config_update_notifier: 'false',
        ATLAS_DB: join(dir, 'atlas.db'),
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    const listening = new Promise<string>((resolve, reject) => {
      npm!.once('exit', (code) => reject(new Error(`npm start exited (${code}) before listening`)));
      createInterface({ input: npm!.stdout! }).on('line', (line) => {
        lines.push(line);
        if (line.includes('atlas listening')) resolve((JSON.parse(line) as { url: string }).url);
      });
    });
    const url = await listening;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const server = group(npm.pid!).find((p) => p.cmd.includes('cli.js serve'));
    const launcher = group(npm.pid!).find((p) => p.pid === server?.ppid);
    // Where sh is dash, the launcher's parent is that shell, not npm (bash would exec it).
    expect(launcher?.cmd).toMatch(/bin\/atlas\.mjs serve$/);

    const npmExit = new Promise((resolve) => npm!.once('exit', resolve));
    npm.kill('SIGTERM');
    await npmExit;
    for (let i = 0; i < 300 && group(npm.pid!).length > 0; i++) await pause(100);
    expect(group(npm.pid!)).toEqual([]);
    expect(lines.some((l) => l.includes('atlas shutting down'))).toBe(true);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 90_000);
});
