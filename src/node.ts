// Node entry: `node --import tsx src/node.ts` serves the atlas (the CLI's `serve` does the same).
import { parseEnv } from './env.js';
import { startServer } from './node/server.js';

const server = await startServer(parseEnv(process.env));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
