// Serves any Hono app (or fetch handler) on 127.0.0.1 on a free port, for tests that need real
// HTTP: headers, streaming, timeouts, a peer calling back. Always close() it in afterEach/afterAll.
import { rmSync } from 'node:fs';
import { serve } from '@hono/node-server';

export interface ServedApp {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

export function serveApp(app: {
  // The node server's bindings (incoming socket) are passed on, so getConnInfo works.
  // biome-ignore lint/suspicious/noExplicitAny: Hono's fetch takes any bindings object
  fetch: (request: Request, env?: any) => Response | Promise<Response>;
}): Promise<ServedApp> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: (request, env) => app.fetch(request, env), hostname: '127.0.0.1', port: 0 },
      (info) => {
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          close: () =>
            new Promise<void>((done, fail) => {
              // Keep-alive sockets (fetch pools them) and stalled replies would hold close() open.
              if ('closeAllConnections' in server) server.closeAllConnections();
              server.close((err) => (err ? fail(err) : done()));
            }),
        });
      },
    );
    server.once('error', reject);
  });
}

/** Closes a served test database: the server, then the database, then removes its folder. */
export async function closeServed(parts: { server: ServedApp; db: { close(): Promise<void> }; dir: string }) {
  await parts.server.close();
  await parts.db.close();
  rmSync(parts.dir, { recursive: true, force: true });
}
