// The child process that builds a dump for the server (dump-build.ts buildDumpFileInChild): a build
// runs for minutes at 1M EVSEs (the .sqlite dump about 6) and its memory (a V8 isolate, SQLite's
// sorters and caches: 130 MB measured) is then not the server's. The build itself runs on a worker
// thread (buildDumpFile) so that this process's event loop stays free to notice its parent going
// away: a server that is killed leaves no build behind.
// Forked with an IPC channel; receives { file, out, job? }, sends progress, then { ok, error? }.
import { rmSync } from 'node:fs';
import type { DumpJob } from '../api/dump-jobs.js';
import { buildDumpFile, partialFilesOf } from './dump-build.js';
import { lowerThreadPriority } from './module-worker.js';

// A build is background work: below the server's event loop (its worker thread inherits this).
lowerThreadPriority();

let out: string | null = null;
// The server gone without stopping the build (killed): nobody will read or remove what it writes,
// so its files go now and the process ends at once. Not process.exit(): that waits for the build's
// thread, which can sit for minutes inside a synchronous VACUUM INTO, writing a file of 1.2 GB on
// 1M EVSEs that then stayed in the temp dir, and V8 may abort on the way out.
process.on('disconnect', () => {
  for (const f of out ? partialFilesOf(out) : []) rmSync(f, { force: true });
  process.kill(process.pid, 'SIGKILL');
});

process.once('message', (m: { file: string; out: string; job?: DumpJob }) => {
  out = m.out;
  const send = (msg: object, then?: () => void) => process.send?.(msg, then);
  buildDumpFile(m.file, m.out, m.job, (progress, total) => send({ progress, total })).then(
    () => send({ ok: true }, () => process.exit(0)),
    (err: Error) => send({ ok: false, error: err.message }, () => process.exit(1)),
  );
});
