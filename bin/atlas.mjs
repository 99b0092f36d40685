#!/usr/bin/env node
// The `atlas` command (and `npm start`, `npm run atlas`): builds the CLI as plain JavaScript
// (scripts/build-node.mjs, about a second) and runs it with the Node options of its command
// (nodeFlagsFor: `atlas sync` gets larger semi-spaces than the server), so the
// server and its worker threads run compiled modules, not tsx. A stop signal sent to this process
// is passed on, so the server shuts down as it would if signalled itself.
//
// Under `npm start` / `npm run atlas` this process is the child of the shell npm runs the script
// in, and npm passes its SIGTERM to that shell alone. dash (Debian's and Ubuntu's sh) then ends
// without passing it on: the server went on serving. `exec` in the scripts made this process that
// shell, but cmd.exe has no `exec` (npm's script shell on Windows), so `npm start` failed there.
// So the scripts run plain `node`, and this process, when npm started it, stops the server once
// the shell it was started from is gone (stopWhenOrphaned).
//
// Each run builds into a folder of its own (dist/run-<pid>-*, removed when it ends): a server loads
// its worker modules from its folder for as long as it runs (a replaced read worker, every dump
// build), so a second command (a cron `atlas sync`) or a `git pull` must not rewrite them under it.
// Folders left by a launcher that was killed (its pid gone) are removed at the next start.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNode, nodeFlagsFor } from '../scripts/build-node.mjs';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

function running(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * SIGTERM to `child` once this process's parent is gone (it is then re-parented, so its ppid
 * changes). Only under npm: a launcher started by hand in the background may outlive its shell on
 * purpose. Polled: Node has no parent-death signal; a getppid() every 250 ms costs nothing.
 */
function stopWhenOrphaned(child) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    child.kill('SIGTERM');
  }, 250);
  watch.unref();
}

function removeOrphans() {
  for (const name of readdirSync(DIST)) {
    const pid = Number(/^run-(\d+)-/.exec(name)?.[1]);
    if (pid && !running(pid)) rmSync(join(DIST, name), { recursive: true, force: true });
  }
}

mkdirSync(DIST, { recursive: true });
removeOrphans();
// Two levels below the project root, as the bundles find ../../migrations from there.
const out = mkdtempSync(join(DIST, `run-${process.pid}-`));
const cli = join(buildNode(relative(join(DIST, '..'), out)), 'cli.js');
// `atlas sync` gets a larger young generation than the server (nodeFlagsFor says why).
const flags = nodeFlagsFor(process.argv[2]);
const child = spawn(process.execPath, [...flags, cli, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
if (process.env.npm_lifecycle_event) stopWhenOrphaned(child);
child.on('exit', (code, signal) => {
  rmSync(out, { recursive: true, force: true });
  // A server ended by a signal exits as a shell reports it: 128 + the signal's number.
  process.exit(code ?? (signal ? 128 + constants.signals[signal] : 0));
});
