// Builds the Node server as plain JavaScript (esbuild), so `npm start`, `atlas` and the read and
// dump workers run compiled modules instead of compiling TypeScript at every start through tsx:
// under tsx the server had a module-hooks thread of its own and every worker thread registered
// tsx again and compiled the app's modules (45-78 MB per worker, measured by the load bench).
// Plain JavaScript so that it runs with nothing but node. Tests keep running the sources.
//
// One self-contained file per entry, all in one folder: the server finds its workers beside its
// own module (src/node/module-worker.ts siblingModule), and `../../migrations` from any of them is the
// project's migrations folder, as it is from src/db/. Packages stay imports of node_modules.
//
//   node scripts/build-node.mjs            (writes dist/node/)

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync, stop } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The server's entries: the CLI and the modules it starts as worker threads or processes. */
export const NODE_ENTRIES = [
  'src/cli.ts',
  'src/node/read-worker.ts',
  'src/node/dump-worker.ts',
  'src/node/dump-process.ts',
];

/**
 * Node options of the server's process (bin/atlas.mjs, and the load bench's server child): a young
 * generation of 2 x 4 MB semi-spaces instead of V8's default, which grows to 3 x 16 MB on the main
 * thread under load (the load bench measured its heap at 62 MB with it). Worker threads get theirs
 * from their resourceLimits.
 *
 * And an old generation allowed to grow by 20 % over what the last full collection kept, not V8's
 * own factor (up to 2x and more on a small heap): under the load bench, requests in flight at
 * each scavenge are promoted (~1 MB/s), and the main thread's heap climbed from 35 to 74 MB before
 * a full collection (sampled every 50 ms, docs/security.md). With it the heap stays at ~35 MB.
 */
export const NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=20'];

/**
 * Node options of `atlas sync` (and the sync bench's child): the server's, with 16 MB semi-spaces.
 * A sync page parses to more objects than 4 MB hold, and its records live until their batch is
 * written, so with the server's young generation most of them were copied and promoted, and each
 * promoted MB brought the next full collection nearer (61-66 of them in a full sync of 210k EVSEs).
 * Measured (`npm run bench -- sync`, three rounds interleaved, load 1.5-2.4): 19.96 / 21.14 /
 * 20.10 s against 21.14 / 21.00 / 22.63 s with 4 MB (8 MB: 19.89 / 23.42 / 21.70 s); the main
 * thread's GC 1.2-1.3 s against 1.7-1.8 s, the process's CPU 23 s against 25-27 s; VmHWM 221-223 MB
 * against 195-201 MB. Only this command: the server keeps NODE_FLAGS (its syncs in process by
 * node-cron included), so do its dumps and exports.
 */
export const SYNC_NODE_FLAGS = ['--max-semi-space-size=16', '--heap-growing-percent=20'];

/** The Node options `atlas <command>` runs under (bin/atlas.mjs). */
export function nodeFlagsFor(command) {
  return command === 'sync' ? SYNC_NODE_FLAGS : NODE_FLAGS;
}

/** Bundles NODE_ENTRIES and `extra` (paths from the project root) into `outdir`; returns it. */
export function buildNode(outdir = 'dist/node', extra = []) {
  const out = join(ROOT, outdir);
  buildSync({
    absWorkingDir: ROOT,
    entryPoints: [...NODE_ENTRIES, ...extra],
    entryNames: '[name]',
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  // The synchronous API keeps esbuild's service process (and a thread) for later calls: there are none.
  stop();
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildNode();
