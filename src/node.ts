// Node entry: `node --import tsx src/node.ts` serves the atlas (the CLI's `serve` does the same).
import { parseEnv } from './env.js';
import { startServer } from './node/server.js';
import { untilStopSignal } from './node/stop-signal.js';

const server = await startServer(parseEnv(process.env));
await untilStopSignal();
await server.close();
process.exit(0);
