// Every answer carries X-Request-Id: the client's own when it gave a usable one, else a new UUID
// (the rule of hono/request-id, which this replaces so that the status PATCHes answered before the
// app, ocpi/status-patch-requests.ts, apply the same rule by the same function).
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps.js';

/** Longest request id taken from a client; hono/request-id's default. */
const MAX_LENGTH = 255;
/** A client's id may hold word characters, `-` and `=` only (it goes into log lines and headers). */
const BAD_CHARACTER = /[^\w\-=]/;

/** The request id of a request whose X-Request-Id header is `given`. */
export function requestIdFor(given: string | null | undefined): string {
  if (!given || given.length > MAX_LENGTH || BAD_CHARACTER.test(given)) return crypto.randomUUID();
  return given;
}

/** Sets c.get('requestId') and echoes it in the answer's X-Request-Id. */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = requestIdFor(c.req.header('X-Request-Id'));
    c.set('requestId', id);
    c.header('X-Request-Id', id);
    await next();
  };
}
