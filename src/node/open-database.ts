// The SQLite file named by ATLAS_DB, opened with a one-line reason when it cannot be: a folder
// that cannot be created or written is the usual first-run problem, and a stack trace from deep
// inside better-sqlite3 does not say which setting to change.
import { openSqlite } from '../db/sqlite.js';
import type { Db } from '../db/types.js';

/** A problem with the configuration that stops a command; the CLI prints its message as one line. */
export class StartupError extends Error {}

const REASONS: Record<string, string> = {
  EACCES: 'its folder is not writable by this user',
  EPERM: 'its folder is not writable by this user',
  EROFS: 'its folder is on a read-only file system',
  ENOTDIR: 'a part of its path is a file, not a folder',
  EEXIST: 'a part of its path is a file, not a folder',
  ENOENT: 'its folder cannot be created',
  SQLITE_CANTOPEN: 'SQLite cannot open or create it (is its folder writable?)',
  SQLITE_READONLY: 'it or its folder is read-only',
  SQLITE_NOTADB: 'it is not a SQLite database',
};

export function openDatabase(file: string): Db {
  try {
    return openSqlite(file);
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    const reason = REASONS[code] ?? (err as Error).message;
    throw new StartupError(`cannot open the database ${file} (ATLAS_DB): ${reason}`);
  }
}
