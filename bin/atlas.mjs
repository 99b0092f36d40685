#!/usr/bin/env node
// The package's `atlas` command: builds the CLI as plain JavaScript (scripts/build-node.mjs, about
// a second) and runs it, so the server and its worker threads run compiled modules, not tsx.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildNode } from '../scripts/build-node.mjs';

const cli = join(buildNode(), 'cli.js');
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
