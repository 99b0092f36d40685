// The temp dir a server keeps its dump files in (dump-store.ts): a built .sqlite dump is 500 MB on
// 1M EVSEs, a raw snapshot of a build under way 1.2 GB. The dir goes when the server stops; a
// server that was killed cannot remove it, so each new dir sweeps those whose owner has died (its
// pid in `owner`). A dir without that file is not known to be ours and is left alone.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'atlas-dumps-';
const OWNER = 'owner';

/** A new dump dir of this process, removed when `stop` aborts. */
export function dumpDir(stop?: AbortSignal, parent = tmpdir()): string {
  sweepOrphans(parent);
  const dir = mkdtempSync(join(parent, PREFIX));
  writeFileSync(join(dir, OWNER), String(process.pid));
  stop?.addEventListener('abort', () => rmSync(dir, { recursive: true, force: true }), { once: true });
  return dir;
}

/** Removes the dump dirs under `parent` whose owning process no longer exists. */
export function sweepOrphans(parent: string): void {
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(parent, name);
    const pid = ownerOf(dir);
    if (pid !== null && !alive(pid)) rmSync(dir, { recursive: true, force: true });
  }
}

function ownerOf(dir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dir, OWNER), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Signal 0 only asks whether the process exists; EPERM means it does (another user's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
