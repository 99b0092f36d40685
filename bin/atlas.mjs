#!/usr/bin/env node
// The `atlas` command (and `npm start`, `npm run atlas`): builds the CLI as plain JavaScript
// (scripts/build-node.mjs, about a second) and runs it with the server's Node options, so the
// server and its worker threads run compiled modules, not tsx. A stop signal sent to this process
// (npm passes SIGTERM to it) is passed on, so the server shuts down as it would if signalled itself.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildNode, NODE_FLAGS } from '../scripts/build-node.mjs';

const cli = join(buildNode(), 'cli.js');
const child = spawn(process.execPath, [...NODE_FLAGS, cli, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
