// The SQLite file named by ATLAS_DB, opened with a one-line reason when it cannot be: a folder
// that cannot be created or written is the usual first-run problem, and a stack trace from deep
// inside better-sqlite3 does not say which setting to change.
import { accessSync, constants, statSync } from 'node:fs';
import { openSqlite } from '../db/sqlite.js';
import type { Db } from '../db/types.js';

/** A problem with the configuration that stops a command; the CLI prints its message as one line. */
export class StartupError extends Error {}

/** By error code; SQLite's extended codes (SQLITE_READONLY_DIRECTORY) fall back to their primary one. */
const REASONS: Record<string, string> = {
  EACCES: 'its folder is not writable by this user',
  EPERM: 'its folder is not writable by this user',
  EROFS: 'its folder is on a read-only file system',
  ENOTDIR: 'a part of its path is a file, not a folder',
  EEXIST: 'a part of its path is a file, not a folder',
  ENOENT: 'its folder cannot be created',
  SQLITE_CANTOPEN: 'SQLite cannot open or create it (is its folder writable?)',
  SQLITE_READONLY: 'it or its folder is read-only',
  SQLITE_READONLY_DIRECTORY:
    'its folder is not writable by this user (SQLite keeps its -wal and -shm files there)',
  SQLITE_NOTADB: 'it is not a SQLite database',
};

export function openDatabase(file: string): Db {
  let reason = fileProblem(file);
  if (reason === null) {
    try {
      return openSqlite(file);
    } catch (err) {
      reason = openProblem(err);
    }
  }
  throw new StartupError(`cannot open the database ${file} (ATLAS_DB): ${reason}`);
}

function openProblem(err: unknown): string {
  const code = (err as { code?: string }).code ?? '';
  const primary = code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1');
  return REASONS[code] ?? REASONS[primary] ?? (err as Error).message;
}

/**
 * What SQLite would not say clearly: a folder is only SQLITE_CANTOPEN to it, a device such as
 * /dev/null a "disk I/O error", and a file this user cannot write it opens read-only without a
 * word, to fail at the first write far from here ("attempt to write a readonly database").
 * Anything else, the open itself reports.
 */
function fileProblem(file: string): string | null {
  if (file === ':memory:') return null;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) return 'it is a folder; name a file in it, such as atlas.db';
    if (!stat.isFile()) return 'it is not a regular file (a device, a pipe or a socket)';
    accessSync(file, constants.W_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    return ['EACCES', 'EPERM', 'EROFS'].includes(code) ? 'it is not writable by this user' : null;
  }
}
