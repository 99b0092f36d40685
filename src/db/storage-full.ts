// A write refused because the disk (or the database's size limit) is full: not a bug in the request,
// and not permanent. Callers answer with a status a client retries rather than "internal error".
export function isStorageFull(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (code === 'SQLITE_FULL') return true;
  // D1 (and wrappers that keep only the message) say it in words.
  return typeof message === 'string' && /SQLITE_FULL|database or disk is full/i.test(message);
}
