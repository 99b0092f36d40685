// Creates a folder and its missing parents, failing at once where Node's `mkdirSync(path,
// { recursive: true })` can loop forever: under a file system that refuses new folders with ENOENT
// although their parent exists (procfs: `ATLAS_DB=/proc/nope/atlas.db` hung `npm start` and every
// command that opens the database), Node 20's recursive mkdir steps back to the parent on ENOENT,
// gets EEXIST there, steps forward again and gets ENOENT, without end (strace: mkdir("/proc/nope")
// ENOENT, mkdir("/proc") EEXIST, repeated). Here each missing folder is made once, from the
// nearest one that exists downwards, and the first refusal is thrown with its own code.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function makeFolder(path: string): void {
  const missing: string[] = [];
  let folder = resolve(path);
  // A part of the path that is a file makes statSync throw ENOTDIR: thrown as it is.
  while (!exists(folder) && dirname(folder) !== folder) {
    missing.unshift(folder);
    folder = dirname(folder);
  }
  assertFolder(folder);
  for (const f of missing) {
    try {
      mkdirSync(f);
    } catch (err) {
      // EEXIST: made meanwhile by someone else, or the name is a file or a dangling link.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      assertFolder(f);
    }
  }
}

/** Whether something is at `path` (following links); errors other than ENOENT are thrown. */
function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Throws ENOTDIR for a file, or statSync's own error (ENOENT for a dangling link). */
function assertFolder(path: string): void {
  if (!statSync(path).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a folder: ${path}`), { code: 'ENOTDIR', path });
  }
}
