// Builds the Node server as plain JavaScript (esbuild), so `npm start`, `atlas` and the read and
// dump workers run compiled modules instead of compiling TypeScript at every start through tsx:
// under tsx the server had a module-hooks thread of its own and every worker thread registered
// tsx again and compiled the app's modules (45-78 MB per worker, measured by the load bench).
// Plain JavaScript so that it runs with nothing but node. Tests keep running the sources.
//
// One self-contained file per entry, all in one folder: the server finds its workers beside its
// own module (src/node/ts-worker.ts siblingModule), and `../../migrations` from any of them is the
// project's migrations folder, as it is from src/db/. Packages stay imports of node_modules.
//
//   node scripts/build-node.mjs            (writes dist/node/)

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The server's entries: the CLI and the modules it starts as worker threads or processes. */
export const NODE_ENTRIES = [
  'src/cli.ts',
  'src/node/read-worker.ts',
  'src/node/dump-worker.ts',
  'src/node/dump-process.ts',
];

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
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildNode();
