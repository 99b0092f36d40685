// The tiles bench's second in-process contender: a tile answered the way the serving process
// answers it, without the socket. @hono/node-server's listener (what `serve` and the read workers
// build) swaps its own Request and Response classes in for Node's (undici's) globals: its Request
// reads the IncomingMessage lazily and builds no AbortSignal or body stream for a GET, and its
// Response holds the handler's bytes and is written to the ServerResponse as they are, with no
// ReadableStream. `app.request`, the other in-process contender, runs with undici's classes. Both
// contenders live in one process, so each swaps the globals it runs with in before its own call
// and the undici ones back after (the bench asks one contender at a time: no call overlaps).
import { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';

type Fetch = (req: Request) => Response | Promise<Response>;

interface Classes {
  Request: typeof Request;
  Response: typeof Response;
}

const current = (): Classes => ({ Request: globalThis.Request, Response: globalThis.Response });

function install(c: Classes): void {
  // Assigned the way @hono/node-server assigns them (defineProperty keeps the slot writable).
  Object.defineProperty(globalThis, 'Request', { value: c.Request });
  Object.defineProperty(globalThis, 'Response', { value: c.Response });
}

/** A GET on loopback as node:http hands it to the listener, minus the socket. */
function incomingGet(path: string): IncomingMessage {
  const req = new IncomingMessage(null as never);
  req.method = 'GET';
  req.url = path;
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.headers = { host: '127.0.0.1' };
  req.rawHeaders = ['Host', '127.0.0.1'];
  req.complete = true;
  req.push(null);
  return req;
}

/**
 * `ask(path)`: the listener answers a GET into a socketless ServerResponse (status line, headers
 * and body serialised into its output buffer, as for a socket); resolves with the body bytes once
 * the response has ended.
 */
export function servedInProcess(fetch: Fetch) {
  const undici = current();
  const listener = getRequestListener(fetch);
  const served = current();
  install(undici);
  return async function ask(path: string): Promise<Uint8Array> {
    install(served);
    try {
      const req = incomingGet(path);
      const res = new ServerResponse(req);
      let body: Uint8Array | undefined;
      const end = res.end.bind(res);
      res.end = ((chunk?: unknown, ...rest: never[]) => {
        if (chunk instanceof Uint8Array) body = chunk;
        return end(chunk as never, ...rest);
      }) as typeof res.end;
      await listener(req, res);
      if (!res.writableEnded) throw new Error(`${path}: the listener did not end its response`);
      if (res.statusCode !== 200) throw new Error(`${path}: status ${res.statusCode}`);
      return body ?? new Uint8Array();
    } finally {
      install(undici);
    }
  };
}
