// Node entry: `node --import tsx src/node.ts` serves the atlas (the CLI's `serve` does the same).
import { parseEnv } from './env.js';
import { exitOnFailure } from './node/exit-on-failure.js';
import { type RunningServer, startServer } from './node/server.js';
import { untilStopSignal } from './node/stop-signal.js';

let server: RunningServer;
try {
  server = await startServer(parseEnv(process.env));
} catch (err) {
  exitOnFailure(err);
}
await untilStopSignal();
await server.close();
process.exit(0);
